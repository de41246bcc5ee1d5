# SPDX-License-Identifier: BSD-3-Clause
"""The GUE and FOU checks against a real Linux decapsulator (fou + ipip), in
the qemu guest of tests/vm/run-in-vm (the host kernel has no fou): a proxy
with fou answers, one without it and one with tunl0 down do not.  See
vm_gue.sh for the drawing.  Skipped when the VM harness cannot run here.

Run: /usr/bin/python3 -m pytest -q tests/healthcheck/test_vm_gue.py   (as root, ~20 s)
"""

import os
import subprocess

import pytest

from glbnet.paths import HEALTHCHECK as HC
from glbnet.paths import RUN_IN_VM
from hcnet import HERE, once_rows

HARNESS_FAILED = 125  # run-in-vm: no kernel, qemu failed, guest setup failed
VM_TIMEOUT_S = 400


@pytest.fixture(scope="module")
def vm_run(tmp_path_factory):
    if os.geteuid() != 0 or not RUN_IN_VM.exists():
        pytest.fail("needs root and tests/vm/run-in-vm")
    # (Our own results directory: the harness keeps its default one after a failure.)
    results_dir = tmp_path_factory.mktemp("vm")
    p = subprocess.run([str(RUN_IN_VM), "--timeout", str(VM_TIMEOUT_S), "--results",
                        str(results_dir), "--",
                        str(HERE / "vm_gue.sh"), str(HC)],
                       capture_output=True, text=True, timeout=VM_TIMEOUT_S + 60)
    if p.returncode == HARNESS_FAILED:
        pytest.fail(f"the VM harness cannot run here:\n{p.stderr[-2000:]}")
    return p


def results(p):
    return {(r["backend"], r["check"].split(":")[0]): r for r in once_rows(p.stdout)}


def test_a_proxy_with_fou_answers_the_gue_and_fou_checks(vm_run):
    r = results(vm_run)
    assert r[("10.232.1.2", "gue")]["result"] == "ok", vm_run.stdout + vm_run.stderr
    assert r[("10.232.1.2", "fou")]["result"] == "ok", vm_run.stdout
    assert r[("10.232.1.2", "gue")]["health"] == "up"


def test_a_proxy_without_fou_fails_at_once_with_port_unreachable(vm_run):
    r = results(vm_run)
    for check in ("gue", "fou"):
        row = r[("10.232.2.2", check)]
        assert row["result"] == "FAIL" and "ICMP port unreachable" in row["detail"], vm_run.stdout
        assert float(row["ms"]) < 1500


def test_a_proxy_with_its_tunnel_down_fails(vm_run):
    row = results(vm_run)[("10.232.3.2", "gue")]
    assert row["result"] == "FAIL" and row["health"] == "DOWN", vm_run.stdout


def test_once_exits_4_when_a_proxy_is_down(vm_run):
    assert vm_run.returncode == 4, vm_run.stdout + vm_run.stderr  # a backend is down

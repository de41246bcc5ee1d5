# SPDX-License-Identifier: BSD-3-Clause
"""glb-proxy-diag in the qemu guest of tests/vm/run-in-vm, for what the
host kernel lacks: xt_GLBREDIRECT (the counters of a proxy set up with
glb-proxy-setup, moved by GUE packets a director would send); and, with it,
loss towards one peer (its connection, and only its, retransmits).  One boot;
vm_diag.sh has the drawing.  The module and the iptables extension are
built for the guest's kernel in a private copy of proxy-kmod/, so that
proxy-kmod/ itself stays as scripts/test's own build leaves it.

Run: /usr/bin/python3 -m pytest -q proxy-diag/tests/test_vm_diag.py   (as root, ~1 min)
"""

import json
import os
import shutil
import subprocess

import pytest

from glbnet.paths import PROXY_DIAG, RUN_IN_VM, SOURCE_ROOT
from pdnet import OK

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS_FAILED = 125  # run-in-vm: no kernel, qemu failed, guest setup failed
VM_TIMEOUT_S = 600
LOSSY, CLEAN = "10.242.0.2", "10.242.0.3"


def guest_kernel():
    """The kernel run-in-vm boots: the newest /boot/vmlinuz-V with /lib/modules/V."""
    versions = [f[len("vmlinuz-"):] for f in os.listdir("/boot") if f.startswith("vmlinuz-")]
    versions = [v for v in versions if os.path.isdir(f"/lib/modules/{v}")]
    if not versions:
        pytest.fail("no /boot/vmlinuz-V with /lib/modules/V for the guest")
    return max(versions, key=lambda v: [int(x) if x.isdigit() else 0
                                        for x in v.replace("-", ".").split(".")])


def build_kmod(dest):
    """xt_GLBREDIRECT.ko and libxt_GLBREDIRECT.so for the guest, built in dest."""
    kver = os.environ.get("GLB_VM_KERNEL", "").rpartition("vmlinuz-")[2] or guest_kernel()
    shutil.copytree(SOURCE_ROOT / "proxy-kmod", dest / "proxy-kmod",
                    ignore=shutil.ignore_patterns("tests", "*.o", "*.ko", "*.mod*", ".*.cmd",
                                                  "*.so", "Module.symvers", "modules.order"))
    (dest / "common").mkdir()
    shutil.copy(SOURCE_ROOT / "common" / "gue.h", dest / "common")
    p = subprocess.run(["make", "-C", str(dest / "proxy-kmod"), f"KVER={kver}"],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        pytest.fail(f"building the module for {kver}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return dest / "proxy-kmod"


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    if os.geteuid() != 0 or not RUN_IN_VM.exists():
        pytest.fail("needs root and tests/vm/run-in-vm")
    kmod = build_kmod(tmp_path_factory.mktemp("kmod"))
    # (Our own results directory: the harness keeps its default one after a failure.)
    results = tmp_path_factory.mktemp("vm")
    p = subprocess.run([str(RUN_IN_VM), "--timeout", str(VM_TIMEOUT_S), "--results",
                        str(results), "--", os.path.join(HERE, "vm_diag.sh"), str(PROXY_DIAG),
                        str(kmod)],
                       capture_output=True, text=True, timeout=VM_TIMEOUT_S + 60)
    if p.returncode == HARNESS_FAILED:
        pytest.fail(f"the VM harness cannot run here:\n{p.stderr[-2000:]}")
    assert p.returncode == 0, f"guest exit {p.returncode}:\n{p.stdout[-3000:]}{p.stderr[-3000:]}"
    got = {}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            step = json.loads(line)
            got[step["step"]] = step
    return got


def answer(steps, name):
    step = steps[name]
    assert step["exit"] == OK, step
    return step.get("doc")


def test_lossy_peer_retransmits_and_comes_first(steps):
    # Every 10th of its ~180 segments lost costs the lossy connection 20
    # retransmissions (vm_diag.sh; 20 in every run tried); the clean
    # one has none, or one or two spurious timeouts when the emulated guest
    # is starved of CPU.
    doc = answer(steps, "conns")
    assert doc["connections"] == 2
    lossy, clean = doc["list"]
    assert (lossy["peer"], clean["peer"]) == (LOSSY, CLEAN), doc
    assert lossy["total_retrans"] >= 15 and lossy["total_retrans"] > 2 * clean["total_retrans"], doc
    assert lossy["bytes_retrans"] > clean["bytes_retrans"], doc


def test_peer_filter_in_the_guest_kernel(steps):
    doc = answer(steps, "lossy-only")
    assert [c["peer"] for c in doc["list"]] == [LOSSY]


def test_summary_counts_the_connections_that_retransmitted(steps):
    e = answer(steps, "summary-loss")["vips"][0]
    lossy = answer(steps, "conns")["list"][0]
    assert e["states"]["ESTABLISHED"] == 2
    assert e["retransmitted"] >= 1 and e["total_retransmits"] >= lossy["total_retrans"]


def test_glbredirect_counters_move_by_what_the_director_sent(steps):
    before = answer(steps, "redirect-before")["counters"]["glbredirect"]
    after = answer(steps, "redirect-after")["counters"]
    assert before is not None, "no GLBREDIRECT counters in the proxy's namespace"
    assert after["basis"] == "last_run"
    r = after["glbredirect"]
    assert r["packets"]["delta"] == 3, r
    assert r["accepted"]["delta"] == 1 and r["counters"]["accept_syn"]["delta"] == 1, r
    assert r["forwarded"]["delta"] == 1 and r["counters"]["forward"]["delta"] == 1, r
    assert r["dropped"]["delta"] == 1 and r["counters"]["drop_gue_version"]["delta"] == 1, r


def test_glbredirect_counters_in_the_text_summary(steps):
    step = steps["text"]
    assert step["exit"] == OK
    text = step["text"]
    assert "GLBREDIRECT, since the last run " in text, text
    lines = text.splitlines()
    assert "      accept_syn +1" in lines, text
    assert "      forward +1" in lines and "      drop_gue_version +1" in lines, text


def test_glbredirect_counters_in_prometheus_text(steps):
    step = steps["prometheus"]
    assert step["exit"] == OK
    lines = step["text"].splitlines()
    assert "glb_proxy_glbredirect_loaded 1" in lines
    assert 'glb_proxy_glbredirect_packets_total{counter="forward",verdict="forwarded"} 1' in lines

"""Tests of tests/vm/run-in-vm, the qemu harness of the kernel module tests.

Run: /usr/bin/python3 -m pytest tests/vm/test_harness.py

The verdict and usage tests need no guest; the others boot one each (six
boots, about 30 s with TCG on two cores).
"""

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RUN_IN_VM = HERE / "run-in-vm"
SMOKE = HERE / "smoke.sh"

# Margin over a guest's own --timeout for subprocess.run, so that a hung
# harness fails the test instead of hanging pytest.
HARNESS_SLACK = 60


def load_harness():
    loader = importlib.machinery.SourceFileLoader("run_in_vm", str(RUN_IN_VM))
    spec = importlib.util.spec_from_loader("run_in_vm", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


vm = load_harness()


def run_in_vm(*args, timeout=120, cwd=None, env=None):
    return subprocess.run([str(RUN_IN_VM), *args], capture_output=True,
                          text=True, timeout=timeout + HARNESS_SLACK, cwd=cwd,
                          env=env)


def qemu_status(debug_exit_value):
    return (debug_exit_value << 1) | 1


def port_rc(rc):
    return qemu_status(vm.DEBUG_EXIT_RC_BASE + rc)


# (description, console rc line, console errors, qemu status, timed out,
#  expected exit status)
VERDICTS = [
    ("rc 0 on console and port", 0, [], port_rc(0), False, 0),
    ("rc 7 on console and port", 7, [], port_rc(7), False, 7),
    ("rc 110, the largest the port carries", 110, [], port_rc(110), False, 110),
    ("rc 200: port says 'large', console has it", 200, [],
     qemu_status(vm.DEBUG_EXIT_RC_LARGE), False, 200),
    ("console and port disagree", 7, [], port_rc(8), False, vm.EXIT_HARNESS),
    ("port says large, console small", 5, [],
     qemu_status(vm.DEBUG_EXIT_RC_LARGE), False, vm.EXIT_HARNESS),
    ("rc on console, then powered off without the port", 3, [], 0, False, 3),
    ("rc on console, then timed out powering off", 3, [], 124, True, 3),
    ("timed out, nothing reported", None, [], 124, True, vm.EXIT_TIMEOUT),
    ("killed after the timeout", None, [], 137, True, vm.EXIT_TIMEOUT),
    ("guest setup failed", None, ["cannot mount"],
     qemu_status(vm.DEBUG_EXIT_SETUP_FAILED), False, vm.EXIT_HARNESS),
    ("panic: rebooted, qemu exits 0", None, [], 0, False, vm.EXIT_HARNESS),
    ("qemu failed to start", None, [], 1, False, vm.EXIT_HARNESS),
    ("port alone (timeout(1) itself failed: 125)", None, [], 125, False,
     vm.EXIT_HARNESS),
]


@pytest.mark.parametrize("what,rc,errors,status,timed_out,want", VERDICTS,
                         ids=[v[0] for v in VERDICTS])
def test_verdict_prefers_console_and_cross_checks_port(what, rc, errors,
                                                       status, timed_out,
                                                       want):
    run = vm.Run()
    run.rc = rc
    run.errors = errors
    got, why = vm.verdict(run, status, timed_out)
    assert got == want
    assert (why is None) == (rc is not None and got == rc)


@pytest.mark.parametrize("args", [[], ["--"], ["--bogus", "--", "true"],
                                  ["--timeout", "0", "--", "true"],
                                  ["--mem", "12", "--", "true"]],
                         ids=["nothing", "no command", "unknown option",
                              "zero timeout", "tiny memory"])
def test_bad_usage_exits_125(args):
    r = run_in_vm(*args)
    assert r.returncode == vm.EXIT_HARNESS, r.stderr
    assert "usage:" in r.stderr


def test_help_exits_0():
    r = run_in_vm("--help")
    assert r.returncode == 0
    assert "--results DIR" in r.stdout and "--timeout SECONDS" in r.stdout


def test_missing_kernel_is_a_clear_error():
    env = dict(os.environ, GLB_VM_KERNEL="/nonexistent/vmlinuz-0.0")
    r = run_in_vm("--", "true", env=env)
    assert r.returncode == vm.EXIT_HARNESS
    assert "GLB_VM_KERNEL=/nonexistent/vmlinuz-0.0" in r.stderr


def test_smoke_passes_and_results_share_is_writable(tmp_path):
    r = run_in_vm("--results", str(tmp_path), "--", str(SMOKE), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "not ok" not in r.stdout
    assert (tmp_path / "smoke.txt").read_text().startswith("written in the guest")
    assert (tmp_path / "vm-dmesg.txt").stat().st_size > 0
    assert "GLB-VM-RC: 0" in (tmp_path / "vm-console.log").read_text()


def test_exit_7_with_stdout_stderr_cwd_and_results_env(tmp_path):
    script = 'pwd; echo "$GLB_VM_RESULTS"; echo to-stderr >&2; exit 7'
    r = run_in_vm("--", "/bin/sh", "-c", script, cwd=tmp_path)
    assert r.returncode == 7, r.stderr
    cwd, results = r.stdout.splitlines()
    assert cwd == str(tmp_path)
    assert results.startswith("/") and results != str(tmp_path)
    assert "to-stderr" in r.stderr and "to-stderr" not in r.stdout
    # Kept because the command failed: a fresh directory of its own.
    assert Path(results).is_dir()
    shutil.rmtree(results)


@pytest.mark.parametrize("rc", [1, 200])
def test_exit_status_propagates(rc, tmp_path):
    r = run_in_vm("--results", str(tmp_path), "--", "/bin/sh", "-c",
                  f"exit {rc}")
    assert r.returncode == rc, r.stderr
    assert r.stdout == ""


def test_guest_setup_failure_exits_125(tmp_path):
    # A later glb_job= overrides the harness's: stage 1 finds no job.
    r = run_in_vm("--results", str(tmp_path), "--append",
                  "glb_job=/nonexistent", "--", "true")
    assert r.returncode == vm.EXIT_HARNESS
    assert "guest setup failed: no job file" in r.stderr


def test_timeout_is_a_failure(tmp_path):
    timeout = 6
    t0 = time.monotonic()
    r = run_in_vm("--timeout", str(timeout), "--results", str(tmp_path), "--",
                  "sleep", "600", timeout=timeout)
    took = time.monotonic() - t0
    assert r.returncode == vm.EXIT_TIMEOUT, r.stderr
    assert "timed out" in r.stderr
    assert took < timeout + vm.KILL_GRACE + 5

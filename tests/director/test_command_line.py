# SPDX-License-Identifier: BSD-3-Clause
"""glb-director's own command line (after EAL's options and '--'): what it
says and the exit status it gives (common/exit_status.h) when it stops
before forwarding. No namespace and no port: EAL starts without hugepages
or devices, and the director stops at its arguments or its configuration.

Run: /usr/bin/python3 -m pytest -q tests/director/test_command_line.py
"""

import os
import shutil
import subprocess

import pytest

from glbnet.director import RUNTIME_DIR
from glbnet.paths import DIRECTOR

# common/exit_status.h
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
RUN_TIMEOUT_S = 30


def run_director(tmp_path, args):
    """glb-director with a minimal EAL and these options after '--'."""
    prefix = f"glbcmdline{os.getpid()}"
    cmd = [str(DIRECTOR), "--no-pci", "--no-huge", "-m", "128", "--no-telemetry",
           "--lcores=0@0", "--file-prefix", prefix, "--", *args]
    try:
        return subprocess.run(cmd, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=RUN_TIMEOUT_S)
    finally:
        shutil.rmtree(f"{RUNTIME_DIR}/{prefix}", ignore_errors=True)


@pytest.mark.parametrize("name, args, status, says", [
    ("a stray positional argument is named",
     ["-c", "director.conf", "-t", "table.bin", "stray"], EXIT_USAGE,
     "glb-director: unexpected argument 'stray'"),
    ("a stray argument before the options is named too",
     ["stray", "-c", "director.conf", "-t", "table.bin"], EXIT_USAGE,
     "glb-director: unexpected argument 'stray'"),
    ("a missing --forwarding-table is required",
     ["-c", "director.conf"], EXIT_USAGE,
     "glb-director: --config-file and --forwarding-table are required"),
    ("an unknown option is a usage error",
     ["-c", "director.conf", "-t", "table.bin", "--frobnicate"], EXIT_USAGE,
     "unrecognized option '--frobnicate'"),
    ("a configuration file that is not there is invalid, and named",
     ["-c", "missing.conf", "-t", "table.bin"], EXIT_INVALID,
     "glb-director: missing.conf: No such file or directory"),
])
def test_director_refuses_a_bad_command_line(tmp_path, name, args, status, says):
    r = run_director(tmp_path, args)
    assert r.returncode == status and says in r.stderr, \
        f"{name}: exit {r.returncode}, stderr:\n{r.stderr}"
    if status == EXIT_USAGE and "unexpected" in says:
        assert "are required" not in r.stderr, f"{name}: {r.stderr}"


def test_help_after_the_separator_prints_the_usage_and_exits_zero(tmp_path):
    r = run_director(tmp_path, ["--help"])
    assert r.returncode == EXIT_OK and r.stdout.startswith("Usage: glb-director"), \
        f"exit {r.returncode}\n{r.stdout}{r.stderr}"

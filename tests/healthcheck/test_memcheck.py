# SPDX-License-Identifier: BSD-3-Clause
"""glb-healthcheck under a memory checker: --once over every check kind and
outcome, and the daemon through a round, a SIGHUP, a reload command and
SIGTERM.  The checker is valgrind (memcheck, leaks), or, for an ASan build,
where valgrind cannot run, ASan itself (it aborts on an error and reports
leaks at exit).

Run: /usr/bin/python3 -m pytest -q tests/healthcheck/test_memcheck.py   (as root)
"""

import shutil
import signal
import subprocess


from glbnet.paths import HEALTHCHECK as HC
from glbnet.tables import write_json
from hcnet import (BACKENDS, BLACKHOLE, CHECKER_NETNS, CLOSED_PORT, FOU_PORT, GUE_PORT,
                   HTTP_PORT, NO_GUE_PORT, SILENT_PORT, Daemon, backend, table_doc)

VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--track-fds=no", "-q"]
VALGRIND_ERROR = 99


def asan_build():
    return "libasan" in subprocess.run(["ldd", str(HC)], capture_output=True, text=True).stdout


ASAN = asan_build()
# under ASan the binary checks itself: no wrapper, and an error is a non-zero exit
CHECKER = [] if ASAN else VALGRIND


def test_a_memory_checker_is_available():
    assert ASAN or shutil.which("valgrind"), "valgrind is not installed (scripts/setup)"


def every_outcome():
    b = BACKENDS
    return table_doc([backend(b[0], http=HTTP_PORT, tcp=HTTP_PORT, gue=GUE_PORT, fou=FOU_PORT),
                      backend(b[1], http=SILENT_PORT, tcp=CLOSED_PORT, gue=NO_GUE_PORT),
                      backend(b[2], http=HTTP_PORT, http_uri="/x"),
                      backend(BLACKHOLE, tcp=HTTP_PORT, gue=GUE_PORT),
                      dict(backend(b[3]), healthy=True)],
                     [backend(b[0], http=HTTP_PORT)], interval_ms=1000, timeout_ms=400)


def test_once_is_clean_under_a_memory_checker(backends, tmp_path):
    backends.http_status(BACKENDS[2], 503)
    path = tmp_path / "t.json"
    write_json(path, every_outcome())
    p = subprocess.run(CHECKER_NETNS.argv(*CHECKER, HC, "--once", "--table", path),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 4, p.stdout + p.stderr  # some backends are down: 4, not 99
    assert "6 backends: 2 up, 3 down, 1 not checked" in p.stdout, p.stdout
    assert "==" not in p.stderr, p.stderr  # valgrind's and ASan's reports start with ==PID==


def test_daemon_is_clean_under_a_memory_checker(backends, tmp_path):
    d = Daemon(tmp_path, every_outcome(), reload_command="true", args=[], wrapper=CHECKER)
    d.start()
    try:
        d.wait_event("reload_done", timeout=120)
        d.signal(signal.SIGHUP)
        d.wait_event("config_reloaded", timeout=120)
        d.signal(signal.SIGTERM)
        rc = d.proc.wait(timeout=120)
    finally:
        d.stop()
    assert rc == 0, d.tail()
    assert "==" not in d.log.read_text(), d.tail()

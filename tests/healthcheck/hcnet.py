# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces, backends and a daemon wrapper for glb-healthcheck's
end-to-end tests.

   glbhc-c-PID (checker)                    glbhc-b-PID (backends, backend.py)
  ┌────────────────────────────┐   veth    ┌──────────────────────────────────────┐
  │ hccPID  10.231.0.1/24      ├───────────┤ hcbPID  10.231.0.2/24, .3-.8, .9     │
  │ glb-healthcheck            │           │ :80 HTTP (status per address, file)  │
  │   (--once or the daemon)   │           │ :81 accepts, never answers           │
  └────────────────────────────┘           │ :82 nothing listens                  │
                                           │ UDP 19523/19524 emulated GUE decap,  │
                                           │   answers the echo inside            │
                                           │ UDP 19525 nothing (port unreachable) │
                                           │ 10.231.0.9: iptables DROP (silent)   │
                                           └──────────────────────────────────────┘

Names carry the test process's pid, so parallel runs do not collide;
namespaces of dead test processes are removed on the next run, and ours on
every exit (atexit as well as the fixture's finaliser).

Namespaces, the daemon, its log and the table JSON come from glbnet
(tests/glbnet); what is here is this suite's own network and tables.
"""

import atexit
import os
import subprocess
from pathlib import Path

from glbnet import healthcheck, netns
from glbnet import tables as gtables
from glbnet.paths import HEALTHCHECK, PYTHON

HERE = Path(__file__).resolve().parent

PID = os.getpid()
NS_PREFIX = "glbhc-"
CHECKER_NS = f"{NS_PREFIX}c-{PID}"
BACKEND_NS = f"{NS_PREFIX}b-{PID}"
CHECKER_IF = f"hcc{PID}"
BACKEND_IF = f"hcb{PID}"
CHECKER_IP = "10.231.0.1"
PREFIX_LEN = 24
BACKENDS = [f"10.231.0.{i}" for i in range(2, 9)]
BLACKHOLE = "10.231.0.9"
HTTP_PORT, SILENT_PORT, CLOSED_PORT = 80, 81, 82
GUE_PORT, FOU_PORT, NO_GUE_PORT = 19523, 19524, 19525

CHECKER_NETNS = netns.Netns(CHECKER_NS)
BACKEND_NETNS = netns.Netns(BACKEND_NS)

# Generous: the test machine is small and often busy.
WAIT_S = healthcheck.WAIT_S

HASH_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
SEED = "3243f6a8885a308d313198a2e0370734"


class Net:
    """The two namespaces and backend.py; ctrl is the backends' control directory."""

    def __init__(self, ctrl: Path):
        self.ctrl = ctrl
        self.backend_proc = None
        self.up = False

    def setup(self):
        # what test runs that were killed outright left behind
        netns.remove_stale(rf"{NS_PREFIX}[cb]-(\d+)")
        atexit.register(self.teardown)
        self.up = True
        CHECKER_NETNS.create()
        BACKEND_NETNS.create()
        netns.veth(CHECKER_NETNS, CHECKER_IF, BACKEND_NETNS, BACKEND_IF)
        CHECKER_NETNS.ip(f"addr add {CHECKER_IP}/{PREFIX_LEN} dev {CHECKER_IF}",
                   f"link set {CHECKER_IF} up")
        BACKEND_NETNS.ip(f"addr add {BACKENDS[0]}/{PREFIX_LEN} dev {BACKEND_IF}",
                   *(f"addr add {ip}/32 dev {BACKEND_IF}" for ip in BACKENDS[1:] + [BLACKHOLE]),
                   f"link set {BACKEND_IF} up")
        # The blackhole answers ARP (it is a local address) but drops every packet.
        BACKEND_NETNS.run("iptables", "-A", "INPUT", "-d", BLACKHOLE, "-j", "DROP")
        self.ctrl.mkdir(parents=True, exist_ok=True)
        self.backend_proc = BACKEND_NETNS.popen([PYTHON, HERE / "backend.py", self.ctrl],
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                text=True)
        line = self.backend_proc.stdout.readline()
        assert line.strip() == "ready", f"backend.py did not start: {line}"

    def teardown(self):
        if self.backend_proc and self.backend_proc.poll() is None:
            self.backend_proc.kill()
            self.backend_proc.wait()
        if self.up:
            CHECKER_NETNS.delete()
            BACKEND_NETNS.delete()
            self.up = False

    # -- steering the backends ------------------------------------------------

    def reset(self):
        for f in self.ctrl.iterdir():
            f.unlink()

    def http_status(self, ip, status):
        tmp = self.ctrl / f".http_status_{ip}"
        tmp.write_text(str(status))
        tmp.rename(self.ctrl / f"http_status_{ip}")

    def gue_silent(self, ip, silent=True):
        path = self.ctrl / f"gue_silent_{ip}"
        if silent:
            path.touch()
        elif path.exists():
            path.unlink()

    def requests(self):
        path = self.ctrl / "requests.log"
        return [line.split(" ") for line in path.read_text().splitlines()] if path.exists() else []

    def gue_datagrams(self):
        path = self.ctrl / "gue.log"
        if not path.exists():
            return []
        return [(int(p), bytes.fromhex(h)) for p, h in
                (line.split(" ") for line in path.read_text().splitlines())]


# -- forwarding tables and configuration -------------------------------------

def backend(ip, state="active", **checks):
    """A backend of the source table (no "healthy": the daemon fills it in)."""
    return gtables.backend(ip, state, healthy=None, healthchecks=checks)


def table_doc(*tables, interval_ms=None, timeout_ms=None, trigger=None):
    """tables: lists of backends (one table each), or (name, backends) pairs."""
    timing = {k: v for k, v in (("interval_ms", interval_ms), ("timeout_ms", timeout_ms),
                                ("trigger", trigger)) if v is not None}
    out = []
    for i, t in enumerate(tables):
        name, backends = t if isinstance(t, tuple) else (f"t{i}", t)
        binds = [gtables.bind(f"192.0.2.{10 + i}", "tcp", 80)]
        out.append(gtables.table(name, HASH_KEY, SEED, binds, backends))
    return gtables.document(out, healthchecks=timing)


class Daemon(healthcheck.Daemon):
    """glb-healthcheck running in the checker namespace with its own config."""

    def __init__(self, workdir: Path, doc, **kw):
        super().__init__(workdir, doc, netns=CHECKER_NETNS, **kw)


def run_once(workdir: Path, doc, *extra, timeout=120):
    """glb-healthcheck --once on doc in the checker namespace."""
    path = gtables.write_json(workdir / "once.json", doc)
    return CHECKER_NETNS.run(HEALTHCHECK, "--once", "--table", path, *extra, check=False,
                       timeout=timeout)


def once_rows(stdout):
    """--once's table as dicts: table, backend, health, check, result, ms, detail."""
    rows = []
    for line in stdout.splitlines()[1:-1]:
        parts = line.split(None, 6)
        rows.append(dict(zip(("table", "backend", "health", "check", "result", "ms", "detail"),
                             parts)))
    return rows

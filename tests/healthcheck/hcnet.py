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
"""

import atexit
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = Path(os.environ.get("GLB_SOURCE_ROOT", HERE.parents[1]))
BUILD_ROOT = Path(os.environ.get("GLB_BUILD_ROOT", SOURCE_ROOT / "build"))
HC = BUILD_ROOT / "healthcheck" / "glb-healthcheck"
CLI = BUILD_ROOT / "director" / "glb-director-cli"
PYTHON = "/usr/bin/python3"

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

# Generous: the test machine is small and often busy.
WAIT_S = 30.0
POLL_S = 0.05

HASH_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
SEED = "3243f6a8885a308d313198a2e0370734"


def sh(*args, check=True, **kw):
    return subprocess.run([str(a) for a in args], check=check, capture_output=True, text=True,
                          **kw)


def in_checker(*args):
    """A command line that runs args in the checker namespace."""
    return ["ip", "netns", "exec", CHECKER_NS, *map(str, args)]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale_namespaces():
    """Namespaces left by test runs that were killed outright."""
    out = sh("ip", "netns", "list", check=False).stdout
    for name in re.findall(rf"^({NS_PREFIX}[cb]-(\d+))\b", out, re.M):
        if int(name[1]) != PID and not pid_alive(int(name[1])):
            sh("ip", "netns", "del", name[0], check=False)


class Net:
    """The two namespaces and backend.py; ctrl is the backends' control directory."""

    def __init__(self, ctrl: Path):
        self.ctrl = ctrl
        self.backend_proc = None
        self.up = False

    def setup(self):
        remove_stale_namespaces()
        atexit.register(self.teardown)
        self.up = True
        sh("ip", "netns", "add", CHECKER_NS)
        sh("ip", "netns", "add", BACKEND_NS)
        sh("ip", "link", "add", CHECKER_IF, "netns", CHECKER_NS, "type", "veth", "peer", "name",
           BACKEND_IF, "netns", BACKEND_NS)
        sh("ip", "-n", CHECKER_NS, "addr", "add", f"{CHECKER_IP}/{PREFIX_LEN}", "dev", CHECKER_IF)
        sh("ip", "-n", BACKEND_NS, "addr", "add", f"{BACKENDS[0]}/{PREFIX_LEN}", "dev", BACKEND_IF)
        for ip in BACKENDS[1:] + [BLACKHOLE]:
            sh("ip", "-n", BACKEND_NS, "addr", "add", f"{ip}/32", "dev", BACKEND_IF)
        for ns, dev in ((CHECKER_NS, CHECKER_IF), (BACKEND_NS, BACKEND_IF)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        # The blackhole answers ARP (it is a local address) but drops every packet.
        sh("ip", "netns", "exec", BACKEND_NS, "iptables", "-A", "INPUT", "-d", BLACKHOLE, "-j",
           "DROP")
        self.ctrl.mkdir(parents=True, exist_ok=True)
        self.backend_proc = subprocess.Popen(
            ["ip", "netns", "exec", BACKEND_NS, PYTHON, str(HERE / "backend.py"), str(self.ctrl)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.backend_proc.stdout.readline()
        assert line.strip() == "ready", f"backend.py did not start: {line}"

    def teardown(self):
        if self.backend_proc and self.backend_proc.poll() is None:
            self.backend_proc.kill()
            self.backend_proc.wait()
        if self.up:
            sh("ip", "netns", "del", CHECKER_NS, check=False)
            sh("ip", "netns", "del", BACKEND_NS, check=False)
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
    b = {"ip": ip, "state": state}
    if checks:
        b["healthchecks"] = checks
    return b


def table_doc(*tables, interval_ms=None, timeout_ms=None, trigger=None):
    """tables: lists of backends (one table each), or (name, backends) pairs."""
    doc = {}
    timing = {k: v for k, v in (("interval_ms", interval_ms), ("timeout_ms", timeout_ms),
                                ("trigger", trigger)) if v is not None}
    if timing:
        doc["healthchecks"] = timing
    doc["tables"] = []
    for i, t in enumerate(tables):
        name, backends = t if isinstance(t, tuple) else (f"t{i}", t)
        doc["tables"].append({"name": name, "hash_key": HASH_KEY, "seed": SEED,
                              "binds": [{"ip": f"192.0.2.{10 + i}", "proto": "tcp", "port": 80}],
                              "backends": backends})
    return doc


def write_json(path: Path, doc):
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(doc, indent=2))
    tmp.rename(path)


LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line):
    return {k: (v[1:-1].replace('\\"', '"').replace("\\\\", "\\") if v.startswith('"') else v)
            for k, v in LOGFMT.findall(line)}


def wait_for(pred, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_S)


class Daemon:
    """glb-healthcheck running in the checker namespace with its own config."""

    def __init__(self, workdir: Path, doc, reload_command=None, conf_extra=None, env=None,
                 args=("--verbose",), wrapper=()):
        self.workdir = workdir
        self.src = workdir / "forwarding_table.src.json"
        self.dst = workdir / "forwarding_table.checked.json"
        self.status = workdir / "status.json"
        self.prom = workdir / "metrics.prom"
        self.conf = workdir / "healthcheck.conf"
        self.log = workdir / "healthcheck.log"
        self.args = list(args)
        self.wrapper = list(wrapper)
        self.env = env
        self.proc = None
        write_json(self.src, doc)
        conf = {"forwarding_table": {"src": str(self.src), "dst": str(self.dst)},
                "status_file": str(self.status), "prometheus_file": str(self.prom)}
        if reload_command is not None:
            conf["reload_command"] = reload_command
        conf.update(conf_extra or {})
        write_json(self.conf, conf)

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(in_checker(*self.wrapper, HC, "--config", self.conf,
                                                *self.args),
                                     stdout=self.logf, stderr=subprocess.STDOUT, env=self.env)
        return self

    def lines(self):
        return [parse_logfmt(line) for line in self.log.read_text().splitlines()]

    def events(self, event, **match):
        return [e for e in self.lines() if e.get("event") == event and
                all(e.get(k) == v for k, v in match.items())]

    def wait_event(self, event, timeout=WAIT_S, count=1, **match):
        def seen():
            assert self.proc.poll() is None, f"daemon exited {self.proc.returncode}:\n{self.tail()}"
            got = self.events(event, **match)
            return got if len(got) >= count else None
        try:
            return wait_for(seen, f"{count} x event={event} {match}", timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.tail()}") from None

    def output(self):
        try:
            return json.loads(self.dst.read_text())
        except FileNotFoundError:
            return None

    def healthy(self, table=0):
        doc = self.output()
        return None if doc is None else [b.get("healthy") for b in doc["tables"][table]["backends"]]

    def wait_healthy(self, want, table=0, timeout=WAIT_S):
        try:
            return wait_for(lambda: self.healthy(table) == want, f"healthy == {want}", timeout)
        except AssertionError as e:
            raise AssertionError(f"{e} (now {self.healthy(table)})\n{self.tail()}") from None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()
        return self.proc.returncode if self.proc else None

    def tail(self, n=40):
        text = self.log.read_text().splitlines() if self.log.exists() else []
        return "--- glb-healthcheck log (last lines):\n" + "\n".join(text[-n:])


def run_once(workdir: Path, doc, *extra, timeout=120):
    """glb-healthcheck --once on doc in the checker namespace."""
    path = workdir / "once.json"
    write_json(path, doc)
    return subprocess.run(in_checker(HC, "--once", "--table", path, *extra), capture_output=True,
                          text=True, timeout=timeout)


def once_rows(stdout):
    """--once's table as dicts: table, backend, health, check, result, ms, detail."""
    rows = []
    for line in stdout.splitlines()[1:-1]:
        parts = line.split(None, 6)
        rows.append(dict(zip(("table", "backend", "health", "check", "result", "ms", "detail"),
                             parts)))
    return rows

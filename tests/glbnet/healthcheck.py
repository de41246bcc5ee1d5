# SPDX-License-Identifier: BSD-3-Clause
"""The glb-healthcheck daemon: its configuration, its logfmt log, its
checked table and status file."""

import json
import re
import signal
import subprocess

from .paths import HEALTHCHECK
from .tables import write_json
from .util import wait_for

WAIT_S = 30.0  # generous: the test machines are small and often busy

LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line):
    """One log line as a dict (quoted values unquoted)."""
    return {k: (v[1:-1].replace('\\"', '"').replace("\\\\", "\\") if v.startswith('"') else v)
            for k, v in LOGFMT.findall(line)}


class Daemon:
    """glb-healthcheck with its own config in workdir: the source table
    (doc), the checked table it writes, its status and metrics files and its
    log. netns: the namespace to run in (a glbnet.netns.Netns, or None)."""

    def __init__(self, workdir, doc, reload_command=None, conf_extra=None, env=None,
                 args=("--verbose",), wrapper=(), netns=None):
        self.workdir = workdir
        self.src = workdir / "forwarding_table.src.json"
        self.dst = workdir / "forwarding_table.checked.json"
        self.status_path = workdir / "status.json"
        self.prom = workdir / "metrics.prom"
        self.conf = workdir / "healthcheck.conf"
        self.log = workdir / "healthcheck.log"
        self.args = list(args)
        self.wrapper = list(wrapper)
        self.env = env
        self.netns = netns
        self.proc = None
        self.logf = None
        write_json(self.src, doc)
        conf = {"forwarding_table": {"src": str(self.src), "dst": str(self.dst)},
                "status_file": str(self.status_path), "prometheus_file": str(self.prom)}
        if reload_command is not None:
            conf["reload_command"] = reload_command
        conf.update(conf_extra or {})
        write_json(self.conf, conf)

    def command(self):
        argv = [*self.wrapper, str(HEALTHCHECK), "--config", str(self.conf), *self.args]
        return self.netns.argv(*argv) if self.netns else argv

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(self.command(), stdout=self.logf, stderr=subprocess.STDOUT,
                                     env=self.env)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- what it says ------------------------------------------------------

    def lines(self):
        return [parse_logfmt(line) for line in self.log.read_text().splitlines()]

    def events(self, event, **match):
        return [e for e in self.lines() if e.get("event") == event and
                all(e.get(k) == v for k, v in match.items())]

    def wait_event(self, event, timeout=WAIT_S, count=1, **match):
        def seen():
            assert self.alive(), f"daemon exited {self.proc.returncode}:\n{self.tail()}"
            got = self.events(event, **match)
            return got if len(got) >= count else None
        try:
            return wait_for(seen, f"{count} x event={event} {match}", timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.tail()}") from None

    def output(self):
        """The checked table it wrote, or None before the first."""
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

    def status(self):
        """Its status file (counters, checks, backends), or None before the first."""
        try:
            return json.loads(self.status_path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    # -- steering it --------------------------------------------------------

    def set_source(self, doc):
        """Replace the source table and tell it (SIGHUP)."""
        write_json(self.src, doc)
        self.signal(signal.SIGHUP)

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
        if self.logf:
            self.logf.close()
            self.logf = None
        return self.proc.returncode if self.proc else None

    def tail(self, n=40):
        text = self.log.read_text().splitlines() if self.log.exists() else []
        return "--- glb-healthcheck log (last lines):\n" + "\n".join(text[-n:])

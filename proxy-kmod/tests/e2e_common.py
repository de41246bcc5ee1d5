"""What the end-to-end tests of tests/vm-e2e share: the topology vm-e2e
built (it exports it as GLB_E2E_* variables, the one place it is written
down), a proxy's GLBREDIRECT counters, and ok/FAIL lines.  No scapy here:
these run in the TCG guest, where importing it costs seconds.
"""

import os
import time

QUIET = 1.0  # seconds without a counter moving: the last packet (a delayed ACK) was counted
SETTLE_MAX = 10.0  # ... or give up waiting and let the checks say what moved


def env(name):
    try:
        return os.environ["GLB_E2E_" + name]
    except KeyError:
        raise SystemExit(f"GLB_E2E_{name} is not set: run this from tests/vm-e2e") from None


class Proxy:
    """One proxy namespace (A or B) of the drawing in vm-e2e."""

    def __init__(self, name):
        self.name = name
        self.ns = env(f"{name}_NS")
        self.addr = env(f"{name}_ADDR")
        self.lan = env("LAN_DEV")
        self._pid = None

    def _proc(self, path):
        """/proc/PID/PATH for a process inside the namespace, without the
        cost of an `ip netns exec` per read: any process there will do, and
        the namespace's inode says whether the one remembered still is."""
        want = os.stat(f"/run/netns/{self.ns}").st_ino
        for pid in ([self._pid] if self._pid else []) + os.listdir("/proc"):
            if not str(pid).isdigit():
                continue
            try:
                if os.stat(f"/proc/{pid}/ns/net").st_ino == want:
                    with open(f"/proc/{pid}/{path}") as f:
                        text = f.read()
                    self._pid = pid
                    return text
            except OSError:
                continue  # gone meanwhile
        raise RuntimeError(f"no process left in namespace {self.ns}")

    def stats(self):
        """/proc/net/glb_redirect_stats of the namespace, as {name: value}."""
        return {k: int(v) for k, v in (line.split() for line in
                                       self._proc("net/glb_redirect_stats").splitlines())}

    def snmp(self, proto, field):
        """A counter of /proc/net/snmp (e.g. Udp InCsumErrors) in the namespace."""
        names, values = [line.split()[1:] for line in self._proc("net/snmp").splitlines()
                         if line.startswith(proto + ":")]
        return int(values[names.index(field)])


def moved(before, after):
    """The counters that changed, other than total (the same as gue_cases.moved)."""
    return {k: after[k] - before[k] for k in after if k != "total" and after[k] != before[k]}


def consistent(stats):
    """total is the sum of the outcome counters (README, Counters)."""
    return stats["total"] == sum(v for k, v in stats.items() if k != "total")


def settle(proxies):
    """The proxies' counters once no packet has been counted for QUIET seconds."""
    last = [p.stats() for p in proxies]
    quiet_since = time.monotonic()
    end = quiet_since + SETTLE_MAX
    while time.monotonic() < end:
        time.sleep(0.1)
        now = [p.stats() for p in proxies]
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET:
            break
    return last


class Report:
    """ok/FAIL lines in the format of vm-smoke and gue_cases.py."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.failed = 0

    def check(self, name, cond, detail=""):
        print(f"{'ok  ' if cond else 'FAIL'} {self.prefix}{name}"
              f"{': ' + str(detail) if detail and not cond else ''}", flush=True)
        if not cond:
            self.failed += 1
        return cond

    def note(self, text):
        print(f"#    {self.prefix}{text}", flush=True)

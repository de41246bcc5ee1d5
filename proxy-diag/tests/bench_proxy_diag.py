# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark glb-proxy-diag on a busy proxy: 200,000 sockets of one VIP
(100,000 established connections and 100,000 in TIME-WAIT, by default),
timed in one run against `ss -tni` filtered to the same VIP (the standard
tool, on netlink too) and against reading /proc/net/tcp and tcp6, as a
short Python script does it (what ad-hoc tools do) and as a C program does
it (the least any reader of those files can spend).

  pdbench-c-PID (clients)                    pdbench-p-PID (the proxy)
 ┌─────────────────────────────────┐  veth  ┌──────────────────────────────────────┐
 │ 10.244.1.N: one per connect      ├────────┤ 10.244.0.1; VIP 192.0.2.10 on lo     │
 │   process, each holding up to    │        │ :80   sockfarm hold x K (SO_REUSEPORT│
 │   15,000 connections to :80      │        │       accept and keep)               │
 │ 10.244.2.N: churn processes,     │        │ :8080 sockfarm close (the server     │
 │   connect to :8080, close after  │        │       closes first: TIME-WAIT here)  │
 │   the server has                 │        │ the tools run here (nsenter --net)   │
 └─────────────────────────────────┘        └──────────────────────────────────────┘

--upstream N adds N connections from the proxy (10.244.3.N) to a server
in the clients' namespace (10.244.9.1:9000): a real proxy's table also
holds its upstream connections, which the tools must walk past.

A process may hold at most 20,000 open files here, so connections are
spread over processes.  TIME-WAIT sockets last 60 s, so they are made last
and everything is measured within that minute; the socket counts before
and after the timing show every tool saw the same sockets.

Targets (issue 15): summary and conns --top 20 at least as fast as ss -tni,
at least 5x faster than parsing /proc/net/tcp, in under 16 MiB; each is
printed as met or NOT MET against each baseline.  Exit status 0 when the run
worked (every tool saw the same sockets), 1 when it did not, 2 when it cannot
run here; like scripts/bench-director, a target missed is reported, not an
error.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent),
                str(Path(__file__).resolve().parents[2] / "tests")]

from glbnet.netns import Netns, remove_stale, veth  # noqa: E402
from glbnet.paths import BUILD_ROOT, PROXY_DIAG  # noqa: E402

SOCKFARM = BUILD_ROOT / "proxy-diag" / "tests" / "pd_sockfarm"
VIP, HOLD_PORT, CHURN_PORT = "192.0.2.10", 80, 8080
PROXY = "10.244.0.1"
# --upstream: the server the proxy connects to, from 10.244.3.N (in the
# clients' namespace: only the proxy's side of those connections is measured)
UPSTREAM, UPSTREAM_PORT = "10.244.9.1", 9000
PER_PROCESS = 15000           # under the 20,000 open files a process may have
# connect() walks a source's ports two by two from a hashed offset; well under
# that half of 64K, no port comes back while the proxy still holds its
# TIME-WAIT (a SYN to a TIME-WAIT socket revives it as a new connection).
CHURN_PER_PROCESS = 10000
TIME_WAIT_S = 60              # TCP_TIMEWAIT_LEN: the window to measure in
# Namespaces made while this is set get a TCP hash table of their own
# (Linux 6.1+), as a proxy's is: without it every namespace shares one, and
# every tool would also walk the clients' sockets.  Set only while the
# namespaces are made.
CHILD_EHASH = Path("/proc/sys/net/ipv4/tcp_child_ehash_entries")
EHASH_ENTRIES = 262144        # what this 24 GiB machine gives its own table
TARGET_VS_SS, TARGET_VS_PROC, TARGET_RSS_MIB = 1.0, 5.0, 16.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--established", type=int, default=100000)
    p.add_argument("--time-wait", type=int, default=100000)
    p.add_argument("--rounds", type=int, default=5, help="timed runs of each tool (default 5)")
    p.add_argument("--upstream", type=int, default=0,
                   help="also N connections from the proxy to an upstream server: sockets "
                   "of the proxy that are not the VIP's, as a real proxy has (default 0)")
    return p.parse_args()


class Farm:
    """The two namespaces and the sockfarm processes in them."""

    def __init__(self):
        pid = os.getpid()
        self.proxy = Netns(f"pdbench-p-{pid}")
        self.client = Netns(f"pdbench-c-{pid}")
        self.procs = []

    def setup(self, clients, churners, upstreams):
        remove_stale(r"pdbench-[pc]-(\d+)")
        old = CHILD_EHASH.read_text() if CHILD_EHASH.exists() else None
        try:
            if old is not None:
                CHILD_EHASH.write_text(f"{EHASH_ENTRIES}\n")
            self.proxy.create()
            self.client.create()
        finally:
            if old is not None:
                CHILD_EHASH.write_text(old)
        print(f"bench: the proxy's TCP hash table: "
              f"{self.proxy.read_sysctl('net.ipv4.tcp_ehash_entries')} entries "
              f"(negative: shared with every namespace)", flush=True)
        veth(self.client, "c0", self.proxy, "p0")
        self.proxy.ip(f"addr add {PROXY}/16 dev p0", f"addr add {VIP}/32 dev lo",
                      *[f"addr add 10.244.3.{i + 1}/16 dev p0" for i in range(upstreams)],
                      "link set p0 up")
        self.client.ip(*[f"addr add 10.244.1.{i + 1}/16 dev c0" for i in range(clients)],
                       *[f"addr add 10.244.2.{i + 1}/16 dev c0" for i in range(churners)],
                       f"addr add {UPSTREAM}/16 dev c0",
                       "link set c0 up", f"route add {VIP}/32 via {PROXY}")
        self.proxy.sysctl({"net.core.somaxconn": 65535, "net.ipv4.tcp_max_syn_backlog": 65535,
                           "net.ipv4.tcp_max_tw_buckets": 1000000})
        self.client.sysctl({"net.ipv4.ip_local_port_range": "1024 65535"})

    def spawn(self, ns, *args):
        p = ns.spawn([SOCKFARM, *args], stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def teardown(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.proxy.delete()
        self.client.delete()


def expect_line(p, word):
    line = p.stdout.readline()
    if not line.startswith(word):
        raise RuntimeError(f"sockfarm: expected '{word}', got {line!r} (exit {p.poll()})")
    return line


def summary(farm):
    out = subprocess.run(nsenter(farm, [PROXY_DIAG, "summary", "--vip", VIP, "--no-state",
                                        "--json"]), capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    states = {}
    for e in doc["vips"]:
        for k, v in e["states"].items():
            states[k] = states.get(k, 0) + v
    return states, doc


def build_upstream(farm, n):
    """n connections from the proxy to its upstream: the proxy's sockets that are
    not the VIP's, which every tool walks past and only glb-proxy-diag's and ss's
    kernel filters skip without formatting them."""
    t = time.monotonic()
    servers = [farm.spawn(farm.client, "hold", UPSTREAM, str(UPSTREAM_PORT))
               for _ in range(math.ceil(n / PER_PROCESS) + 1)]
    for s in servers:
        expect_line(s, "listening")
    left, i, conns = n, 0, []
    while left > 0:
        k = min(PER_PROCESS, left)
        conns.append(farm.spawn(farm.proxy, "connect", f"10.244.3.{i + 1}", UPSTREAM,
                                str(UPSTREAM_PORT), str(k)))
        left, i = left - k, i + 1
    for p in conns:
        expect_line(p, "ready")
    print(f"bench: {n} upstream connections (not the VIP's) in {time.monotonic() - t:.1f} s",
          flush=True)


def build(farm, established, time_wait, upstream):
    t = time.monotonic()
    holders = [farm.spawn(farm.proxy, "hold", VIP, str(HOLD_PORT))
               for _ in range(math.ceil(established / PER_PROCESS) + 1)]
    for h in holders:
        expect_line(h, "listening")
    left, i = established, 0
    while left > 0:
        n = min(PER_PROCESS, left)
        farm.spawn(farm.client, "connect", f"10.244.1.{i + 1}", VIP, str(HOLD_PORT), str(n))
        left, i = left - n, i + 1
    for p in farm.procs[len(holders):]:
        expect_line(p, "ready")
    while True:  # every connection accepted: established on the proxy, none queued
        states, doc = summary(farm)
        if states.get("ESTABLISHED", 0) >= established and \
                all(e["accept_queue"] == 0 for e in doc["vips"]):
            break
        time.sleep(0.2)
    print(f"bench: {established} established connections in {time.monotonic() - t:.1f} s",
          flush=True)
    if upstream:
        build_upstream(farm, upstream)
    t = time.monotonic()
    expect_line(farm.spawn(farm.proxy, "close", VIP, str(CHURN_PORT)), "listening")
    churners, left, i = [], time_wait, 0
    while left > 0:
        n = min(CHURN_PER_PROCESS, left)
        churners.append(farm.spawn(farm.client, "churn", f"10.244.2.{i + 1}", VIP,
                                   str(CHURN_PORT), str(n)))
        left, i = left - n, i + 1
    for p in churners:
        expect_line(p, "done")
    print(f"bench: {time_wait} connections closed by the proxy (TIME-WAIT) in "
          f"{time.monotonic() - t:.1f} s", flush=True)
    return t  # TIME-WAIT sockets start expiring TIME_WAIT_S after this


def nsenter(farm, argv):
    """Every tool enters the namespace the same way (setns, then exec)."""
    return ["nsenter", f"--net=/run/netns/{farm.proxy.name}", *map(str, argv)]


def tools():
    return [
        ("glb-proxy-diag summary", [PROXY_DIAG, "summary", "--vip", VIP, "--no-state"]),
        ("glb-proxy-diag conns --top 20", [PROXY_DIAG, "conns", "--top", "20", "--vip", VIP]),
        ("ss -tni src VIP", ["ss", "-tni", "src", VIP]),
        ("ss -tnai src VIP", ["ss", "-tnai", "src", VIP]),
        ("/proc/net/tcp (C parser)", [SOCKFARM, "procnet", VIP]),
        ("/proc/net/tcp (Python parser)", ["/usr/bin/python3", "-c", PY_PROCNET, VIP]),
    ]


# What a monitoring script does: every line of /proc/net/tcp{,6}, split, the
# VIP's kept, counted by state, queues added.
PY_PROCNET = '''
import socket, struct, sys
vip = "%08X" % struct.unpack("=I", socket.inet_aton(sys.argv[1]))[0]
states, tx, rx = {}, 0, 0
for path in ("/proc/net/tcp", "/proc/net/tcp6"):
    with open(path) as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1].split(":")[0][-8:] == vip:
                states[fields[3]] = states.get(fields[3], 0) + 1
                t, r = fields[4].split(":")
                tx, rx = tx + int(t, 16), rx + int(r, 16)
print(states, tx, rx)
'''


def run_once(farm, argv):
    """Wall time, CPU time and max RSS of one run, its output thrown away.
    The RSS comes from GNU time, a small process: a child forked from this
    Python would keep Python's high-water mark across exec."""
    with tempfile.NamedTemporaryFile("r") as rusage:
        t = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", rusage.name,
                        *nsenter(farm, argv)], stdout=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - t
        user, system, kib = rusage.read().split()[-3:]
    return wall, float(user) + float(system), int(kib) / 1024.0


def what_each_saw(farm):
    """The sockets each tool reports (untimed runs): the same ones."""
    seen = {}
    ss = subprocess.run(nsenter(farm, ["ss", "-tnaH", "src", VIP]), capture_output=True,
                        text=True, check=True).stdout.splitlines()
    seen["ss"] = {"ESTABLISHED": sum(1 for x in ss if x.startswith("ESTAB")),
                  "TIME-WAIT": sum(1 for x in ss if x.startswith("TIME-WAIT"))}
    proc = subprocess.run(nsenter(farm, [SOCKFARM, "procnet", VIP]), capture_output=True,
                          text=True, check=True).stdout
    counts = dict(line.split()[1:3] for line in proc.splitlines() if line.startswith("state"))
    seen["/proc/net/tcp"] = {"ESTABLISHED": int(counts.get("01", 0)),
                             "TIME-WAIT": int(counts.get("06", 0))}
    states, _ = summary(farm)
    seen["glb-proxy-diag"] = {k: states.get(k, 0) for k in ("ESTABLISHED", "TIME-WAIT")}
    return seen


def same_sockets(seen):
    counts = list(seen.values())
    if all(c == counts[0] for c in counts):
        return True
    print("bench: FAILED: the tools disagree on the sockets (see above)")
    return False


def measure(farm, rounds):
    results = {name: [] for name, _ in tools()}
    for r in range(rounds):
        n = len(tools())
        order = tools()[r % n:] + tools()[:r % n]  # no tool always first or last
        for name, argv in order:
            results[name].append(run_once(farm, argv))
    return results


def report(results, seen, elapsed):
    """The table, the ratios and the targets."""
    print(f"\nsockets seen (untimed runs, {elapsed:.0f} s after the first TIME-WAIT):")
    for tool, counts in seen.items():
        print(f"  {tool:16} ESTABLISHED {counts['ESTABLISHED']:7}  "
              f"TIME-WAIT {counts['TIME-WAIT']:7}")
    print(f"\n{'tool':32} {'median ms':>10} {'min ms':>8} {'CPU ms':>8} {'max RSS MiB':>12}")
    med = {}
    for name, runs in results.items():
        walls = [w for w, _, _ in runs]
        med[name] = statistics.median(walls)
        print(f"{name:32} {med[name] * 1000:10.1f} {min(walls) * 1000:8.1f} "
              f"{statistics.median(c for _, c, _ in runs) * 1000:8.1f} "
              f"{max(m for _, _, m in runs):12.1f}")
    print()
    for ours in ("glb-proxy-diag summary", "glb-proxy-diag conns --top 20"):
        for base, target in (("ss -tni src VIP", TARGET_VS_SS), ("ss -tnai src VIP", None),
                             ("/proc/net/tcp (Python parser)", TARGET_VS_PROC),
                             ("/proc/net/tcp (C parser)", TARGET_VS_PROC)):
            ratio = med[base] / med[ours]
            verdict = "" if target is None else \
                ("  target >= %gx: met" % target if ratio >= target else
                 "  target >= %gx: NOT MET" % target)
            print(f"{ours} vs {base}: {ratio:.2f}x faster{verdict}")
        rss = max(m for _, _, m in results[ours])
        print(f"{ours}: max RSS {rss:.1f} MiB  target < {TARGET_RSS_MIB:g} MiB: "
              f"{'met' if rss < TARGET_RSS_MIB else 'NOT MET'}")


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print("bench-proxy-diag: run as root (network namespaces)", file=sys.stderr)
        return 2
    for f in (PROXY_DIAG, SOCKFARM):
        if not f.exists():
            print(f"bench-proxy-diag: {f} missing: meson compile -C build", file=sys.stderr)
            return 2
    farm = Farm()
    try:
        farm.setup(math.ceil(args.established / PER_PROCESS),
                   math.ceil(args.time_wait / CHURN_PER_PROCESS),
                   math.ceil(args.upstream / PER_PROCESS))
        tw_start = build(farm, args.established, args.time_wait, args.upstream)
        before, _ = summary(farm)
        results = measure(farm, args.rounds)
        elapsed = time.monotonic() - tw_start
        seen = what_each_saw(farm)
        if elapsed > TIME_WAIT_S - 5:
            print(f"bench: warning: measuring took until {elapsed:.0f} s after the first "
                  "TIME-WAIT: the first ones may have expired (fewer --rounds)")
        print(f"bench: glb-proxy-diag before the timing: ESTABLISHED {before.get('ESTABLISHED')}"
              f", TIME-WAIT {before.get('TIME-WAIT')}")
        report(results, seen, time.monotonic() - tw_start)
        return 0 if same_sockets(seen) else 1
    finally:
        farm.teardown()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark glb-healthcheck: 4 tables x 256 backends (1,024 addresses, 2,048
probes a round: HTTP, TCP, GUE, FOU), some answering, some silent, some
dropped, checked every interval by one single-threaded process.

  glbhcbench-PID (one namespace, everything on lo)
  ┌──────────────────────────────────────────────────────────────────────┐
  │ 10.77.0.0/22 local: :80 answers HTTP 200 at once, :81 accepts and    │
  │   never answers, UDP 19523/19524 closed (ICMP port unreachable)      │
  │ 10.78.0.0/22 local but iptables DROP: every probe times out          │
  │ glb-healthcheck (the daemon, its own status file)                    │
  └──────────────────────────────────────────────────────────────────────┘

  table web  10.77.0.x  http:80 (200)        + gue:19523 (port unreachable)
  table api  10.77.1.x  http:81 (silent)     + tcp:80    (accepted)
  table git  10.78.0.x  tcp:22  (dropped)    + gue:19523 (dropped)
  table ssh  10.77.2.x  tcp:80  (accepted)   + fou:19524 (port unreachable)

It reports, from the daemon's own counters and independently from a packet
capture (tcpdump, kernel timestamps): rounds, probes per round, CPU used (%
of one core), how late timeouts were declared (the daemon's view; and on
the wire, the checker's SYN to its FIN on the silent port), and whether
every TCP/HTTP target got its SYN once per interval.  It fails (exit 1) when a timeout is declared more than 10%
late, a probe goes out more than 10% of the interval late, or a target is
not checked every interval.

Run (root): tests/healthcheck/bench_healthcheck.py [--seconds 20] [--backends 256]
            [--interval-ms 2000] [--timeout-ms 1000] [--nice N]
"""

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# glbnet (tests/glbnet), the harness the tests and benchmarks share
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glbnet import netns  # noqa: E402
from glbnet import tables as gtables  # noqa: E402
from glbnet.healthcheck import Daemon  # noqa: E402
from glbnet.util import wait_for  # noqa: E402

NS_PATTERN = r"glbhcbench-(\d+)"  # group 1: the pid of the run that made it
NS = netns.Netns(f"glbhcbench-{os.getpid()}")
LIVE_NET, DEAD_NET = "10.77", "10.78"
HTTP_PORT, SILENT_PORT, DROPPED_TCP_PORT, GUE_PORT, FOU_PORT = 80, 81, 22, 19523, 19524
HASH_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
SEED = "3243f6a8885a308d313198a2e0370734"
LATE_FRACTION = 0.10
CLK_TCK = os.sysconf("SC_CLK_TCK")


def setup_namespace():
    netns.remove_stale(NS_PATTERN)  # left by benchmark runs that were killed outright
    NS.create()
    # Whole prefixes local on lo (AnyIP): every address answers without 2,048 ip addr adds.
    NS.ip(f"route add local {LIVE_NET}.0.0/22 dev lo", f"route add local {DEAD_NET}.0.0/22 dev lo")
    NS.run("iptables", "-A", "INPUT", "-d", f"{DEAD_NET}.0.0/22", "-j", "DROP")


def table(name, net, third, checks, n):
    backends = [gtables.backend(f"{net}.{third}.{i}", healthy=None, healthchecks=checks)
                for i in range(n)]
    return gtables.table(name, HASH_KEY, SEED, [gtables.bind(f"192.0.2.{third + 1}", "tcp", 80)],
                         backends)


def forwarding_table(n, interval_ms, timeout_ms):
    return gtables.document(
        [table("web", LIVE_NET, 0, {"http": HTTP_PORT, "gue": GUE_PORT}, n),
         table("api", LIVE_NET, 1, {"http": SILENT_PORT, "tcp": HTTP_PORT}, n),
         table("git", DEAD_NET, 0, {"tcp": DROPPED_TCP_PORT, "gue": GUE_PORT}, n),
         table("ssh", LIVE_NET, 2, {"tcp": HTTP_PORT, "fou": FOU_PORT}, n)],
        healthchecks={"interval_ms": interval_ms, "timeout_ms": timeout_ms, "trigger": 3})


# --- the servers (run in the namespace by this same script, --serve) --------

def serve():
    async def answer(reader, writer):
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def hold(reader, writer):
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        writer.close()

    async def main():
        await asyncio.start_server(answer, "0.0.0.0", HTTP_PORT, backlog=4096)
        await asyncio.start_server(hold, "0.0.0.0", SILENT_PORT, backlog=4096)
        print("ready", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()

    asyncio.run(main())


# --- the wire: SYNs and the checker's FIN/RST, kernel timestamps -------------

# (pcap filters: "and" and "or" bind equally, left to right: parenthesise.)
CAPTURE_FILTER = ("(tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0) or "
                  f"(dst port {SILENT_PORT} and tcp[tcpflags] & (tcp-fin|tcp-rst) != 0)")


def read_capture(pcap, t_from, t_to):
    """SYN times per (address, port), and SYN-to-close times of the silent port's
    connections, both only for connections opened between t_from and t_to."""
    out = subprocess.run(["tcpdump", "-r", str(pcap), "-n", "-tt"], capture_output=True,
                         text=True).stdout
    syns, opened, seen, held = {}, {}, set(), []
    for line in out.splitlines():
        f = line.replace(",", "").split()
        if len(f) < 9 or f[1] != "IP":
            continue
        t, src, dst, flags = float(f[0]), f[2], f[4].rstrip(":"), f[6]
        addr, port = dst.rsplit(".", 1)
        if flags == "[S]":
            # A retransmitted SYN repeats the initial sequence number; a new
            # connection may reuse the ports (TIME_WAIT reuse on loopback).
            conn = (src, dst, f[8])
            if t_from <= t <= t_to and conn not in seen:
                seen.add(conn)
                syns.setdefault((addr, int(port)), []).append(t)
                opened[(src, dst)] = t
        elif int(port) == SILENT_PORT and (src, dst) in opened:
            held.append(t - opened.pop((src, dst)))
    return syns, held


# --- measuring ----------------------------------------------------------------

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def wait_ready(hc, timeout):
    """Until the daemon's status file says ready (every check has a result)."""
    def ready():
        if not hc.alive():
            raise SystemExit(f"glb-healthcheck exited {hc.proc.returncode}")
        return (hc.status() or {}).get("ready")
    try:
        wait_for(ready, "glb-healthcheck's first output", timeout)
    except AssertionError:
        raise SystemExit("glb-healthcheck never wrote its first output") from None


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


def report(args, status, cpu, wall, syns, silent):
    c, t = status["counters"], status["timing"]
    rounds = c["rounds"]
    per_round = sum(c["checks_sent"].values()) / rounds
    targets = len(status["targets"])
    timeout_s = args.timeout_ms / 1000
    gaps = [b - a for ts in syns.values() for a, b in zip(ts, ts[1:])]
    results = {k: sum(v[k] for v in c["check_results"].values())
               for k in next(iter(c["check_results"].values()))}
    print(f"\n{targets} targets ({args.backends} backends x 4 tables x 2 checks), "
          f"interval {args.interval_ms} ms, timeout {args.timeout_ms} ms, {wall:.1f} s, "
          f"nice {args.nice}; load average before: {args.load}")
    print(f"rounds                 {rounds} ({c['rounds_skipped']} skipped), "
          f"{per_round:.0f} probes per round")
    print("results                " + ", ".join(f"{k} {v}" for k, v in results.items() if v))
    print(f"CPU                    {cpu / wall * 100:.1f}% of one core "
          f"({cpu:.2f} s user+sys in {wall:.1f} s)")
    print(f"last round             {t['last_round_ms']:.0f} ms from first probe to last result")
    print(f"timeouts (daemon)      at most {t['timeout_late_max_ms']:.2f} ms late "
          f"({t['timeout_late_max_ms'] / args.timeout_ms * 100:.2f}% of timeout); "
          f"{t['timeouts_late']} over 10%")
    print(f"timeouts (wire)        SYN to FIN on the silent port: p50 {pct(silent, 50) * 1000:.1f}"
          f" ms, p99 {pct(silent, 99) * 1000:.1f} ms, max {max(silent) * 1000:.1f} ms, "
          f"min {min(silent) * 1000:.1f} ms ({len(silent)} connections)")
    print(f"sends                  at most {t['send_late_max_ms']:.2f} ms behind schedule; "
          f"{t['sends_late']} over 10% of the interval")
    print(f"TCP/HTTP targets       {len(syns)} (address, port), SYN to SYN of one: "
          f"min {min(gaps) * 1000:.0f} ms, max {max(gaps) * 1000:.0f} ms")
    failures = []
    if t["timeouts_late"] or t["timeout_late_max_ms"] > args.timeout_ms * LATE_FRACTION:
        failures.append("a timeout was declared more than 10% late")
    # The SYN leaves a little after the daemon times the probe (socket, connect, and
    # on a busy machine a preemption in between): allow 1% before the timeout.
    if max(silent) > timeout_s * (1 + LATE_FRACTION) or min(silent) < timeout_s * 0.99:
        failures.append("on the wire, a silent connection was closed outside [timeout, +10%]")
    if t["sends_late"] or c["rounds_skipped"]:
        failures.append("a probe went out more than 10% of the interval late")
    interval_s = args.interval_ms / 1000
    if args.capture_drops:
        print(f"(the capture dropped {args.capture_drops} packets: a missing SYN makes a gap "
              f"of two intervals, so the gaps are not judged)")
    elif max(gaps) > interval_s * (1 + LATE_FRACTION) or min(gaps) < interval_s * (1 - LATE_FRACTION):
        failures.append("a target was not checked once per interval (+-10%)")
    if per_round != targets:
        failures.append(f"{per_round} probes per round for {targets} targets")
    for f in failures:
        print(f"FAIL: {f}")
    print("PASS" if not failures else "FAILED")
    return not failures


def run(args):
    work = Path(tempfile.mkdtemp(prefix="glbhcbench."))
    pcap = work / "probes.pcap"
    # the daemon's own files (config, tables, status, metrics, log) in work
    hc = Daemon(work, forwarding_table(args.backends, args.interval_ms, args.timeout_ms),
                args=(), wrapper=["nice", "-n", str(args.nice)], netns=NS)
    servers = capture = None
    try:
        setup_namespace()
        servers = NS.popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE,
                           text=True)
        assert servers.stdout.readline().strip() == "ready"
        capture = NS.popen(["tcpdump", "-i", "lo", "-n", "-B", "16384", "-w", pcap,
                            CAPTURE_FILTER], stderr=subprocess.PIPE, text=True)
        time.sleep(1)  # tcpdump is listening
        hc.start()
        wait_ready(hc, args.interval_ms / 1000 * 3 + 10)
        cpu0, t0, wall0 = cpu_seconds(hc.proc.pid), time.monotonic(), time.time()
        time.sleep(args.seconds)
        cpu, wall = cpu_seconds(hc.proc.pid) - cpu0, time.monotonic() - t0
        final = hc.status()
        # Connections opened in the measured window, closed (by timeout) before the end.
        window_end = time.time() - args.timeout_ms / 1000 * (1 + LATE_FRACTION) - 0.1
        time.sleep(0.5)
        hc.stop()
        capture.send_signal(signal.SIGTERM)
        drops = capture.communicate(timeout=30)[1]
        args.capture_drops = sum(int(n) for n in re.findall(r"(\d+) packets dropped by", drops))
        servers.send_signal(signal.SIGTERM)
        servers.wait(timeout=30)
        syns, silent = read_capture(pcap, wall0, window_end)
        return report(args, final, cpu, wall, syns, silent)
    finally:
        hc.stop()
        for p in (capture, servers):
            if p and p.poll() is None:
                p.kill()
        NS.delete()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--backends", type=int, default=256, help="per table (4 tables)")
    p.add_argument("--interval-ms", type=int, default=2000)
    p.add_argument("--timeout-ms", type=int, default=1000)
    p.add_argument("--nice", type=int, default=0,
                   help="run glb-healthcheck at this niceness (e.g. -5, as its systemd unit)")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve()
        return 0
    args.load = " ".join(open("/proc/loadavg").read().split()[:3])
    if os.geteuid() != 0:
        print("bench_healthcheck: run as root (network namespace)", file=sys.stderr)
        return 2
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())

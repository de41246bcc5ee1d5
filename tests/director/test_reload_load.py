# SPDX-License-Identifier: BSD-3-Clause
"""Hot reload of the forwarding table (SPEC §9, issue 3 "Hot reload"), with the
director forwarding at full speed:

    mixed.pcap ──► net_pcap0 (infinite replay) ──► glb-director ──► net_null0
                                                      ▲
                    table.bin  ◄── os.replace(A or B or a bad file), SIGUSR1

* 100 reloads under load lose no packet: every packet received is sent or
  dropped for the reason its frame deserves, exactly.
* A bad table (missing, truncated, wrong magic, out-of-range row) is refused,
  counted, and the old table keeps forwarding.
* A new table takes effect: draining a backend stops its primary traffic.
* And, as the baseline of the first: a long pcap replayed once, from the
  director's start, is counted packet for packet without any reload.

The director's own counters are the evidence: its telemetry
(`glb-director-cli stats --json`) while it runs, and the lines it prints when
it stops.
"""

import collections
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dpdk_run  # noqa: E402
from glbnet import pcap  # noqa: E402
from glbnet import tables as gtables  # noqa: E402
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402

TEST_BUDGET_S = 30  # each test fails, and its director is killed, past this
RELOADS = 100
RELOAD_INTERVAL_S = 0.020
WARMUP_S = 0.5
# The mixed frames repeated this often make the pcap replayed once
# (121,600 frames, 8 MB): long enough to outlast the director's start.
ONCE_REPEAT = 200
# The director forwards millions of packets per second here; a rate below
# this during the reloads means forwarding stalled.
MIN_PPS_DURING_RELOADS = 100_000

SERVICE_V4, SERVICE_V6 = "192.0.2.10", "2001:db8:10::10"
BACKENDS = ["10.20.0.11", "10.20.0.12", "10.20.0.13", "10.20.0.14"]
DRAINED = 2  # index of the backend table B drains

# Binary table layout (SPEC §3), to corrupt a valid file byte by byte.
FILE_HEADER_LEN = 24
BACKEND_LEN, BIND_LEN, MAX_ENTRIES = 24, 28, 256
HASH_KEY_LEN = 16
FIRST_ROW_OFF = FILE_HEADER_LEN + 4 + MAX_ENTRIES * BACKEND_LEN + 4 + MAX_ENTRIES * BIND_LEN \
    + HASH_KEY_LEN
# An index inside the 256-slot backend array but past the table's backends.
OUT_OF_RANGE_INDEX = 200


def table_json(draining=None):
    backends = [gtables.backend(ip, "draining" if i == draining else "active")
                for i, ip in enumerate(BACKENDS)]
    return gtables.document([gtables.table(
        "web", "2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
        [gtables.bind(SERVICE_V4, "tcp", 443), gtables.bind(SERVICE_V6, "tcp", 443)],
        backends)])


def eth(type_payload):
    return Ether(src="02:00:00:00:01:01", dst="02:00:00:00:00:02") / type_payload


def mixed_frames():
    """[(frame bytes, verdict)]: verdict "tx" (forwarded) or the drop reason
    the director must count it under.  Interleaved, so every stretch of the
    replay has all kinds."""
    fwd, bad = [], []
    for i in range(512):
        src = f"10.64.{i >> 8}.{i & 255}"
        flags = "S" if i % 2 == 0 else "A"
        fwd.append((eth(IP(src=src, dst=SERVICE_V4) / TCP(sport=1024 + i, dport=443,
                                                           flags=flags)), "tx"))
    for i in range(16):
        fwd.append((eth(IPv6(src=f"2001:db8:99::{i + 1:x}", dst=SERVICE_V6)
                        / TCP(sport=2000 + i, dport=443, flags="S")), "tx"))
    for i in range(16):
        # a port and an address no bind covers
        bad.append((eth(IP(src=f"10.65.0.{i}", dst=SERVICE_V4) / TCP(sport=3000 + i, dport=8080)),
                    "no_match"))
        bad.append((eth(IP(src=f"10.65.1.{i}", dst="198.51.100.7") / UDP(sport=3000 + i,
                                                                         dport=53)),
                    "no_match"))
        bad.append((eth(ARP(psrc=f"10.65.2.{i}", pdst=SERVICE_V4)), "not_ip"))
        # IHL 4: a header smaller than its fixed part
        bad.append((eth(IP(src=f"10.65.3.{i}", dst=SERVICE_V4, ihl=4) / TCP(dport=443)),
                    "malformed"))
        # a TCP header cut short: the IPv4 total length says so too
        b = bytes(eth(IP(src=f"10.65.4.{i}", dst=SERVICE_V4) / TCP(dport=443)))
        b = b[:14 + 20 + 8]
        b = b[:16] + (28).to_bytes(2, "big") + b[18:]
        bad.append((b, "malformed"))
    frames, step = [], len(fwd) // len(bad)
    for k, item in enumerate(fwd):
        frames.append(item)
        if k % step == 0 and bad:
            frames.append(bad.pop())
    frames.extend(bad)
    return [(bytes(f), v) for f, v in frames]


def expected_verdicts(verdicts, received):
    """Counts per verdict after `received` packets of an endless, in-order
    replay of a pcap whose frames have these verdicts."""
    full, rest = divmod(received, len(verdicts))
    whole = collections.Counter(verdicts)
    part = collections.Counter(verdicts[:rest])
    return {v: full * whole[v] + part[v] for v in whole}


class ReloadLab:
    """Files shared by the tests, plus the directors a test starts (killed at
    its end whatever happens)."""

    def __init__(self, files, workdir: Path):
        self.files = files
        self.workdir = workdir
        self.table_path = workdir / "table.bin"  # the file the director reloads
        self.directors = []

    def start(self, table: Path, layout="rtc", once=False):
        """A director on this table, replaying the mixed pcap forever (or the
        long one once)."""
        dpdk_run.replace_atomically(table, self.table_path)
        pcap = self.files.once_pcap if once else self.files.pcap
        d = dpdk_run.Director(self.workdir, self.table_path, pcap, layout, infinite=not once)
        self.directors.append(d)
        return d.start()

    def install(self, table: Path):
        dpdk_run.replace_atomically(table, self.table_path)

    def close(self):
        for d in self.directors:
            d.kill()


class Files:
    pass


@pytest.fixture(scope="module")
def reload_files(tmp_path_factory):
    """The mixed pcap and the tables: A, B (backend DRAINED draining) and bad ones."""
    f = Files()
    d = tmp_path_factory.mktemp("reload")
    cases = mixed_frames()
    f.verdicts = [v for _, v in cases]
    f.pcap = pcap.write(d / "mixed.pcap", [b for b, _ in cases])
    f.once_verdicts = f.verdicts * ONCE_REPEAT
    f.once_pcap = pcap.write(d / "once.pcap", [b for b, _ in cases] * ONCE_REPEAT)
    f.table_a = gtables.compile_document(table_json(), d / "a.bin")
    f.table_b = gtables.compile_document(table_json(draining=DRAINED), d / "b.bin")
    f.sha_a, f.sha_b = dpdk_run.sha256_file(f.table_a), dpdk_run.sha256_file(f.table_b)
    assert f.sha_a != f.sha_b
    good = f.table_a.read_bytes()
    assert int.from_bytes(good[FIRST_ROW_OFF:FIRST_ROW_OFF + 4], "little") < len(BACKENDS)
    bad = {
        "truncated": good[:len(good) - 1000],
        "wrong magic": b"GLBX" + good[4:],
        "out-of-range row index": (good[:FIRST_ROW_OFF]
                                   + OUT_OF_RANGE_INDEX.to_bytes(4, "little")
                                   + good[FIRST_ROW_OFF + 4:]),
    }
    f.bad = {}
    for i, (name, content) in enumerate(bad.items()):
        p = d / f"bad{i}.bin"
        p.write_bytes(content)
        f.bad[name] = p
    return f


@pytest.fixture
def reload_lab(reload_files, tmp_path):
    """A ReloadLab whose test must finish within TEST_BUDGET_S."""
    def over_budget(signum, frame):
        raise AssertionError(f"test did not finish within {TEST_BUDGET_S} s")

    lab = ReloadLab(reload_files, tmp_path)
    previous = signal.signal(signal.SIGALRM, over_budget)
    signal.alarm(TEST_BUDGET_S)
    try:
        yield lab
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        lab.close()


def backend_packets(stats):
    return stats["tables"]["0"]["backend_packets"]


@pytest.mark.parametrize("layout", ["rtc", "dist"])
def test_reload_100_times_under_full_load_loses_no_packet(reload_lab, layout):
    f = reload_lab.files
    d = reload_lab.start(f.table_a, layout)
    time.sleep(WARMUP_S)
    unseen_before = d.unseen()

    before, t0 = d.stats(), time.monotonic()
    for i in range(RELOADS):
        sent = time.monotonic()
        reload_lab.install(f.table_b if i % 2 == 0 else f.table_a)
        d.signal(signal.SIGUSR1)
        # one signal per reload: signals sent while one is pending would merge
        d.wait_reloads(2 + i, 5)
        time.sleep(max(0.0, RELOAD_INTERVAL_S - (time.monotonic() - sent)))
    after, elapsed = d.stats(), time.monotonic() - t0
    unseen_after = d.unseen()
    final = d.stop()
    log = d.output()

    assert (final["reloads_ok"], final["reloads_failed"]) == (1 + RELOADS, 0), log
    # the reloads alternated between two different tables
    expected_shas = [f.sha_a] + [f.sha_b if i % 2 == 0 else f.sha_a for i in range(RELOADS)]
    assert d.loaded == expected_shas, log
    # and it kept forwarding at speed meanwhile
    pps = (after["stats"]["tx"] - before["stats"]["tx"]) / elapsed
    assert pps > MIN_PPS_DURING_RELOADS, f"{pps:.0f} pps during the reloads\n{log}"

    ports = final["ports"]
    rx_port, tx_port = ports.get(dpdk_run.RX_PORT, {}), ports.get(dpdk_run.TX_PORT, {})
    rx, accounted = dpdk_run.accounting(ports)
    assert rx == rx_port.get("rx") and rx > 0, ports
    assert rx == accounted, f"{rx - accounted} packets received but never sent nor counted: {ports}"
    for k in ("tx_full", "too_big", "no_headroom"):
        assert tx_port.get(k) == 0 and rx_port.get(k) == 0, f"{k}: {ports}"
    # exactly what the replayed frames deserve: nothing lost, nothing misfiled
    want = expected_verdicts(f.verdicts, rx)
    got = dict(dpdk_run.drops_by_reason(ports), tx=tx_port.get("tx"))
    assert got == want, (
        f"after {rx} packets received: counted {got}, expected {want}.  Packets the RX port "
        f"had delivered and the director not counted (in flight or lost): {unseen_before} "
        f"before the reloads, {unseen_after} after them; if "
        f"test_every_packet_of_one_replay_is_counted[{layout}] fails too, packets are lost "
        f"without any reload")


@pytest.mark.parametrize("layout", ["rtc", "dist"])
def test_every_packet_of_one_replay_is_counted(reload_lab, layout):
    """The baseline of the test above, without reloads and without sampling
    skew: the port delivers a long pcap once, from the moment the director
    starts, and each of its packets must be sent or counted as a drop."""
    f = reload_lab.files
    n = len(f.once_verdicts)
    d = reload_lab.start(f.table_a, layout, once=True)
    s = d.wait_stats(lambda s: s["ports"][str(dpdk_run.RX_PORT)]["ipackets"] == n, 15,
                     f"the RX port delivering all {n} packets")
    # the last bursts through the director: its counters stop moving
    while True:
        time.sleep(0.1)
        s, last = d.stats(), s
        if s["stats"]["rx"] == last["stats"]["rx"] and s["stats"]["tx"] == last["stats"]["tx"]:
            break
    final = d.stop()

    ports = final["ports"]
    rx, accounted = dpdk_run.accounting(ports)
    assert rx == accounted, f"{rx - accounted} packets received but never sent nor counted: {ports}"
    got = dict(dpdk_run.drops_by_reason(ports), tx=ports.get(dpdk_run.TX_PORT, {}).get("tx"))
    want = expected_verdicts(f.once_verdicts, n)
    assert rx == n and got == want, (
        f"the RX port delivered {n} packets; the director received {rx} and counted {got}, "
        f"expected {want}")


def test_bad_table_is_refused_and_old_table_keeps_forwarding(reload_lab):
    f = reload_lab.files
    d = reload_lab.start(f.table_a)
    time.sleep(WARMUP_S)

    bad = [("missing", None)] + list(f.bad.items())
    for n, (name, path) in enumerate(bad, start=1):
        if path is None:
            reload_lab.table_path.unlink()
        else:
            reload_lab.install(path)
        d.signal(signal.SIGUSR1)
        s1 = d.wait_stats(lambda s: s["stats"]["reloads_failed"] == n, 5,
                          f"{name} table: reload counted as failed")
        assert s1["stats"]["reloads_ok"] == 1, f"{name}: {s1['stats']}"
        assert s1["stats"]["table_sha256"] == f.sha_a, f"{name}: the old table was replaced"
        # still table A's rows: forwarding goes on, and the backend table B drains
        # still gets new packets (waited for: on a loaded machine 0.1 s may pass
        # with only a burst or two forwarded)
        d.wait_stats(lambda s: s["stats"]["tx"] > s1["stats"]["tx"] and
                     backend_packets(s)[DRAINED] > backend_packets(s1)[DRAINED], 5,
                     f"{name} table: the old table still forwarding, to {DRAINED} too")

    # a good file after the bad ones loads
    reload_lab.install(f.table_b)
    d.signal(signal.SIGUSR1)
    d.wait_stats(lambda s: s["stats"]["reloads_ok"] == 2, 5, "table B loaded after bad ones")
    final = d.stop()
    assert (final["reloads_ok"], final["reloads_failed"]) == (2, len(bad)), d.output()
    assert d.output(last=10 ** 6).count("keeping the old one") == len(bad), d.output()
    rx, accounted = dpdk_run.accounting(final["ports"])
    assert rx == accounted and rx > 0, final["ports"]


def test_new_table_takes_effect_drained_backend_gets_no_new_packets(reload_lab):
    f = reload_lab.files
    d = reload_lab.start(f.table_a)
    time.sleep(WARMUP_S)

    a1 = d.stats()
    time.sleep(0.3)
    a2 = d.stats()
    grew = [y - x for x, y in zip(backend_packets(a1), backend_packets(a2))]
    assert all(g > 0 for g in grew), f"table A: every backend is some clients' primary: {grew}"

    reload_lab.install(f.table_b)
    d.signal(signal.SIGUSR1)
    d.wait_stats(lambda s: s["stats"]["reloads_ok"] == 2 and s["stats"]["table_sha256"] == f.sha_b,
                 5, "table B loaded")
    b1 = d.stats()
    time.sleep(0.5)
    b2 = d.stats()
    grew = [y - x for x, y in zip(backend_packets(b1), backend_packets(b2))]
    assert grew[DRAINED] == 0, f"draining {BACKENDS[DRAINED]} is still a primary: {grew}"
    assert all(g > 0 for i, g in enumerate(grew) if i != DRAINED), grew
    final = d.stop()
    assert (final["reloads_ok"], final["reloads_failed"]) == (2, 0), d.output()

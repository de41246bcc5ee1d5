# SPDX-License-Identifier: BSD-3-Clause
"""The lab the director tests run in: two network namespaces joined by a veth
pair, the director process, and a raw packet port on the test side.  Built
on glbnet (namespaces, the director process, pcap files, GUE decoding, table
JSON); what is the director suite's own is here: the director from a
glbmodel.DirectorConfig, the packet port, frame comparison, the tables,
configurations and client frames the tests use.

    root namespace: pytest (builds frames with Scapy, computes expectations
    │               with glbmodel, holds a packet socket opened in "test")
    │
    ├── netns glbe2e-dir<pid>                  netns glbe2e-test<pid>
    │   ┌───────────────────────────┐          ┌──────────────────────────┐
    │   │ glb-director (DPDK)       │          │  AF_PACKET socket        │
    │   │  --vdev=net_af_packet0,   │          │  (sends client frames,   │
    │   │         iface=glbd0       │          │   captures GUE output)   │
    │   │      glbd0 ───────────────┼── veth ──┼─── glbd1                 │
    │   │   no address, no IPv6     │          │   no address, no IPv6    │
    │   └───────────────────────────┘          └──────────────────────────┘

Both ends sit in namespaces of their own (forwarding off, no addresses, IPv6
off), so the kernel there neither answers nor forwards anything: no test
packet can leave the machine, and the only frames on the wire are the test's
and the director's.
"""

import ipaddress
import os
import re
import select
import time
from pathlib import Path

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import glbmodel
from glbnet import director as gdirector
from glbnet import gue, netns, pcap
from glbnet import tables as gtables
from glbnet.director import DirectorProcess
from glbnet.netns import Netns

DIRECTOR_IF, TEST_IF = "glbd0", "glbd1"
# Locally administered MACs, fixed so that failures read the same every run.
DIRECTOR_MAC = "02:00:5e:10:00:d0"
TEST_MAC = "02:00:5e:10:00:d1"
# Jumbo MTU on both ends (as measured on the lab machine); af_packet's own
# frame size, not the MTU, bounds what the director receives.
LAB_MTU = 9000

# GLB_DIRECTOR_WRAPPER runs the director under a tool (CI: valgrind on the
# pcap golden test); such a run starts and stops slower, so the waits are
# stretched.
WRAPPER = os.environ.get("GLB_DIRECTOR_WRAPPER", "").split()
WRAPPER_SLOWDOWN = 6 if WRAPPER else 1
READY_TIMEOUT_S = gdirector.READY_TIMEOUT_S * WRAPPER_SLOWDOWN
STOP_TIMEOUT_S = gdirector.STOP_TIMEOUT_S * WRAPPER_SLOWDOWN

PACKET_OUTGOING = 4  # sll_pkttype of a frame this host sent

NS_PREFIX = "glbe2e-"


# ---------------------------------------------------------------------------
# Namespaces and the veth pair
# ---------------------------------------------------------------------------


class Lab:
    """Two namespaces and the veth pair between them; close() removes all of it."""

    def __init__(self, tag=None):
        tag = tag or str(os.getpid())
        self.director_ns = Netns(f"{NS_PREFIX}dir{tag}")
        self.test_ns = Netns(f"{NS_PREFIX}test{tag}")
        self.created = []

    def open(self):
        # what an earlier, killed run of these tests left behind
        netns.remove_stale(rf"{NS_PREFIX}(?:dir|test)(\d+)")
        try:
            for ns in (self.director_ns, self.test_ns):
                ns.create()
                self.created.append(ns)
            netns.veth(self.director_ns, DIRECTOR_IF, self.test_ns, TEST_IF, mtu=LAB_MTU,
                       a_mac=DIRECTOR_MAC, b_mac=TEST_MAC)
            for ns, ifname in ((self.director_ns, DIRECTOR_IF), (self.test_ns, TEST_IF)):
                ns.sysctl({f"net.ipv6.conf.{ifname}.disable_ipv6": 1,
                           f"net.ipv4.conf.{ifname}.forwarding": 0})
                ns.offloads_off(ifname)
                ns.ip(f"link set {ifname} up")
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        # deleting a namespace destroys its end of the veth, and with it the pair
        for ns in reversed(self.created):
            ns.delete()
        self.created = []


# ---------------------------------------------------------------------------
# The test side's packet port
# ---------------------------------------------------------------------------


class PacketPort:
    """Send frames into the director and capture what it sends back."""

    def __init__(self, ns: Netns, ifname=TEST_IF):
        self.sock = ns.packet_socket(ifname)

    def close(self):
        self.sock.close()

    def _recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return None
        data, addr = self.sock.recvfrom(65535)
        return None if addr[2] == PACKET_OUTGOING else data

    def drain(self):
        while self._recv(0) is not None:
            pass

    def send(self, frames, pace_every=32):
        for i, f in enumerate(frames):
            self.sock.send(bytes(f))
            if (i + 1) % pace_every == 0:
                time.sleep(0.002)  # stay well inside the director's RX ring

    def collect(self, count, timeout=5.0, settle=0.3):
        """Frames received until `count` have arrived (or timeout), then for `settle` s more."""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            f = self._recv(deadline - time.monotonic())
            if f is not None:
                got.append(f)
        quiet = time.monotonic() + settle
        while time.monotonic() < quiet:
            f = self._recv(quiet - time.monotonic())
            if f is not None:
                got.append(f)
        return got

    def exchange(self, frames, count, **kw):
        self.drain()
        self.send(frames)
        return self.collect(count, **kw)


# ---------------------------------------------------------------------------
# The director process
# ---------------------------------------------------------------------------

_starts = 0


class Director(DirectorProcess):
    """The director on one port (a veth via af_packet, or a pcap pair), in a
    layout of glbmodel.DirectorConfig, in netns (a Netns) or this namespace."""

    # EAL lcore → CPU maps for the layouts (2 CPUs here).  The distributor's
    # worker shares CPU 0 with the main lcore, which mostly sleeps, so the
    # distributor never spins on a descheduled worker.
    EAL_LCORES = {"rtc": "0@0,1@1", "dist": "0@0,1@1,2@0"}

    def __init__(self, conf: glbmodel.DirectorConfig, table_bin: Path, workdir: Path, vdev,
                 netns: Netns = None):
        global _starts
        _starts += 1
        self.conf = conf
        self.table_bin = table_bin
        self.tables = glbmodel.read_table_file(table_bin)
        file_prefix = f"glbtest{os.getpid()}x{_starts}"
        self.conf_path = workdir / f"director{_starts}.conf"
        self.conf_path.write_text(conf.to_json())
        cmd = WRAPPER + gdirector.command(self.conf_path, table_bin, [vdev], file_prefix,
                                          self.EAL_LCORES[conf.layout])
        if netns:
            cmd = netns.argv(*cmd)
        super().__init__(cmd, file_prefix, ready_timeout=READY_TIMEOUT_S,
                         stop_timeout=STOP_TIMEOUT_S)

    def port_mac(self, port=0):
        """The MAC the director reports for a port ("port 0: MAC aa:bb:cc:dd:ee:ff")."""
        for line in self.lines:
            m = re.search(rf"port {port}\b.*?((?:[0-9a-fA-F]{{2}}:){{5}}[0-9a-fA-F]{{2}})", line)
            if m:
                return m.group(1).lower()
        return None


def run_pcap_director(conf, table_bin, workdir: Path, frames, expect_count, name="pcap",
                      timeout=10.0, settle=0.5):
    """Run a director over a pcap file (net_pcap): frames in, the frames it wrote out.

    The director reads IN once; once OUT holds expect_count frames (or
    timeout) and nothing more arrives for `settle` s, it gets SIGTERM, which
    flushes and closes OUT.  Returns (frames out, the stopped Director).
    """
    rx, tx = workdir / f"{name}-in.pcap", workdir / f"{name}-out.pcap"
    pcap.write(rx, frames)
    tx.unlink(missing_ok=True)
    d = Director(conf, table_bin, workdir, vdev=f"net_pcap0,rx_pcap={rx},tx_pcap={tx}")
    d.start()
    try:
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            n = len(pcap.read(tx)) if tx.exists() else 0
            if n != seen:
                seen, quiet_since = n, time.monotonic()
            elif n >= expect_count and time.monotonic() - quiet_since >= settle:
                break
            time.sleep(0.05)
    finally:
        d.stop()
    return pcap.read(tx), d


# ---------------------------------------------------------------------------
# Comparing frames
# ---------------------------------------------------------------------------


def _udp_checksum_valid(frame: bytes) -> bool:
    ihl = (frame[14] & 0xF) * 4
    ip, udp = frame[14:14 + ihl], frame[14 + ihl:]
    udp_len = int.from_bytes(udp[4:6], "big")
    pseudo = ip[12:20] + bytes((0, glbmodel.IPPROTO_UDP)) + udp_len.to_bytes(2, "big")
    return gue.checksum(pseudo + udp[:udp_len]) == 0


def normalise(frame: bytes) -> bytes:
    """SPEC §6 allows the outer UDP checksum to be 0 or valid: a valid one compares as 0."""
    f = bytes(frame)
    if (len(f) >= 14 + 20 + 8 and f[12:14] == b"\x08\x00" and f[23] == glbmodel.IPPROTO_UDP
            and f[14 + (f[14] & 0xF) * 4 + 6:][:2] != b"\0\0" and _udp_checksum_valid(f)):
        off = 14 + (f[14] & 0xF) * 4 + 6
        f = f[:off] + b"\0\0" + f[off + 2:]
    return f


def describe(frame: bytes) -> str:
    """A frame decoded by Scapy (GUE by glbnet.gue), for failure messages."""
    text = [frame.hex(" ")]
    try:
        p = Ether(frame)
        text.append(p.summary())
        g = gue.decode_frame(frame)
        if g is not None:
            text.append(f"  outer {p[IP].src} > {p[IP].dst} id={p[IP].id} flags={p[IP].flags} "
                        f"ttl={p[IP].ttl} chksum={p[IP].chksum:#06x} udp {p[UDP].sport} > "
                        f"{p[UDP].dport} len={p[UDP].len} chksum={p[UDP].chksum:#06x}")
            text.append(f"  gue hlen={g.hlen} proto={g.proto} private type={g.private_type} "
                        f"next_hop={g.next_hop} hops={g.hops}")
            if g.problems:
                text.append(f"  gue problems: {'; '.join(g.problems)}")
            cls = {gue.IPPROTO_IPIP: IP, gue.IPPROTO_IPV6: IPv6}.get(g.proto, Raw)
            text.append(f"  inner {cls(g.inner_bytes).summary()}")
    except Exception as e:  # a decoder failure must not hide the real mismatch
        text.append(f"(decode failed: {e})")
    return "\n".join(text)


def assert_frames(expected, got, what=""):
    """The captured frames must be exactly the expected ones, in order."""
    exp = [bytes(f) for f in expected]
    norm = [normalise(f) for f in got]
    if norm == exp:
        return
    lines = [f"{what}: expected {len(exp)} frame(s), got {len(got)}"]
    for i in range(max(len(exp), len(got))):
        e = exp[i] if i < len(exp) else None
        g = norm[i] if i < len(norm) else None
        if e == g:
            continue
        if e is not None and g is not None:
            first = next((j for j in range(min(len(e), len(g))) if e[j] != g[j]),
                         min(len(e), len(g)))
            lines.append(f"frame {i}: first difference at byte {first}")
        lines.append(f"frame {i} expected:\n{describe(e) if e is not None else '(none)'}")
        lines.append(f"frame {i} got:\n{describe(got[i]) if g is not None else '(none)'}")
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------------------
# The tests' forwarding table, director configurations and client frames
#
# VIPs in 192.0.2.0/24 and 2001:db8:10::/48, clients in 198.51.100.0/24,
# 203.0.113.0/24 and 2001:db8:c::/48, backends in 10.x: all of it stays
# inside the lab's veth pair.
# ---------------------------------------------------------------------------


def _key(n):
    return bytes((n * 16 + i) & 0xFF for i in range(16))


def _backends(prefix, n, state="active"):
    return [gtables.backend(f"{prefix}.{i}", state) for i in range(1, n + 1)]


# Table order matters: "first" comes before "second", and both take 192.0.2.30:25.
TABLES = [
    gtables.table("web", _key(1), _key(2), [
        gtables.bind("192.0.2.10", "tcp", 80),
        gtables.bind("192.0.2.10", "tcp", port_start=8000, port_end=8080),
        gtables.bind("2001:db8:10::10", "tcp", 80),
    ], _backends("10.10.0", 4)),
    gtables.table("cidr", _key(3), _key(4), [
        gtables.bind("192.0.2.64/26", "tcp", 443),
    ], _backends("10.11.0", 3)),
    gtables.table("dns", _key(5), _key(6), [
        gtables.bind("192.0.2.20", "udp", 53),
        gtables.bind("2001:db8:10:20::/64", "udp", 53),
    ], _backends("10.12.0", 3)),
    gtables.table("first", _key(7), _key(8), [
        gtables.bind("192.0.2.30", "tcp", 25),
    ], _backends("10.13.0", 2)),
    gtables.table("second", _key(9), _key(10), [
        gtables.bind("192.0.2.16/28", "tcp", 25),
        gtables.bind("192.0.2.16/28", "tcp", 587),
    ], _backends("10.14.0", 2)),
    gtables.table("dead", _key(11), _key(12), [
        gtables.bind("192.0.2.40", "tcp", 80),
    ], _backends("10.15.0", 2, state="inactive")),
    gtables.table("odd-prefixes", _key(13), _key(14), [
        gtables.bind("192.0.2.136/29", "tcp", 443),
        gtables.bind("2001:db8:10:30::/61", "tcp", 443),
    ], _backends("10.16.0", 5)),
    gtables.table("any-port", _key(15), _key(16), [
        gtables.bind("192.0.2.50", "udp", port_start=0, port_end=65535),
    ], _backends("10.17.0", 2)),
    gtables.table("solo", _key(17), _key(18), [
        gtables.bind("192.0.2.60", "tcp", 80),
    ], [gtables.backend("10.18.0.1"), gtables.backend("10.18.0.2", "inactive")]),
    # Prefixes whose bytes equal the lab's addresses of the other family
    # (c0.00.02 = 192.0.2, 20.01.0d = 2001:0d..): they must match nothing.
    gtables.table("family-trap", _key(19), _key(20), [
        gtables.bind("c000:200::/24", "tcp", 9999),
        gtables.bind("32.1.13.0/24", "tcp", 9999),
    ], _backends("10.19.0", 2)),
]
WEB, CIDR, DNS, FIRST, SECOND, DEAD, ODD, ANY_PORT, SOLO, FAMILY_TRAP = range(10)

VIP_WEB, VIP_WEB6 = "192.0.2.10", "2001:db8:10::10"
VIP_DNS, NET_DNS6 = "192.0.2.20", ipaddress.ip_network("2001:db8:10:20::/64")
VIP_BOTH = "192.0.2.30"       # taken by "first" and "second"
VIP_SECOND = "192.0.2.31"     # taken by "second" only
VIP_DEAD = "192.0.2.40"
VIP_NONE = "192.0.2.200"      # in no bind's prefix
VIP_ANY_PORT = "192.0.2.50"
VIP_SOLO = "192.0.2.60"       # one usable backend

DEFAULT = glbmodel.DirectorConfig()
ALL_FIELDS = glbmodel.DirectorConfig(hash_fields=glbmodel.HASH_FIELDS)
ALT = glbmodel.DirectorConfig(alt_hash_fields=("src_addr", "src_port"))
ECHO_OFF = glbmodel.DirectorConfig(forward_echo=False)
DISTRIBUTOR = glbmodel.DirectorConfig(layout="dist")

ROUTER_MAC = TEST_MAC


def client(i):
    """The i-th client's IPv4 address."""
    return str(ipaddress.ip_address("198.51.100.0") + 1 + i % 250) if i < 250 else \
        str(ipaddress.ip_address("203.0.113.0") + 1 + i % 250)


def client6(i):
    return str(ipaddress.ip_address("2001:db8:c::") + 0x1000 + i)


def eth():
    return Ether(dst=DIRECTOR_MAC, src=ROUTER_MAC)


def tcp4(src, dst, sport, dport, flags="S", **ip):
    return eth() / IP(src=src, dst=dst, **ip) / TCP(sport=sport, dport=dport, flags=flags)


def udp4(src, dst, sport, dport, payload=b"q" * 12, **ip):
    return eth() / IP(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / payload


def tcp6(src, dst, sport, dport, flags="S", **ip):
    return eth() / IPv6(src=src, dst=dst, **ip) / TCP(sport=sport, dport=dport, flags=flags)


def udp6(src, dst, sport, dport, payload=b"q" * 12, **ip):
    return eth() / IPv6(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / payload


def sentinel():
    """A plain forwarded packet: sent after frames that must be dropped."""
    return tcp4("198.51.100.250", VIP_WEB, 54321, 80)

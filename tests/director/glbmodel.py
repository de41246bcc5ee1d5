# SPDX-License-Identifier: BSD-3-Clause
"""A small, readable model of the director, written from SPEC.md alone.

The end-to-end tests compute every expected output frame with this module and
compare it byte for byte with what the real director sends.  Nothing here
calls the C code: SipHash-2-4, the binary table reader (SPEC §3), packet
classification and hashing (SPEC §5) and the GUE encapsulation (SPEC §6) are
all re-done in plain Python.

    frame in ──parse_frame──► Flow ──classify──► table ──route──► hops
                                                              │
    frame out ◄──────────────── encapsulate ◄─────────────────┘

`expected_output(frame, tables, conf, port_mac)` runs the whole pipeline and
returns the frame the director must send, or a Drop naming why it must not.
"""

import ipaddress
import json
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------
# SipHash-2-4 (Aumasson and Bernstein, the reference algorithm)
# ---------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _MASK64


def siphash24(key: bytes, msg: bytes) -> bytes:
    """The 8 output bytes of SipHash-2-4 (the u64 result, little-endian)."""
    assert len(key) == 16
    k0, k1 = struct.unpack("<QQ", key)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n, v0, v1, v2, v3):
        for _ in range(n):
            v0 = (v0 + v1) & _MASK64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _MASK64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _MASK64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _MASK64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3

    whole = len(msg) - len(msg) % 8
    words = [struct.unpack_from("<Q", msg, i)[0] for i in range(0, whole, 8)]
    # The last word: the leftover bytes, and the message length in the top byte.
    last = (len(msg) & 0xFF) << 56
    for i, byte in enumerate(msg[whole:]):
        last |= byte << (8 * i)
    for m in words + [last]:
        v3 ^= m
        v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(4, v0, v1, v2, v3)
    return struct.pack("<Q", v0 ^ v1 ^ v2 ^ v3)


# ---------------------------------------------------------------------------
# Binary forwarding table, format version 2 (SPEC §3)
# ---------------------------------------------------------------------------

TABLE_ENTRIES = 65536
ROW_MASK = TABLE_ENTRIES - 1
MAX_BACKENDS = 256
MAX_BINDS = 256
NO_BACKEND = 0xFFFFFFFF

FAMILY_IPV4 = 1
FAMILY_IPV6 = 2

STATE_FILLING, STATE_ACTIVE, STATE_DRAINING = 0, 1, 2
HEALTH_DOWN, HEALTH_UP = 0, 1

IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ICMPV6 = 58

_FILE_HEADER = struct.Struct("<4sIIIII")
_BACKEND = struct.Struct("<I16sHH")
_BIND = struct.Struct("<I16sHHHBB")
TABLE_SIZE = 4 + MAX_BACKENDS * _BACKEND.size + 4 + MAX_BINDS * _BIND.size + 16 + TABLE_ENTRIES * 8
assert TABLE_SIZE == 537624, "SPEC §3: one table is 537,624 bytes"


def _address(family, raw16):
    if family == FAMILY_IPV4:
        return ipaddress.IPv4Address(raw16[:4])
    return ipaddress.IPv6Address(raw16)


@dataclass
class Backend:
    ip: ipaddress.IPv4Address
    state: int
    health: int


@dataclass
class Bind:
    network: "ipaddress.IPv4Network | ipaddress.IPv6Network"
    proto: int
    port_start: int
    port_end: int

    def contains(self, addr) -> bool:
        return addr.version == self.network.version and addr in self.network

    def matches(self, addr, proto, port) -> bool:
        return (self.contains(addr) and proto == self.proto
                and self.port_start <= port <= self.port_end)


@dataclass
class Table:
    backends: list
    binds: list
    hash_key: bytes
    rows: array  # flat u32: primary of row r at 2r, secondary at 2r + 1

    def row(self, r):
        return self.rows[2 * r], self.rows[2 * r + 1]


def read_table_file(path) -> list:
    """Read a binary table file, checking what SPEC §3 says a loader checks."""
    data = Path(path).read_bytes()
    magic, version, num_tables, entries, max_backends, max_binds = _FILE_HEADER.unpack_from(data, 0)
    if (magic, version, entries, max_backends, max_binds) != (b"GLBD", 2, TABLE_ENTRIES,
                                                             MAX_BACKENDS, MAX_BINDS):
        raise ValueError(f"{path}: bad header {magic!r} v{version} "
                         f"{entries}/{max_backends}/{max_binds}")
    if len(data) != _FILE_HEADER.size + num_tables * TABLE_SIZE:
        raise ValueError(f"{path}: {len(data)} bytes for {num_tables} tables")
    tables = []
    for t in range(num_tables):
        off = _FILE_HEADER.size + t * TABLE_SIZE
        (num_backends,) = struct.unpack_from("<I", data, off)
        if num_backends > MAX_BACKENDS:
            raise ValueError(f"table {t}: {num_backends} backends")
        backends = []
        for i in range(num_backends):
            family, addr, state, health = _BACKEND.unpack_from(data, off + 4 + i * _BACKEND.size)
            backends.append(Backend(_address(family, addr), state, health))
        off += 4 + MAX_BACKENDS * _BACKEND.size
        (num_binds,) = struct.unpack_from("<I", data, off)
        if num_binds > MAX_BINDS:
            raise ValueError(f"table {t}: {num_binds} binds")
        binds = []
        for i in range(num_binds):
            family, addr, prefix, pstart, pend, proto, _ = _BIND.unpack_from(
                data, off + 4 + i * _BIND.size)
            net = ipaddress.ip_network((_address(family, addr), prefix), strict=False)
            binds.append(Bind(net, proto, pstart, pend))
        off += 4 + MAX_BINDS * _BIND.size
        hash_key = data[off:off + 16]
        off += 16
        rows = array("I")
        rows.frombytes(data[off:off + TABLE_ENTRIES * 8])
        assert rows.itemsize == 4
        for idx in rows:
            if idx != NO_BACKEND and idx >= num_backends:
                raise ValueError(f"table {t}: row index {idx} >= {num_backends} backends")
        tables.append(Table(backends, binds, hash_key, rows))
    return tables


# ---------------------------------------------------------------------------
# Director configuration (director.conf, GLB's keys)
# ---------------------------------------------------------------------------

HASH_FIELDS = ("src_addr", "dst_addr", "src_port", "dst_port")
PORT_FIELDS = {"src_port", "dst_port"}


@dataclass
class DirectorConfig:
    gateway_mac: str = "02:00:5e:00:53:01"
    src_ip: str = "10.99.0.1"
    hash_fields: tuple = ("src_addr",)
    alt_hash_fields: tuple = ()
    forward_echo: bool = True
    # "rtc": run to completion on lcore 1.  "dist": GLB's distributor layout,
    # the distributor on lcore 1 and one worker on lcore 2 (lcore 0 is EAL's
    # main lcore, the director's control plane).
    layout: str = "rtc"
    idle_sleep_us: int = 50  # sleep after empty polls: busy lcores would starve the tests
    exception_tap: str = ""  # a TAP for what is not forwarded ("": none, drop it)
    flow_isolate: object = False  # false, true or "auto" (SPEC §10): the model ignores it

    def lcores(self):
        if self.layout == "rtc":
            return {"lcore-1": {"rx": True, "tx": True, "work": True, "flow_paths": [0]}}
        if self.layout == "dist":
            return {"lcore-1": {"rx": True, "tx": True, "dist": True, "flow_paths": [0],
                                "num_dist_workers": 1},
                    "lcore-2": {"work": True, "work_source": 1}}
        raise ValueError(self.layout)

    def to_json(self) -> str:
        conf = {
            "outbound_gateway_mac": self.gateway_mac,
            "outbound_src_ip": self.src_ip,
            "forward_icmp_ping_responses": self.forward_echo,
            "num_worker_queues": 1,
            "hash_fields": {f: True for f in self.hash_fields},
            "flow_paths": [{"rx_port": 0, "rx_queue": 0, "tx_port": 0, "tx_queue": 0}],
            "lcores": self.lcores(),
            "idle_sleep_us": self.idle_sleep_us,
        }
        if self.alt_hash_fields:
            conf["alt_hash_fields"] = {f: True for f in self.alt_hash_fields}
        if self.exception_tap:
            conf["exception_tap"] = self.exception_tap
        if self.flow_isolate is not False:
            conf["flow_isolate"] = self.flow_isolate
        return json.dumps(conf, indent=2)


# ---------------------------------------------------------------------------
# Parsing a received frame (SPEC §5)
# ---------------------------------------------------------------------------

ETH_HLEN = 14
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_8021Q = 0x8100
IPV4_MIN_HLEN = 20
IPV6_HLEN = 40
ICMP_HLEN = 8  # type, code, checksum, 4 bytes; the quoted packet follows
TCP_MIN_HLEN = 20
UDP_HLEN = 8
PORTS_LEN = 4  # what an ICMP error must quote of the L4 header: both ports

ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_ECHO = 3, 4, 8
ICMPV6_PKT_TOOBIG, ICMPV6_ECHO_REQUEST = 2, 128
IPV6_EXT_HOPOPTS, IPV6_EXT_ROUTING, IPV6_EXT_FRAGMENT, IPV6_EXT_DSTOPTS = 0, 43, 44, 60
IPV6_MAX_EXT_HEADERS = 8  # more than any sane packet; bounds the walk


class Drop(str):
    """Why a frame is not forwarded (a str so tests can compare it)."""


NOT_IP = Drop("not-ip")
MALFORMED = Drop("malformed")
UNSUPPORTED = Drop("unsupported")
NO_MATCH = Drop("no-match")
FRAGMENT = Drop("fragment")
ECHO_DISABLED = Drop("echo-disabled")
NO_BACKEND_DROP = Drop("no-backend")

KIND_L4, KIND_ICMP_ERROR, KIND_ECHO, KIND_FRAGMENT = "l4", "icmp-error", "echo", "fragment"


@dataclass
class Flow:
    kind: str
    proto: int
    src: object  # ipaddress address of the (client's view of the) flow
    dst: object
    sport: int
    dport: int
    hint: int
    inner: bytes = field(repr=False)  # the received IP packet, header to total length
    inner_family: int = FAMILY_IPV4  # of the received packet: GUE proto 4 or 41


def _l4_ports(proto, l4: bytes):
    """Ports of a complete TCP/UDP header, or None if it is truncated."""
    need = TCP_MIN_HLEN if proto == IPPROTO_TCP else UDP_HLEN
    if len(l4) < need:
        return None
    return struct.unpack_from(">HH", l4, 0)


def _ipv6_walk(pkt: bytes, end: int):
    """Walk IPv6 extension headers within pkt[:end].

    Returns (protocol, offset of its header, non_first_fragment) or None if a
    header runs past end.
    """
    nh, off = pkt[6], IPV6_HLEN
    for _ in range(IPV6_MAX_EXT_HEADERS):
        if nh in (IPV6_EXT_HOPOPTS, IPV6_EXT_ROUTING, IPV6_EXT_DSTOPTS):
            if off + 2 > end:
                return None
            hlen = (pkt[off + 1] + 1) * 8
            if off + hlen > end:
                return None
            nh, off = pkt[off], off + hlen
        elif nh == IPV6_EXT_FRAGMENT:
            if off + 8 > end:
                return None
            frag_offset = struct.unpack_from(">H", pkt, off + 2)[0] >> 3
            nh, off = pkt[off], off + 8
            if frag_offset != 0:
                return nh, off, True
        else:
            return nh, off, False
    return None


def _quoted_flow(family, quoted: bytes):
    """The client's flow from the packet quoted in an ICMP error (sent by a proxy).

    The proxy sent VIP:port → client:port; the client's flow is the reverse.
    Returns (proto, src, dst, sport, dport) or a Drop.
    """
    if family == FAMILY_IPV4:
        if len(quoted) < IPV4_MIN_HLEN or quoted[0] >> 4 != 4:
            return MALFORMED
        ihl = (quoted[0] & 0xF) * 4
        if ihl < IPV4_MIN_HLEN:
            return MALFORMED
        proto, l4 = quoted[9], ihl
        qsrc, qdst = ipaddress.IPv4Address(quoted[12:16]), ipaddress.IPv4Address(quoted[16:20])
    else:
        if len(quoted) < IPV6_HLEN or quoted[0] >> 4 != 6:
            return MALFORMED
        walked = _ipv6_walk(quoted, len(quoted))
        if walked is None:
            return MALFORMED
        proto, l4, _ = walked
        qsrc, qdst = ipaddress.IPv6Address(quoted[8:24]), ipaddress.IPv6Address(quoted[24:40])
    if proto not in (IPPROTO_TCP, IPPROTO_UDP):
        return UNSUPPORTED
    if len(quoted) < l4 + PORTS_LEN:
        return MALFORMED
    qsport, qdport = struct.unpack_from(">HH", quoted, l4)
    return proto, qdst, qsrc, qdport, qsport


def _flow_from_l4(family, proto, src, dst, payload, inner, flow_id_hint):
    """Flow for a TCP/UDP/ICMP(v6) payload of an unfragmented or first-fragment packet."""
    if proto in (IPPROTO_TCP, IPPROTO_UDP):
        ports = _l4_ports(proto, payload)
        if ports is None:
            return MALFORMED
        return Flow(KIND_L4, proto, src, dst, ports[0], ports[1], ports[0], inner, family)
    icmp_proto = IPPROTO_ICMP if family == FAMILY_IPV4 else IPPROTO_ICMPV6
    if proto != icmp_proto:
        return UNSUPPORTED
    if len(payload) < ICMP_HLEN:
        return MALFORMED
    icmp_type, code = payload[0], payload[1]
    is_error = (icmp_type, code) == (ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED) if family == FAMILY_IPV4 \
        else icmp_type == ICMPV6_PKT_TOOBIG
    is_echo = icmp_type == (ICMP_ECHO if family == FAMILY_IPV4 else ICMPV6_ECHO_REQUEST)
    if is_error:
        q = _quoted_flow(family, payload[ICMP_HLEN:])
        if isinstance(q, Drop):
            return q
        qproto, csrc, cdst, csport, cdport = q
        # hint: the quoted packet's destination port, i.e. the client's port
        return Flow(KIND_ICMP_ERROR, qproto, csrc, cdst, csport, cdport, csport, inner, family)
    if is_echo:
        return Flow(KIND_ECHO, proto, src, dst, 0, 0, flow_id_hint, inner, family)
    return UNSUPPORTED


def parse_frame(frame: bytes):
    """A received Ethernet frame → Flow, or a Drop."""
    if len(frame) < ETH_HLEN:
        return NOT_IP
    ethertype, l3 = struct.unpack_from(">H", frame, 12)[0], ETH_HLEN
    if ethertype == ETH_P_8021Q:
        if len(frame) < ETH_HLEN + 4:
            return NOT_IP
        ethertype, l3 = struct.unpack_from(">H", frame, 16)[0], ETH_HLEN + 4
    pkt = frame[l3:]
    if ethertype == ETH_P_IP:
        if len(pkt) < IPV4_MIN_HLEN or pkt[0] >> 4 != 4:
            return MALFORMED
        ihl = (pkt[0] & 0xF) * 4
        total = struct.unpack_from(">H", pkt, 2)[0]
        # IHL below 5, or a total length that is shorter than the header or
        # longer than what arrived
        if ihl < IPV4_MIN_HLEN or total < ihl or total > len(pkt):
            return MALFORMED
        pkt = pkt[:total]  # Ethernet padding dropped
        ip_id, frag = struct.unpack_from(">HH", pkt, 4)
        proto = pkt[9]
        src, dst = ipaddress.IPv4Address(pkt[12:16]), ipaddress.IPv4Address(pkt[16:20])
        if frag & 0x1FFF:
            return Flow(KIND_FRAGMENT, proto, src, dst, 0, 0, 0, pkt, FAMILY_IPV4)
        return _flow_from_l4(FAMILY_IPV4, proto, src, dst, pkt[ihl:], pkt, ip_id)
    if ethertype == ETH_P_IPV6:
        if len(pkt) < IPV6_HLEN or pkt[0] >> 4 != 6:
            return MALFORMED
        total = IPV6_HLEN + struct.unpack_from(">H", pkt, 4)[0]
        if total > len(pkt):
            return MALFORMED
        pkt = pkt[:total]
        flow_label = struct.unpack_from(">I", pkt, 0)[0] & 0xFFFFF
        src, dst = ipaddress.IPv6Address(pkt[8:24]), ipaddress.IPv6Address(pkt[24:40])
        walked = _ipv6_walk(pkt, total)
        if walked is None:
            return MALFORMED
        proto, off, non_first = walked
        if non_first:
            return Flow(KIND_FRAGMENT, proto, src, dst, 0, 0, 0, pkt, FAMILY_IPV6)
        return _flow_from_l4(FAMILY_IPV6, proto, src, dst, pkt[off:], pkt, flow_label & 0xFFFF)
    return NOT_IP


# ---------------------------------------------------------------------------
# Classification and hashing (SPEC §5)
# ---------------------------------------------------------------------------


def classify(flow: Flow, tables, conf: DirectorConfig):
    """Index of the table the flow goes to, or a Drop."""
    if flow.kind == KIND_ECHO:
        if not conf.forward_echo:
            return ECHO_DISABLED
        for i, t in enumerate(tables):
            if any(b.contains(flow.dst) for b in t.binds):
                return i
        return NO_MATCH
    if flow.kind == KIND_FRAGMENT:
        # no ports: only placeable if no port is hashed and exactly one table
        # takes this address and protocol
        if PORT_FIELDS & (set(conf.hash_fields) | set(conf.alt_hash_fields)):
            return FRAGMENT
        hits = [i for i, t in enumerate(tables)
                if any(b.contains(flow.dst) and b.proto == flow.proto for b in t.binds)]
        return hits[0] if len(hits) == 1 else FRAGMENT
    for i, t in enumerate(tables):
        if any(b.matches(flow.dst, flow.proto, flow.dport) for b in t.binds):
            return i
    return NO_MATCH


def flow_hash(key: bytes, flow: Flow, fields) -> int:
    """SipHash of src addr, dst addr, src port, dst port (those selected), read little-endian."""
    msg = b""
    if "src_addr" in fields:
        msg += flow.src.packed
    if "dst_addr" in fields:
        msg += flow.dst.packed
    if "src_port" in fields:
        msg += struct.pack(">H", flow.sport)
    if "dst_port" in fields:
        msg += struct.pack(">H", flow.dport)
    return struct.unpack("<Q", siphash24(key, msg))[0]


@dataclass
class Route:
    table: int
    hash: int  # with the main hash fields
    row: int
    hops: list  # IPv4 addresses: primary, secondary[, alt primary, alt secondary]


def route(flow: Flow, tables, conf: DirectorConfig):
    """Where the flow goes: a Route, or a Drop."""
    t = classify(flow, tables, conf)
    if isinstance(t, Drop):
        return t
    table = tables[t]
    h = flow_hash(table.hash_key, flow, conf.hash_fields)
    rows = [h & ROW_MASK]
    if conf.alt_hash_fields:
        rows.append(flow_hash(table.hash_key, flow, conf.alt_hash_fields) & ROW_MASK)
    hops = []
    for r in rows:
        primary, secondary = table.row(r)
        if primary == NO_BACKEND or secondary == NO_BACKEND:
            return NO_BACKEND_DROP
        hops += [table.backends[primary].ip, table.backends[secondary].ip]
    return Route(t, h, rows[0], hops)


# ---------------------------------------------------------------------------
# Encapsulation (SPEC §6)
# ---------------------------------------------------------------------------

GUE_PORT = 19523
GUE_PROTO_IPV4, GUE_PROTO_IPV6 = 4, 41
OUTER_TTL = 64
IP_DF = 0x4000
UDP_SPORT_FLAG = 0x8000  # outer source ports 32768..65535
UDP_SPORT_MASK = 0x7FFF


def mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


def ipv4_checksum(hdr: bytes) -> int:
    s = sum(struct.unpack(f">{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def encapsulate(flow: Flow, rt: Route, conf: DirectorConfig, port_mac: str) -> bytes:
    """The exact frame the director sends for this flow."""
    hops = rt.hops[1:]  # the GUE hop list: secondary first, then the alt pair
    gue = struct.pack(">BBH", 1 + len(hops),
                      GUE_PROTO_IPV4 if flow.inner_family == FAMILY_IPV4 else GUE_PROTO_IPV6, 0)
    gue += struct.pack(">HBB", 0, 0, len(hops)) + b"".join(h.packed for h in hops)
    sport = UDP_SPORT_FLAG | ((rt.hash ^ flow.hint) & UDP_SPORT_MASK)
    udp_len = UDP_HLEN + len(gue) + len(flow.inner)
    udp = struct.pack(">HHHH", sport, GUE_PORT, udp_len, 0)
    ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, IPV4_MIN_HLEN + udp_len, 0, IP_DF,
                               OUTER_TTL, IPPROTO_UDP, 0,
                               ipaddress.IPv4Address(conf.src_ip).packed, rt.hops[0].packed))
    struct.pack_into(">H", ip, 10, ipv4_checksum(bytes(ip)))
    eth = mac_bytes(conf.gateway_mac) + mac_bytes(port_mac) + struct.pack(">H", ETH_P_IP)
    return eth + bytes(ip) + udp + gue + flow.inner


def expected_output(frame: bytes, tables, conf: DirectorConfig, port_mac: str):
    """The frame the director must send for this received frame, or a Drop."""
    flow = parse_frame(bytes(frame))
    if isinstance(flow, Drop):
        return flow
    rt = route(flow, tables, conf)
    if isinstance(rt, Drop):
        return rt
    return encapsulate(flow, rt, conf, port_mac)

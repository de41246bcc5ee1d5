# SPDX-License-Identifier: BSD-3-Clause
"""Decoding the GUE packets a director (SPEC §6) or a proxy's second chance
(SPEC §7) sends: outer IPv4 and UDP, the GUE header, GLB's private data with
its hop list, and the inner packet. Every field a packet gets wrong is named
in `problems`; nothing is read past the bytes given."""

import socket
import struct
from dataclasses import dataclass, field

GUE_PORT = 19523
ETH_HLEN = 14
ETH_P_IP = 0x0800
IPV4_MIN_HLEN = 20
UDP_HLEN = 8
GUE_HLEN = 4            # version/C/hlen, proto, flags
GUE_WORD = 4            # GUE's hlen counts 4-byte words of optional fields
GLB_PRIVATE_HLEN = 4    # u16 type, u8 next_hop, u8 hop_count
GUE_HLEN_MASK = 0x1F
IPPROTO_IPIP, IPPROTO_IPV6 = 4, 41
IPPROTO_TCP, IPPROTO_UDP = 6, 17
IP_DF = 0x4000
TCP_FLAGS = "FSRPAUEC"


def checksum(data: bytes) -> int:
    """The Internet checksum of data (0 when data already holds a valid one)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(b: bytes) -> str:
    return socket.inet_ntoa(b)


@dataclass
class Inner:
    """The encapsulated packet: addresses, protocol, ports and TCP flags."""
    version: int
    src: str = None
    dst: str = None
    proto: int = None
    sport: int = None
    dport: int = None
    flags: str = None


@dataclass
class Gue:
    outer_src: str
    outer_dst: str
    ttl: int
    df: bool
    sport: int
    dport: int
    hlen: int = None
    proto: int = None
    private_type: int = None
    next_hop: int = None
    hops: list = field(default_factory=list)
    inner_bytes: bytes = b""
    inner: Inner = None
    problems: list = field(default_factory=list)


def decode_payload(g: Gue, payload: bytes):
    """Fill g from a UDP payload that starts with the GUE header."""
    if len(payload) < GUE_HLEN + GLB_PRIVATE_HLEN:
        g.problems.append("GUE header truncated")
        return g
    g.hlen, g.proto = payload[0] & GUE_HLEN_MASK, payload[1]
    g.private_type, g.next_hop, hop_count = struct.unpack("!HBB", payload[4:8])
    end = GUE_HLEN + GUE_WORD * g.hlen
    if payload[0] >> 5 or payload[2:4] != b"\0\0":
        g.problems.append("GUE version, C bit or flags not 0")
    if g.hlen != 1 + hop_count:
        g.problems.append(f"hlen {g.hlen} != 1 + hop_count {hop_count}")
    if g.private_type != 0:
        g.problems.append(f"private data type {g.private_type}")
    if g.next_hop > hop_count:
        g.problems.append(f"next_hop {g.next_hop} > hop_count {hop_count}")
    if len(payload) < end:
        g.problems.append(f"GUE header of {end} bytes, {len(payload)} sent")
        return g
    first = GUE_HLEN + GLB_PRIVATE_HLEN
    g.hops = [ip4(payload[first + 4 * i:first + 4 * i + 4]) for i in range(hop_count)
              if first + 4 * i + 4 <= end]
    g.inner_bytes = payload[end:]
    g.inner = decode_inner(g.inner_bytes, g.proto, g.problems)
    return g


def decode_inner(b: bytes, proto, problems):
    """The inner IPv4/IPv6 packet: addresses, protocol, TCP/UDP ports, TCP
    flags; its length and TCP checksum checked."""
    if proto == IPPROTO_IPIP and len(b) >= IPV4_MIN_HLEN and b[0] >> 4 == 4:
        ihl = (b[0] & 0xF) * 4
        total = struct.unpack("!H", b[2:4])[0]
        inner = Inner(4, ip4(b[12:16]), ip4(b[16:20]), b[9])
        if total != len(b):
            problems.append(f"inner length {total} but {len(b)} bytes follow the GUE header")
        l4, pseudo_addrs = b[ihl:total], b[12:20]
    elif proto == IPPROTO_IPV6 and len(b) >= 40 and b[0] >> 4 == 6:
        inner = Inner(6, socket.inet_ntop(socket.AF_INET6, b[8:24]),
                      socket.inet_ntop(socket.AF_INET6, b[24:40]), b[6])
        total = 40 + struct.unpack("!H", b[4:6])[0]
        if total != len(b):
            problems.append(f"inner length {total} but {len(b)} bytes follow the GUE header")
        l4, pseudo_addrs = b[40:total], b[8:40]
    else:
        problems.append(f"inner packet is not IPv{'4' if proto == IPPROTO_IPIP else '6'}")
        return None
    if inner.proto in (IPPROTO_TCP, IPPROTO_UDP) and len(l4) >= 4:
        inner.sport, inner.dport = struct.unpack("!HH", l4[0:4])
    if inner.proto == IPPROTO_TCP and len(l4) >= 20:
        inner.flags = "".join(c for bit, c in enumerate(TCP_FLAGS) if l4[13] >> bit & 1)
        if inner.version == 4:
            pseudo = pseudo_addrs + struct.pack("!BBH", 0, IPPROTO_TCP, len(l4))
        else:
            pseudo = pseudo_addrs + struct.pack("!IxxxB", len(l4), IPPROTO_TCP)
        if checksum(pseudo + l4) != 0:
            problems.append("inner TCP checksum")
    return inner


def decode_ipv4(ip: bytes):
    """An outer IPv4 packet to the GUE port, decoded; None if it is not one."""
    if len(ip) < IPV4_MIN_HLEN or ip[0] >> 4 != 4 or ip[9] != IPPROTO_UDP:
        return None
    ihl = (ip[0] & 0xF) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    udp = ip[ihl:total]
    if ihl < IPV4_MIN_HLEN or len(udp) < UDP_HLEN:
        return None
    sport, dport, udp_len = struct.unpack("!HHH", udp[0:6])
    if dport != GUE_PORT:
        return None
    g = Gue(outer_src=ip4(ip[12:16]), outer_dst=ip4(ip[16:20]), ttl=ip[8],
            df=bool(struct.unpack("!H", ip[6:8])[0] & IP_DF), sport=sport, dport=dport)
    if checksum(ip[:ihl]) != 0:
        g.problems.append("outer IPv4 header checksum")
    if udp_len != len(udp):
        g.problems.append(f"UDP length {udp_len}, {len(udp)} bytes in the IP packet")
    return decode_payload(g, udp[UDP_HLEN:udp_len])


def decode_frame(frame: bytes):
    """An Ethernet frame carrying GUE, decoded; None if it carries none."""
    if len(frame) < ETH_HLEN or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    return decode_ipv4(frame[ETH_HLEN:])


def header_len(payload: bytes):
    """The length in bytes of the GUE header (private data included) that
    starts a UDP payload, or None if the payload is too short to hold it."""
    if len(payload) < GUE_HLEN:
        return None
    end = GUE_HLEN + GUE_WORD * (payload[0] & GUE_HLEN_MASK)
    return None if len(payload) < end else end

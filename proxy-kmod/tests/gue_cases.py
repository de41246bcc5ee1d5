#!/usr/bin/python3
"""Hand-built GUE packets against a proxy running GLBREDIRECT.

Runs in the peer namespace of tests/vm-smoke (see the drawing there): sends
each case's packet from the director address to the proxy, then checks the
one counter of /proc/net/glb_redirect_stats (read in the proxy namespace)
that must have moved, and what the proxy sent back: a SYN-ACK or echo reply
straight to the client (accepted, decapsulated, answered), or the GUE packet
itself at the next hop (forwarded).  Exit status 0 when every case passed.
"""

import os
import select
import socket
import struct
import subprocess
import sys
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_NOP
from scapy.layers.inet6 import ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt
from scapy.layers.l2 import Ether

PROXY_NS = os.environ.get("GLB_PROXY_NS", "glb-proxy")
PEER_IF = os.environ.get("GLB_PEER_IF", "veth-peer")
DIRECTOR = "10.77.0.1"
PROXY = "10.77.0.2"
PROXY_B = "10.77.0.3"  # the next hop; lives in this namespace too
SUBNET_BROADCAST = "10.77.0.255"
VIP4, VIP6 = "192.0.2.10", "2001:db8::10"
CLIENT4, CLIENT6 = "198.51.100.7", "2001:db8:c::7"
ROUTER4, ROUTER6 = "203.0.113.1", "2001:db8:f::1"  # where path-MTU errors come from
LOWER_MTU = 1280  # what the errors say the path takes
PORT = 19523
SERVICE_PORT = 80
CLOSING_PORT = 81  # the proxy's listener here accepts and closes at once
WAIT = 2.0  # seconds to wait for an answer that must come
# Client ports of the handshakes: a second run against the same proxy must
# use others, or its handshakes meet the first run's established sockets.
PORT_BASE = int(os.environ.get("GLB_CLIENT_PORT_BASE", "41000"))

GUE_PROTO_IPV4, GUE_PROTO_IPV6 = 4, 41


def gue(proto, hops, next_hop=0, hlen=None, first=None, flags=0, ptype=0, hop_count=None):
    """GUE base header + GLB private data (SPEC §6); any field can lie."""
    hop_count = len(hops) if hop_count is None else hop_count
    hlen = 1 + len(hops) if hlen is None else hlen
    first = hlen if first is None else first
    head = struct.pack("!BBH", first, proto, flags)
    priv = struct.pack("!HBB", ptype, next_hop, hop_count)
    return head + priv + b"".join(socket.inet_aton(h) for h in hops)


def outer(payload, ttl=64, csum=None, ulen=None, dst=PROXY):
    udp = UDP(sport=0x8123, dport=PORT)
    if csum is not None:
        udp.chksum = csum
    if ulen is not None:
        udp.len = ulen
    return bytes(IP(src=DIRECTOR, dst=dst, ttl=ttl, flags="DF", id=0) / udp / payload)


def tcp4(sport, flags, seq=1000, ack=0, payload=b"", dport=SERVICE_PORT):
    return bytes(IP(src=CLIENT4, dst=VIP4) / TCP(sport=sport, dport=dport, flags=flags,
                                               seq=seq, ack=ack) / payload)


def tcp6(sport, flags, seq=1000, ack=0, payload=b"", options=()):
    return bytes(IPv6(src=CLIENT6, dst=VIP6) / TCP(sport=sport, dport=SERVICE_PORT, flags=flags,
                                                 seq=seq, ack=ack, options=list(options)) /
                 payload)


def too_big4(cport, seq=1, quote=None, code=4, mtu=LOWER_MTU, options=()):
    """An ICMP fragmentation needed from a router about a full-size segment
    the proxy sent from VIP4:80 to CLIENT4:cport; quote is how many bytes of
    it the router quotes (default: its IP header and 20 bytes)."""
    seg = bytes(IP(src=VIP4, dst=CLIENT4, flags="DF", options=list(options)) /
                TCP(sport=SERVICE_PORT, dport=cport, seq=seq, flags="PA") / (b"x" * 1400))
    ihl = (seg[0] & 0xF) * 4
    quoted = seg[:ihl + 20 if quote is None else quote]
    return bytes(IP(src=ROUTER4, dst=VIP4) / ICMP(type=3, code=code, nexthopmtu=mtu) / quoted)


def too_big6(cport, seq=1, quote=None, ext=False, mtu=LOWER_MTU):
    """An ICMPv6 packet too big about a segment from VIP6:80 to CLIENT6:cport."""
    ip6 = IPv6(src=VIP6, dst=CLIENT6)
    seg = bytes((ip6 / IPv6ExtHdrDestOpt() if ext else ip6) /
                TCP(sport=SERVICE_PORT, dport=cport, seq=seq, flags="PA") / (b"x" * 1400))
    hdr = 40 + (8 if ext else 0)
    quoted = seg[:hdr + 20 if quote is None else quote]
    return bytes(IPv6(src=ROUTER6, dst=VIP6) / ICMPv6PacketTooBig(mtu=mtu) / quoted)


def forget_path_mtus():
    """Drop what the proxy learned of path MTUs (in an earlier run against
    the same proxy): a connection opened while it remembers one starts with
    the lower MSS, and an error about it then teaches nothing."""
    for family in (4, 6):
        subprocess.run(["ip", "netns", "exec", PROXY_NS, "ip", f"-{family}", "route", "flush",
                        "cache"], check=True)


def learned_mtu(family, client):
    """The path MTU the proxy's kernel has learned towards client, or None."""
    out = subprocess.run(["ip", "netns", "exec", PROXY_NS, "ip", f"-{family}", "route", "get",
                          client], check=True, capture_output=True, text=True).stdout
    words = out.split()
    return int(words[words.index("mtu") + 1]) if "mtu" in words else None


def stats():
    out = subprocess.run(["ip", "netns", "exec", PROXY_NS, "cat", "/proc/net/glb_redirect_stats"],
                         check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


class Peer:
    """The director's raw socket, proxy B's GUE socket and a capture of the link."""

    def __init__(self):
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        # Sent through the kernel's UDP stack, the UDP checksum is offloaded
        # to veth and reaches the proxy as CHECKSUM_PARTIAL.
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((DIRECTOR, 0x8124))
        self.hop_b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.hop_b.bind((PROXY_B, PORT))
        self.cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.cap.bind((PEER_IF, 0))

    def drain(self):
        for s in (self.hop_b, self.cap):
            s.setblocking(False)
            try:
                while True:
                    s.recv(65536)
            except BlockingIOError:
                pass
            s.setblocking(True)

    def send(self, pkt):
        self.raw.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))

    def send_udp(self, payload):
        self.udp.sendto(payload, (PROXY, PORT))

    def forwarded(self, timeout=WAIT):
        """(source address, GUE datagram) that reached proxy B, or None."""
        if not select.select([self.hop_b], [], [], timeout)[0]:
            return None
        data, (src, _) = self.hop_b.recvfrom(65536)
        return src, data

    def captured(self, match, timeout=WAIT):
        """The first frame from the proxy for which match(Ether) holds, or None."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            if not select.select([self.cap], [], [], left)[0]:
                return None
            frame = Ether(self.cap.recv(65536))
            if match(frame):
                return frame
        return None


def from_vip(sport, vport=SERVICE_PORT, flag=None):
    def match(f):
        return (TCP in f and f[TCP].dport == sport and f[TCP].sport == vport and
                (flag is None or flag in str(f[TCP].flags)))
    return match


failures = []


def check(name, cond, detail=""):
    print(f"{'ok  ' if cond else 'FAIL'} {name}{': ' + detail if detail and not cond else ''}")
    if not cond:
        failures.append(name)


def moved(before, after):
    """The counters that changed, other than total."""
    return {k: after[k] - before[k] for k in after if k != "total" and after[k] != before[k]}


def stats_after(before):
    """The counters once the packet sent after reading before has been counted."""
    end = time.monotonic() + WAIT
    while (after := stats())["total"] == before["total"] and time.monotonic() < end:
        time.sleep(0.05)
    return after


def run(peer, name, pkt, counter, then=None, via_udp=False):
    """Send pkt (an IP packet, or with via_udp the GUE payload for the UDP
    socket); exactly total and counter must each move by one; then(peer)
    checks the rest."""
    peer.drain()
    before = stats()
    if via_udp:
        peer.send_udp(pkt)
    else:
        peer.send(pkt)
    result = then(peer) if then else None
    after = stats_after(before)
    d = moved(before, after)
    check(f"{name}: counts {counter}", d == {counter: 1} and after["total"] == before["total"] + 1,
          f"moved {d}")
    return result


def expect_forward(inner, hops, next_hop_after):
    def then(peer):
        got = peer.forwarded()
        if got is None:
            return False
        src, data = got
        want = gue(data[1], hops, next_hop=next_hop_after) + inner
        return src == PROXY and data == want
    return then


def expect_synack(sport):
    def then(peer):
        return peer.captured(from_vip(sport))
    return then


def cases_malformed(peer):
    inner = tcp4(40000, "A")
    hop = [PROXY_B]
    table = [
        ("UDP length beyond the packet", outer(gue(4, hop) + inner, ulen=2000), "drop_udp_len"),
        ("UDP length below GUE", outer(b"\0\0\0"), "drop_udp_len"),
        ("GUE version 1", outer(gue(4, hop, first=0x40 | 2) + inner), "drop_gue_version"),
        ("GUE control bit", outer(gue(4, hop, first=0x20 | 2) + inner), "drop_gue_control"),
        ("GUE flags", outer(gue(4, hop, flags=0x8000) + inner), "drop_gue_flags"),
        ("GUE hlen 0", outer(gue(4, hop, hlen=0) + inner), "drop_gue_hlen"),
        ("GUE hlen past the datagram", outer(gue(4, hop, hlen=31)), "drop_gue_hlen"),
        ("private type 1", outer(gue(4, hop, ptype=1) + inner), "drop_private_type"),
        ("hop_count disagrees with hlen", outer(gue(4, hop, hop_count=2) + inner), "drop_hop_count"),
        ("next_hop past the list", outer(gue(4, hop, next_hop=2) + inner), "drop_next_hop"),
        ("inner protocol 17", outer(gue(17, hop) + inner), "drop_inner_proto"),
        ("GUE says IPv6, packet is IPv4", outer(gue(41, hop) + inner), "drop_inner_ip"),
        ("inner IPv4 truncated", outer(gue(4, hop) + inner[:12]), "drop_inner_ip"),
        ("inner total length lies", outer(gue(4, hop) + inner[:30]), "drop_inner_ip"),
        ("inner TCP truncated",
         outer(gue(4, hop) + bytes(IP(src=CLIENT4, dst=VIP4, proto=6) / (b"\0" * 8))),
         "drop_inner_tcp"),
        ("multicast next hop", outer(gue(4, ["224.0.0.1"]) + inner), "drop_hop_addr"),
        ("TTL 1 cannot be forwarded", outer(gue(4, hop) + inner, ttl=1), "drop_ttl"),
        ("sent to a broadcast address: no source to forward from",
         outer(gue(4, hop) + inner, dst=SUBNET_BROADCAST), "drop_outer_addr"),
    ]
    for name, pkt, counter in table:
        run(peer, name, pkt, counter)


def cases_accept_forward(peer):
    # An unknown flow is forwarded, next_hop advanced, from the address the director used.
    inner = tcp4(40001, "A")
    ok = run(peer, "unknown v4 flow", outer(gue(4, [PROXY_B]) + inner), "forward",
             expect_forward(inner, [PROXY_B], 1))
    check("unknown v4 flow: arrives at the next hop, next_hop 1, valid UDP checksum", ok)
    ok = run(peer, "unknown v4 flow, UDP checksum 0", outer(gue(4, [PROXY_B]) + inner, csum=0),
             "forward", expect_forward(inner, [PROXY_B], 1))
    check("UDP checksum 0: arrives at the next hop", ok)
    ok = run(peer, "unknown v4 flow, UDP checksum offloaded", gue(4, [PROXY_B]) + inner, "forward",
             expect_forward(inner, [PROXY_B], 1), via_udp=True)
    check("offloaded UDP checksum (CHECKSUM_PARTIAL): completed right at the next hop", ok)
    hops = ["203.0.113.9", PROXY_B]
    ok = run(peer, "second hop", outer(gue(4, hops, next_hop=1) + inner), "forward",
             expect_forward(inner, hops, 2))
    check("second hop: arrives, next_hop 2", ok)
    inner6 = tcp6(40002, "A")
    ok = run(peer, "unknown v6 flow", outer(gue(41, [PROXY_B]) + inner6), "forward",
             expect_forward(inner6, [PROXY_B], 1))
    check("unknown v6 flow: arrives at the next hop", ok)

    run(peer, "no hop left", outer(gue(4, [PROXY_B], next_hop=1) + inner), "accept_last_resort")
    run(peer, "no hops at all", outer(gue(4, []) + inner), "accept_last_resort")
    run(peer, "next hop is this proxy", outer(gue(4, [PROXY]) + inner), "forward_self")
    run(peer, "next hop is a local VIP", outer(gue(4, [VIP4]) + inner), "forward_self")

    echo = bytes(IP(src=CLIENT4, dst=VIP4) / ICMP(id=7, seq=1))
    reply = run(peer, "ICMP echo", outer(gue(4, [PROXY_B]) + echo), "accept_non_tcp",
                lambda p: p.captured(lambda f: ICMP in f and f[ICMP].type == 0 and f[IP].src == VIP4))
    check("ICMP echo: decapsulated and answered", reply is not None)
    frag = bytes(IP(src=CLIENT4, dst=VIP4, proto=6, frag=100) / (b"\0" * 40))
    run(peer, "inner non-first fragment", outer(gue(4, [PROXY_B]) + frag), "accept_inner_fragment")


def handshake(peer, family, sport, cookies):
    tcp = tcp4 if family == 4 else tcp6
    proto = GUE_PROTO_IPV4 if family == 4 else GUE_PROTO_IPV6
    tag = f"v{family}{' syncookie' if cookies else ''}"
    # An MSS above what IPv6's minimum MTU allows, as real clients send:
    # without one the socket's MSS already fits 1280 and a packet too big
    # teaches it nothing (tcp_v6_mtu_reduced).
    syn = tcp4(sport, "S", seq=5000) if family == 4 else \
        tcp6(sport, "S", seq=5000, options=[("MSS", 1440)])
    synack = run(peer, f"{tag} SYN", outer(gue(proto, [PROXY_B]) + syn), "accept_syn",
                 expect_synack(sport))
    check(f"{tag} SYN: decapsulated and answered with a SYN-ACK", synack is not None)
    if synack is None:
        return None
    ack = synack[TCP].seq + 1
    bad = run(peer, f"{tag} ACK with a wrong cookie" if cookies else f"{tag} ACK of another flow",
              outer(gue(proto, [PROXY_B]) + tcp(sport + 1, "A", seq=5001, ack=ack)), "forward",
              lambda p: p.forwarded() is not None)
    check(f"{tag}: an ACK nobody here knows goes on", bad)
    run(peer, f"{tag} handshake ACK", outer(gue(proto, [PROXY_B]) + tcp(sport, "A", seq=5001, ack=ack)),
        "accept_syncookie" if cookies else "accept_request")
    time.sleep(0.1)
    data = tcp(sport, "PA", seq=5001, ack=ack, payload=b"hi")
    run(peer, f"{tag} data", outer(gue(proto, [PROXY_B]) + data), "accept_established")
    return ack  # the proxy's snd_una: it has sent nothing since


def cases_too_big_elsewhere(peer):
    """Path-MTU errors about flows this proxy does not hold (SPEC §7 step 5):
    on to the next hop like the flow's own packets, byte for byte; or
    accepted here when there is nothing to go by."""
    for name, inner in (("v4 fragmentation needed", too_big4(40100)),
                        ("v4 fragmentation needed, quoted IPv4 header with options",
                         too_big4(40101, options=[IPOption_NOP()] * 4)),
                        ("v4 fragmentation needed quoting header and 8 bytes",
                         too_big4(40102, quote=28))):
        ok = run(peer, f"{name}, unknown flow", outer(gue(4, [PROXY_B]) + inner), "forward_icmp",
                 expect_forward(inner, [PROXY_B], 1))
        check(f"{name}, unknown flow: arrives at the next hop byte for byte, next_hop 1", ok)
    for name, inner in (("v6 packet too big", too_big6(40110)),
                        ("v6 packet too big, quoted extension header", too_big6(40111, ext=True))):
        ok = run(peer, f"{name}, unknown flow", outer(gue(41, [PROXY_B]) + inner), "forward_icmp",
                 expect_forward(inner, [PROXY_B], 1))
        check(f"{name}, unknown flow: arrives at the next hop byte for byte, next_hop 1", ok)
    run(peer, "v4 fragmentation needed, no hop left", outer(gue(4, [PROXY_B], next_hop=1) +
                                                            too_big4(40103)), "accept_last_resort")

    quote_udp = bytes(IP(src=ROUTER4, dst=VIP4) / ICMP(type=3, code=4, nexthopmtu=LOWER_MTU) /
                      bytes(IP(src=VIP4, dst=CLIENT4) / UDP(sport=53, dport=40104))[:28])
    frag = bytes(IP(src=VIP4, dst=CLIENT4, proto=6, frag=100) / (b"x" * 40))
    quote_frag = bytes(IP(src=ROUTER4, dst=VIP4) / ICMP(type=3, code=4, nexthopmtu=LOWER_MTU) /
                       frag[:28])
    short_ihl = bytearray(too_big4(40105))
    short_ihl[28] = 0x44  # the quoted header's IHL: 4 words
    icmp_cut = bytes(IP(src=ROUTER4, dst=VIP4, proto=1) / b"\x03\x04\x00\x00")
    accepted = [
        ("v4 quote too short for both ports", too_big4(40106, quote=22)),
        ("v4 quote of a UDP datagram", quote_udp),
        ("v4 quote of a later fragment", quote_frag),
        ("v4 quoted IHL below 5", bytes(short_ihl)),
        ("v4 host unreachable (not fragmentation needed)", too_big4(40107, code=1)),
        ("v4 ICMP header cut short", icmp_cut),
    ]
    for name, inner in accepted:
        run(peer, f"{name}: accepted here, never forwarded", outer(gue(4, [PROXY_B]) + inner),
            "accept_non_tcp", lambda p: check(f"{name}: nothing reached the next hop",
                                              p.forwarded(timeout=0.3) is None))
    quote6_udp = bytes(IPv6(src=ROUTER6, dst=VIP6) / ICMPv6PacketTooBig(mtu=LOWER_MTU) /
                       bytes(IPv6(src=VIP6, dst=CLIENT6) / UDP(sport=53, dport=40114))[:48])
    for name, inner in (("v6 quote too short for both ports", too_big6(40112, quote=42)),
                        ("v6 quote of a UDP datagram", quote6_udp)):
        run(peer, f"{name}: accepted here, never forwarded", outer(gue(41, [PROXY_B]) + inner),
            "accept_non_tcp", lambda p: check(f"{name}: nothing reached the next hop",
                                              p.forwarded(timeout=0.3) is None))


def too_big_here(peer, family, sport, seq):
    """A path-MTU error about a connection this proxy holds (the handshake's
    socket, whose next sequence number is seq): accepted as that flow's, and
    the proxy's kernel learns the lower MTU towards the client."""
    if seq is None:
        return
    client = CLIENT4 if family == 4 else CLIENT6
    inner = too_big4(sport, seq=seq) if family == 4 else too_big6(sport, seq=seq)
    before = learned_mtu(family, client)
    run(peer, f"v{family} path-MTU error about a local connection",
        outer(gue(GUE_PROTO_IPV4 if family == 4 else GUE_PROTO_IPV6, [PROXY_B]) + inner),
        "accept_established", lambda p: check(f"v{family} local path-MTU error: not forwarded",
                                              p.forwarded(timeout=0.3) is None))
    end = time.monotonic() + WAIT
    while (after := learned_mtu(family, client)) != LOWER_MTU and time.monotonic() < end:
        time.sleep(0.1)
    check(f"v{family} local path-MTU error: the proxy learned MTU {LOWER_MTU} towards {client}",
          before != LOWER_MTU and after == LOWER_MTU, f"before {before}, after {after}")


def timewait(peer, sport):
    """The proxy closes first; the client's last ACK then meets a TIME_WAIT socket."""
    def pkt(flags, seq, ack=0):
        return outer(gue(4, [PROXY_B]) + tcp4(sport, flags, seq=seq, ack=ack, dport=CLOSING_PORT))

    synack = run(peer, "closing SYN", pkt("S", 7000), "accept_syn",
                 lambda p: p.captured(from_vip(sport, CLOSING_PORT, "S")))
    if synack is None:
        check("closing SYN: answered", False)
        return
    ack = synack[TCP].seq + 1
    fin = run(peer, "closing handshake ACK", pkt("A", 7001, ack), "accept_request",
              lambda p: p.captured(from_vip(sport, CLOSING_PORT, "F")))
    check("closing: the proxy's application closed, FIN sent", fin is not None)
    if fin is None:
        return
    run(peer, "client FIN to a FIN_WAIT2 socket", pkt("FA", 7001, fin[TCP].seq + 1),
        "accept_established", lambda p: p.captured(from_vip(sport, CLOSING_PORT, "A")))
    run(peer, "ACK to a TIME_WAIT socket", pkt("A", 7002, fin[TCP].seq + 1), "accept_timewait")


def set_syncookies(value):
    subprocess.run(["ip", "netns", "exec", PROXY_NS, "sysctl", "-qw",
                    f"net.ipv4.tcp_syncookies={value}"], check=True)


def main():
    peer = Peer()
    base = stats()
    cases_malformed(peer)
    cases_accept_forward(peer)
    cases_too_big_elsewhere(peer)
    forget_path_mtus()
    set_syncookies(1)
    too_big_here(peer, 4, PORT_BASE, handshake(peer, 4, PORT_BASE, cookies=False))
    too_big_here(peer, 6, PORT_BASE + 10, handshake(peer, 6, PORT_BASE + 10, cookies=False))
    set_syncookies(2)
    handshake(peer, 4, PORT_BASE + 20, cookies=True)
    handshake(peer, 6, PORT_BASE + 30, cookies=True)
    set_syncookies(1)
    timewait(peer, PORT_BASE + 40)
    end = stats()
    outcomes = sum(v for k, v in end.items() if k != "total")
    check("total is the sum of the outcome counters", outcomes == end["total"],
          f"total {end['total']}, sum {outcomes}")
    print(f"{end['total'] - base['total']} packets; {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

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

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

PROXY_NS = os.environ.get("GLB_PROXY_NS", "glb-proxy")
PEER_IF = os.environ.get("GLB_PEER_IF", "veth-peer")
DIRECTOR = "10.77.0.1"
PROXY = "10.77.0.2"
PROXY_B = "10.77.0.3"  # the next hop; lives in this namespace too
SUBNET_BROADCAST = "10.77.0.255"
VIP4, VIP6 = "192.0.2.10", "2001:db8::10"
CLIENT4, CLIENT6 = "198.51.100.7", "2001:db8:c::7"
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


def tcp6(sport, flags, seq=1000, ack=0, payload=b""):
    return bytes(IPv6(src=CLIENT6, dst=VIP6) / TCP(sport=sport, dport=SERVICE_PORT, flags=flags,
                                                 seq=seq, ack=ack) / payload)


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
    synack = run(peer, f"{tag} SYN", outer(gue(proto, [PROXY_B]) + tcp(sport, "S", seq=5000)),
                 "accept_syn", expect_synack(sport))
    check(f"{tag} SYN: decapsulated and answered with a SYN-ACK", synack is not None)
    if synack is None:
        return
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
    set_syncookies(1)
    handshake(peer, 4, PORT_BASE, cookies=False)
    handshake(peer, 6, PORT_BASE + 10, cookies=False)
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

# SPDX-License-Identifier: BSD-3-Clause
"""glb-director end to end over a veth pair: one test per behaviour of SPEC §5-6.

Each test sends frames with Scapy and compares every captured output frame,
byte for byte, with the frame glbmodel computes from the SPEC.  "Not
forwarded" tests send a forwarded sentinel after the dropped frames and
check that only it comes out, so a dead director cannot pass them.

Tests are grouped by director configuration (the lab restarts the director
only when the configuration changes).  IPv4 fragments go through a pcap file
instead of the veth (see the fragments section).

Run: /usr/bin/python3 -m pytest -q tests/director/test_forwarding.py
"""

import ipaddress
import struct

import pytest
from scapy.layers.inet import ICMP, IP, TCP, IPerror, TCPerror
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                PadN)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

import glbmodel as m
from dirlab import (ALL_FIELDS, ALT, CIDR, DEAD, DEFAULT, DNS, ECHO_OFF, FIRST, NET_DNS6, ODD,
                 SECOND, TABLES, VIP_ANY_PORT, VIP_BOTH, VIP_DEAD, VIP_DNS, VIP_NONE, VIP_SECOND,
                 VIP_SOLO, VIP_WEB, VIP_WEB6, WEB, client, client6, eth, sentinel, tcp4, tcp6,
                 udp4, udp6)


@pytest.fixture
def default(lab):
    lab.director(DEFAULT, TABLES)
    return lab


def outer_dst(frame):
    return str(ipaddress.IPv4Address(frame[14 + 16:14 + 20]))


def udp_sport(frame):
    return struct.unpack_from(">H", frame, 14 + 20)[0]


def backends_of(table):
    return {b["ip"] for b in TABLES[table]["backends"]}


# ---- binds --------------------------------------------------------------


def test_ipv4_tcp_exact_bind_is_encapsulated_to_its_row(default):
    frames = [tcp4(client(i), VIP_WEB, 40000 + i, 80) for i in range(8)]
    out = default.forward(frames, "IPv4 TCP to 192.0.2.10:80")
    assert {outer_dst(f) for f in out} <= backends_of(WEB)


def test_ipv4_cidr_bind_takes_every_address_of_its_prefix(default):
    frames = [tcp4(client(1), f"192.0.2.{host}", 5000, 443) for host in (64, 65, 100, 127)]
    out = default.forward(frames, "192.0.2.64/26:443")
    assert {outer_dst(f) for f in out} <= backends_of(CIDR)


def test_ipv4_cidr_bind_rejects_addresses_next_to_its_prefix(default):
    frames = [tcp4(client(1), f"192.0.2.{host}", 5000, 443) for host in (63, 128)]
    default.drop(frames, sentinel(), m.NO_MATCH, "192.0.2.63 and .128 are outside /26")


def syn443(dst):
    return tcp6(client6(1), dst, 5000, 443) if ":" in dst else tcp4(client(1), dst, 5000, 443)


def test_prefixes_not_on_a_byte_boundary(default):
    inside = ["192.0.2.136", "192.0.2.143",
              "2001:db8:10:30::", "2001:db8:10:37:ffff:ffff:ffff:ffff"]
    outside = ["192.0.2.135", "192.0.2.144",
               "2001:db8:10:2f:ffff:ffff:ffff:ffff", "2001:db8:10:38::"]
    out = default.forward([syn443(d) for d in inside], "192.0.2.136/29, 2001:db8:10:30::/61")
    assert {outer_dst(f) for f in out} <= backends_of(ODD)
    default.drop([syn443(d) for d in outside], sentinel(), m.NO_MATCH, "just outside /29 and /61")


def test_full_port_range_takes_ports_0_and_65535(default):
    default.forward([udp4(client(i), VIP_ANY_PORT, 1000 + i, p) for i, p in
                     enumerate((0, 1, 65534, 65535))], "UDP ports 0-65535")


def test_table_with_one_usable_backend_names_it_twice(default):
    out = default.forward([tcp4(client(i), VIP_SOLO, 1000 + i, 80) for i in range(3)],
                          "one active backend, one inactive")
    for f in out:
        assert outer_dst(f) == "10.18.0.1" and f[-40 - 4:-40] == bytes([10, 18, 0, 1])


def test_address_family_must_match_the_bind(default):
    default.drop([tcp4(client(1), "192.0.2.222", 5000, 9999),
                  tcp6(client6(1), "2001:db8:10::99", 5000, 9999),
                  eth() / IP(src=client(1), dst="192.0.2.222") / ICMP(type=8),
                  eth() / IPv6(src=client6(1), dst="2001:db8:99::1") / ICMPv6EchoRequest()],
                 sentinel(), m.NO_MATCH, "IPv4 packets vs IPv6 binds with the same leading bytes")


def test_port_range_edges_are_inclusive(default):
    default.forward([tcp4(client(2), VIP_WEB, 1234, p) for p in (8000, 8001, 8079, 8080)],
                    "ports 8000-8080")


def test_ports_just_outside_the_range_are_not_forwarded(default):
    default.drop([tcp4(client(2), VIP_WEB, 1234, p) for p in (7999, 8081, 81, 79)], sentinel(),
                 m.NO_MATCH, "ports 7999, 8081, 79, 81")


def test_ipv4_udp_bind(default):
    out = default.forward([udp4(client(i), VIP_DNS, 33000 + i, 53) for i in range(6)], "UDP :53")
    assert {outer_dst(f) for f in out} <= backends_of(DNS)


def test_protocol_mismatch_is_not_forwarded(default):
    default.drop([udp4(client(3), VIP_WEB, 1000, 80), tcp4(client(3), VIP_DNS, 1000, 53)],
                 sentinel(), m.NO_MATCH, "UDP to a TCP bind, TCP to a UDP bind")


def test_unbound_address_is_not_forwarded(default):
    default.drop([tcp4(client(3), VIP_NONE, 1000, 80), tcp4(client(3), "192.0.2.11", 1000, 80)],
                 sentinel(), m.NO_MATCH, "no bind")


def test_first_matching_table_wins(default):
    both = [tcp4(client(i), VIP_BOTH, 2000 + i, 25) for i in range(6)]
    for f in both:
        assert default.route(f).table == FIRST
    out = default.forward(both, "192.0.2.30:25 is in 'first' and 'second'")
    assert {outer_dst(f) for f in out} <= backends_of(FIRST)
    only_second = [tcp4(client(i), VIP_SECOND, 2000 + i, 25) for i in range(3)] + \
        [tcp4(client(4), VIP_BOTH, 2004, 587)]
    out = default.forward(only_second, "192.0.2.31:25 and 192.0.2.30:587 are only in 'second'")
    assert {outer_dst(f) for f in out} <= backends_of(SECOND)


# ---- IPv6 and header parsing ------------------------------------------------


def test_ipv6_tcp_is_carried_as_gue_proto_41(default):
    out = default.forward([tcp6(client6(i), VIP_WEB6, 41000 + i, 80, fl=i) for i in range(6)],
                          "IPv6 TCP")
    assert all(f[14 + 20 + 8 + 1] == 41 for f in out)


def test_ipv6_udp_cidr_bind(default):
    dsts = [str(NET_DNS6[1]), str(NET_DNS6[-1]), "2001:db8:10:20::53"]
    default.forward([udp6(client6(7), d, 5353, 53) for d in dsts], "2001:db8:10:20::/64 UDP")


def ipv4_with_options(ihl, src, dst, sport, dport):
    """A TCP SYN whose IPv4 header is ihl words: a record-route option, NOP-padded."""
    n = 4 * (ihl - 5)
    if n >= 7:
        slots = (n - 3) // 4
        opts = bytes([7, 3 + 4 * slots, 4]) + bytes(4 * slots)  # record route, empty slots
    else:
        opts = b""
    opts += b"\x01" * (n - len(opts))  # NOPs up to the header length
    ip = bytes(IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags="S"))
    hdr = bytearray(ip[:20]) + opts
    hdr[0] = 0x40 | ihl
    struct.pack_into(">HH", hdr, 2, len(hdr) + len(ip) - 20, 0)
    struct.pack_into(">H", hdr, 10, 0)
    struct.pack_into(">H", hdr, 10, m.ipv4_checksum(bytes(hdr)))
    return bytes(eth() / IP())[:14] + bytes(hdr) + ip[20:]


@pytest.mark.parametrize("ihl", range(6, 16))
def test_ipv4_options_are_skipped_and_kept_in_the_inner_packet(default, ihl):
    f = ipv4_with_options(ihl, client(5 + ihl), VIP_WEB, 3300 + ihl, 80)
    assert IP(f[14:]).ihl == ihl and IP(f[14:])[TCP].dport == 80
    default.forward([f], f"IHL {ihl}")


def test_ipv4_options_shift_the_ports(default):
    # port 80 sits where a 20-byte header would have put the ports of another flow
    f = ipv4_with_options(8, client(5), VIP_WEB, 3300, 81)
    default.drop([f], sentinel(), m.NO_MATCH, "IHL 8, port 81")


def test_ipv6_extension_headers_are_walked(default):
    frames = [
        eth() / IPv6(src=client6(1), dst=VIP_WEB6) /
        IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)]) / TCP(sport=6001, dport=80),
        eth() / IPv6(src=client6(2), dst=VIP_WEB6) / IPv6ExtHdrDestOpt() /
        TCP(sport=6002, dport=80),
        eth() / IPv6(src=client6(3), dst=VIP_WEB6) / IPv6ExtHdrRouting(addresses=[]) /
        TCP(sport=6003, dport=80),
        eth() / IPv6(src=client6(4), dst=VIP_WEB6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrRouting(addresses=[]) / IPv6ExtHdrDestOpt() / TCP(sport=6004, dport=80),
        # a first fragment has its ports
        eth() / IPv6(src=client6(5), dst=VIP_WEB6) / IPv6ExtHdrFragment(offset=0, m=1, id=9) /
        TCP(sport=6005, dport=80) / Raw(b"f" * 40),
    ]
    default.forward(frames, "IPv6 extension headers")


def test_ipv6_extension_header_decides_the_port(default):
    # the same bytes after a hop-by-hop header, to a port no table binds
    default.drop([eth() / IPv6(src=client6(1), dst=VIP_WEB6) / IPv6ExtHdrHopByHop() /
                  TCP(sport=6001, dport=81)], sentinel(), m.NO_MATCH, "port 81 after hop-by-hop")


def test_ethernet_padding_is_dropped_from_the_inner_packet(default):
    syn = bytes(tcp4(client(9), VIP_WEB, 4444, 80))
    assert len(syn) == 54
    padded = syn + b"\xee" * 6  # a 60-byte minimum frame with non-zero padding
    udp = bytes(udp4(client(9), VIP_DNS, 4444, 53, payload=b""))
    v6 = bytes(tcp6(client6(9), VIP_WEB6, 4444, 80))
    out = default.forward([padded, udp + b"\x55" * (60 - len(udp)), v6 + b"\x66" * 10],
                          "frames longer than their IP packet")
    assert out[0].endswith(syn[14:]) and out[2].endswith(v6[14:])


# ---- hashing ------------------------------------------------------------------


def test_source_address_hash_spreads_clients_over_the_rows(default):
    frames = [tcp4(client(i), VIP_WEB, 50000, 80) for i in range(0, 400, 13)]
    out = default.forward(frames, "31 clients, default hash_fields (src_addr)")
    assert len({outer_dst(f) for f in out}) >= 3, "the test needs clients on several rows"


def test_source_address_hash_ignores_ports_but_hint_moves_the_udp_port(default):
    frames = [tcp4(client(20), VIP_WEB, sport, 80) for sport in (1000, 2000, 3000, 60000)]
    out = default.forward(frames, "one client, four source ports")
    assert len({outer_dst(f) for f in out}) == 1
    assert len({udp_sport(f) for f in out}) == 4
    assert all(udp_sport(f) & 0x8000 for f in out)


# ---- ICMP -------------------------------------------------------------------


def test_icmp_frag_needed_goes_where_its_flow_goes(default):
    frames = []
    for i in range(4):
        flow = tcp4(client(30 + i), VIP_WEB, 42000 + i, 80, flags="A")
        # what a router sends back about a packet the proxy sent (VIP:80 → client)
        icmp = eth() / IP(src="198.51.100.254", dst=VIP_WEB) / \
            ICMP(type=3, code=4, nexthopmtu=1400) / \
            IPerror(src=VIP_WEB, dst=client(30 + i)) / TCPerror(sport=80, dport=42000 + i)
        frames += [flow, icmp]
    out = default.forward(frames, "flows and their frag-needed")
    for i in range(0, len(out), 2):
        assert outer_dst(out[i]) == outer_dst(out[i + 1])
        assert udp_sport(out[i]) == udp_sport(out[i + 1])  # hint = the quoted destination port


def test_icmpv6_packet_too_big_goes_where_its_flow_goes(default):
    frames = []
    for i in range(4):
        frames.append(tcp6(client6(30 + i), VIP_WEB6, 43000 + i, 80, flags="A"))
        frames.append(eth() / IPv6(src="2001:db8:ff::1", dst=VIP_WEB6) /
                      ICMPv6PacketTooBig(mtu=1280) /
                      IPv6(src=VIP_WEB6, dst=client6(30 + i)) / TCP(sport=80, dport=43000 + i))
    out = default.forward(frames, "IPv6 flows and their packet-too-big")
    for i in range(0, len(out), 2):
        assert outer_dst(out[i]) == outer_dst(out[i + 1])
        assert udp_sport(out[i]) == udp_sport(out[i + 1])
        assert out[i + 1][14 + 20 + 8 + 1] == 41


def test_icmp_frag_needed_reads_the_quoted_header_length(default):
    quoted = ipv4_with_options(9, VIP_WEB, client(33), 80, 42033)[14:14 + 36 + 8]
    assert IP(quoted).ihl == 9
    flow = tcp4(client(33), VIP_WEB, 42033, 80, flags="A")
    icmp = eth() / IP(src="198.51.100.254", dst=VIP_WEB) / ICMP(type=3, code=4) / Raw(quoted)
    out = default.forward([flow, icmp], "frag-needed quoting a header with options")
    assert (outer_dst(out[0]), udp_sport(out[0])) == (outer_dst(out[1]), udp_sport(out[1]))


def test_icmp_error_for_a_port_nobody_binds_is_not_forwarded(default):
    icmp = eth() / IP(src="198.51.100.254", dst=VIP_WEB) / ICMP(type=3, code=4) / \
        IPerror(src=VIP_WEB, dst=client(1)) / TCPerror(sport=81, dport=42000)
    default.drop([icmp], sentinel(), m.NO_MATCH, "frag-needed quoting VIP:81")


def test_other_icmp_types_are_not_forwarded(default):
    frames = [
        eth() / IP(src=client(1), dst=VIP_WEB) / ICMP(type=3, code=3) /
        IPerror(src=VIP_WEB, dst=client(1)) / TCPerror(sport=80, dport=42000),
        eth() / IP(src=client(1), dst=VIP_WEB) / ICMP(type=0),  # echo reply
    ]
    default.drop(frames, sentinel(), m.UNSUPPORTED, "port unreachable, echo reply")


def test_other_ip_protocols_are_not_forwarded(default):
    default.drop([eth() / IP(src=client(1), dst=VIP_WEB, proto=47) / Raw(b"\0" * 24),  # GRE
                  eth() / IP(src=client(1), dst=VIP_WEB, proto=132) / Raw(b"\0" * 24),  # SCTP
                  eth() / IPv6(src=client6(1), dst=VIP_WEB6, nh=59),  # no next header
                  eth() / IPv6(src=client6(1), dst=VIP_WEB6, nh=132) / Raw(b"\0" * 24)],
                 sentinel(), m.UNSUPPORTED, "GRE, SCTP, IPv6 no-next-header")


def test_icmp_echo_request_v4_goes_to_the_first_table_whose_prefix_holds_it(default):
    frames = [eth() / IP(src=client(i), dst=VIP_BOTH, id=1000 + 77 * i) / ICMP(type=8, id=i)
              for i in range(4)]
    frames.append(eth() / IP(src=client(9), dst="192.0.2.70", id=65535) / ICMP(type=8))
    for f in frames[:4]:
        assert default.route(f).table == FIRST
    assert default.route(frames[4]).table == CIDR
    default.forward(frames, "echo requests")


def test_icmpv6_echo_request_uses_the_flow_label_as_hint(default):
    frames = [eth() / IPv6(src=client6(i), dst=VIP_WEB6, fl=0x10000 * (i % 2) + 4321 * i) /
              ICMPv6EchoRequest(id=i) for i in range(4)]
    frames.append(eth() / IPv6(src=client6(9), dst=str(NET_DNS6[77])) / ICMPv6EchoRequest())
    default.forward(frames, "ICMPv6 echo requests")


def test_echo_request_outside_every_prefix_is_not_forwarded(default):
    default.drop([eth() / IP(src=client(1), dst=VIP_NONE) / ICMP(type=8),
                  eth() / IPv6(src=client6(1), dst="2001:db8:10:99::1") / ICMPv6EchoRequest()],
                 sentinel(), m.NO_MATCH, "echo outside the binds")


# ---- fragments ------------------------------------------------------------
#
# IPv4 fragments go through a pcap file, not the veth: DPDK 22.11's
# net_af_packet joins a PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG,
# so the kernel reassembles IPv4 fragments before the director sees them and
# holds a lone fragment until it times out.  IPv6 fragments are not touched.


def frag4(src, dst, proto, offset, mf=False, payload=b"d" * 64, ip_id=5):
    return eth() / IP(src=src, dst=dst, proto=proto, id=ip_id, frag=offset,
                      flags="MF" if mf else 0) / Raw(payload)


def test_non_first_fragment_forwarded_when_one_table_takes_it(lab):
    lab.pcap_check(DEFAULT, TABLES, [
        (frag4(client(40), VIP_WEB, 6, 185), None),              # TCP to 192.0.2.10: "web" only
        (frag4(client(41), VIP_DNS, 17, 100, mf=True), None),    # UDP to 192.0.2.20: "dns" only
        (frag4(client(42), VIP_SECOND, 6, 1), None),              # TCP to 192.0.2.31: "second"
        (frag4(client(43), VIP_BOTH, 6, 200), m.FRAGMENT),        # "first" and "second"
        (frag4(client(44), VIP_WEB, 17, 100), m.FRAGMENT),        # no UDP bind on .10
        (frag4(client(45), VIP_NONE, 6, 100), m.FRAGMENT),        # no bind at all
    ], "IPv4 non-first fragments, hash_fields src_addr")


def test_ipv6_non_first_fragment_forwarded_when_one_table_takes_it(default):
    frames = [eth() / IPv6(src=client6(40), dst=str(NET_DNS6[5])) /
              IPv6ExtHdrFragment(nh=17, offset=100, m=0, id=77) / Raw(b"g" * 32),
              eth() / IPv6(src=client6(41), dst=VIP_WEB6) / IPv6ExtHdrHopByHop() /
              IPv6ExtHdrFragment(nh=6, offset=3, m=1, id=78) / Raw(b"g" * 32)]
    for f in frames:
        assert default.route(f).hops, f.summary()
    default.forward(frames, "IPv6 non-first fragments, hash_fields src_addr")


def test_ipv6_non_first_fragment_dropped_without_a_single_table(default):
    default.drop([eth() / IPv6(src=client6(40), dst=VIP_WEB6) /
                  IPv6ExtHdrFragment(nh=17, offset=100, id=77) / Raw(b"g" * 32)],
                 sentinel(), m.FRAGMENT, "UDP fragment to a TCP-only address")


def test_first_fragment_is_hashed_with_its_ports(lab):
    first = eth() / IP(src=client(46), dst=VIP_WEB, id=7, flags="MF") / \
        TCP(sport=4242, dport=80) / Raw(b"h" * 64)
    lab.pcap_check(DEFAULT, TABLES, [
        (first, None),
        (eth() / IP(src=client(46), dst=VIP_WEB, id=7, flags="MF") / TCP(sport=4242, dport=81) /
         Raw(b"h" * 64), m.NO_MATCH),
    ], "IPv4 first fragments")
    # IPv6 first fragments cross the veth
    lab.director(DEFAULT, TABLES)
    lab.forward([eth() / IPv6(src=client6(46), dst=VIP_WEB6) / IPv6ExtHdrFragment(m=1, id=9) /
                 TCP(sport=4242, dport=80) / Raw(b"h" * 64)], "IPv6 first fragment")


# ---- tables without backends, malformed and foreign frames -----------------


def test_table_without_usable_backend_drops(default):
    dead = tcp4(client(1), VIP_DEAD, 7000, 80)
    assert m.classify(m.parse_frame(bytes(dead)), default.current.tables, DEFAULT) == DEAD
    default.drop([tcp4(client(i), VIP_DEAD, 7000 + i, 80) for i in range(4)] +
                 [eth() / IP(src=client(5), dst=VIP_DEAD) / ICMP(type=8)],
                 sentinel(), m.NO_BACKEND_DROP, "every backend of 'dead' is inactive")


MALFORMED = {
    "ipv4 total length past the frame":
        bytes(tcp4(client(1), VIP_WEB, 1, 80, len=120)),
    "ipv4 total length shorter than its header":
        bytes(tcp4(client(1), VIP_WEB, 1, 80, len=16)),
    "ipv4 ihl 4":
        bytes(tcp4(client(1), VIP_WEB, 1, 80, ihl=4)),
    "ipv4 ihl 0":
        bytes(tcp4(client(1), VIP_WEB, 1, 80, ihl=0)),
    "ipv4 ihl 15 past the total length":
        bytes(tcp4(client(1), VIP_WEB, 1, 80, ihl=15)),
    "tcp cut to 3 bytes":
        bytes(eth() / IP(src=client(1), dst=VIP_WEB, proto=6) / Raw(b"\x9c\x40\x00")),
    "udp cut to 3 bytes":
        bytes(eth() / IP(src=client(1), dst=VIP_DNS, proto=17) / Raw(b"\x9c\x40\x00")),
    "ipv4 header cut":
        bytes(tcp4(client(1), VIP_WEB, 1, 80))[:14 + 12],
    "ipv6 payload length past the frame":
        bytes(tcp6(client6(1), VIP_WEB6, 1, 80, plen=200)),
    "ipv6 header cut":
        bytes(tcp6(client6(1), VIP_WEB6, 1, 80))[:14 + 30],
    "ipv6 hop-by-hop running past the packet":
        bytes(eth() / IPv6(src=client6(1), dst=VIP_WEB6, nh=0, plen=8) /
              Raw(bytes([6, 4]) + b"\x01\x04\0\0\0\0")),
    "ipv6 tcp cut to 3 bytes":
        bytes(eth() / IPv6(src=client6(1), dst=VIP_WEB6, nh=6) / Raw(b"\x9c\x40\x00")),
    "ipv6 packet-too-big quoting 2 bytes of ports":
        bytes(eth() / IPv6(src="2001:db8:ff::1", dst=VIP_WEB6) / ICMPv6PacketTooBig() /
              Raw(bytes(IPv6(src=VIP_WEB6, dst=client6(1), nh=6))[:40] + b"\0\x50")),
    "ipv4 frag-needed quoting a cut header":
        bytes(eth() / IP(src="198.51.100.254", dst=VIP_WEB) / ICMP(type=3, code=4) /
              Raw(bytes(IPerror(src=VIP_WEB, dst=client(1), proto=6))[:16])),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_packet_is_dropped(default, name):
    default.drop([MALFORMED[name]], sentinel(), m.MALFORMED, name)


def test_non_ip_frames_are_not_forwarded(default):
    frames = [eth() / ARP(op=1, psrc=client(1), pdst=VIP_WEB),
              Ether(dst="01:80:c2:00:00:0e", src=eth().src, type=0x88CC) / Raw(b"\0" * 46)]  # LLDP
    default.drop(frames, sentinel(), m.NOT_IP, "ARP, LLDP")


def test_a_large_packet_is_forwarded_whole(default):
    big = tcp4(client(50), VIP_WEB, 5050, 80, flags="A") / Raw(bytes(range(256)) * 5)
    assert len(bytes(big)) - 14 == 1320
    default.forward([big], "1320-byte IPv4 packet")


# ---- other configurations -------------------------------------------------


def test_all_four_hash_fields_pick_the_row_from_the_whole_tuple(lab):
    lab.director(ALL_FIELDS, TABLES)
    frames = [tcp4(client(60), VIP_WEB, 30000 + 7 * i, 80) for i in range(16)]
    frames += [tcp4(client(60), VIP_WEB, 30000, p) for p in (8000, 8050)]
    frames += [tcp6(client6(60), VIP_WEB6, 30000 + i, 80) for i in range(4)]
    out = lab.forward(frames, "hash_fields: all four")
    # one client, many rows: the ports really are hashed
    assert len({outer_dst(f) for f in out[:16]}) >= 2


def test_non_first_fragment_dropped_when_ports_are_hashed(lab):
    lab.director(ALL_FIELDS, TABLES)
    lab.drop([eth() / IPv6(src=client6(40), dst=str(NET_DNS6[5])) /
              IPv6ExtHdrFragment(nh=17, offset=100, id=77) / Raw(b"g" * 32)],
             sentinel(), m.FRAGMENT, "IPv6 non-first fragment, ports hashed")
    lab.pcap_check(ALL_FIELDS, TABLES, [
        (frag4(client(40), VIP_WEB, 6, 185), m.FRAGMENT),
        (frag4(client(41), VIP_DNS, 17, 100, mf=True), m.FRAGMENT),
        (tcp4(client(40), VIP_WEB, 999, 80), None),
    ], "IPv4 non-first fragments, ports hashed")


def test_alt_hash_fields_add_hops_three_and_four(lab):
    lab.director(ALT, TABLES)
    frames = [tcp4(client(i), VIP_WEB, 20000 + 31 * i, 80) for i in range(12)]
    frames += [tcp6(client6(i), VIP_WEB6, 20000 + i, 80) for i in range(3)]
    frames += [udp4(client(3), VIP_DNS, 999, 53)]
    out = lab.forward(frames, "alt_hash_fields src_addr+src_port")
    for f in out:
        assert f[14 + 20 + 8] == 4 and f[14 + 20 + 8 + 7] == 3  # hlen 4, hop_count 3


def test_echo_requests_dropped_when_ping_forwarding_is_off(lab):
    lab.director(ECHO_OFF, TABLES)
    lab.drop([eth() / IP(src=client(1), dst=VIP_WEB, id=3) / ICMP(type=8),
              eth() / IPv6(src=client6(1), dst=VIP_WEB6) / ICMPv6EchoRequest()],
             sentinel(), m.ECHO_DISABLED, "forward_icmp_ping_responses: false")
    # everything else is unchanged
    lab.forward([tcp4(client(2), VIP_WEB, 1, 80),
                 eth() / IP(src="198.51.100.254", dst=VIP_WEB) / ICMP(type=3, code=4) /
                 IPerror(src=VIP_WEB, dst=client(2)) / TCPerror(sport=80, dport=1)],
                "TCP and frag-needed with ping forwarding off")

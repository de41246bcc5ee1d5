# SPDX-License-Identifier: BSD-3-Clause
"""The model the director tests trust, checked on its own: SipHash against the
published vectors, the table reader against the contract's check vectors and
an independent SPEC §4 computation, and the packet model against Scapy's
decoding of the same bytes.

Run: /usr/bin/python3 -m pytest -q tests/director/test_model.py
"""

import ipaddress
import json
import struct

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, TCPerror
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

import dirlab
import glbmodel as m
from glbnet import tables as gtables
from glbnet.paths import VECTORS

# The 64 SipHash-2-4 vectors of the reference implementation (key 00..0f,
# message 00..n-1), as the u64 the 8 output bytes give read little-endian.
SIPHASH_VECTORS = [
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
    0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
    0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
    0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
    0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
    0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
]

KEY = bytes(range(16))


@pytest.mark.parametrize("n", range(64))
def test_siphash_matches_reference_vector(n):
    assert m.siphash24(KEY, bytes(range(n))) == struct.pack("<Q", SIPHASH_VECTORS[n])


@pytest.mark.parametrize("n, hexbytes", [(0, "310e0edd47db6f72"), (12, "fbe50e86bc8f1e75"),
                                         (15, "e545be4961ca29a1")])
def test_siphash_matches_contract_vectors(n, hexbytes):
    assert m.siphash24(KEY, bytes(range(n))).hex() == hexbytes


# ---- the binary table reader, on the contract's check vector ----


@pytest.fixture(scope="module")
def vector_tables(tmp_path_factory):
    src = VECTORS / "table-example.json"
    tables = json.loads(src.read_text())["tables"]
    out = gtables.compile_table(src, tmp_path_factory.mktemp("vec") / "example.bin")
    return m.read_table_file(out), tables, out


@pytest.mark.parametrize("t, row, expected", [
    (0, 0, (1, 2)), (0, 1, (0, 1)), (0, 2, (0, 1)), (0, 65535, (0, 1)),
    (1, 0, (0, 3)), (1, 1, (2, 4)), (1, 2, (5, 4)), (1, 65535, (0, 4)),
])
def test_table_reader_gives_the_vector_rows(vector_tables, t, row, expected):
    tables, _, _ = vector_tables
    assert tables[t].row(row) == expected


def test_table_reader_gives_backends_binds_and_key(vector_tables):
    tables, src, _ = vector_tables
    t0 = tables[0]
    assert [str(b.ip) for b in t0.backends] == [b["ip"] for b in src[0]["backends"]]
    assert [b.state for b in t0.backends] == [m.STATE_ACTIVE, m.STATE_ACTIVE, m.STATE_DRAINING,
                                              m.STATE_ACTIVE, m.STATE_DRAINING]
    assert [b.health for b in tables[1].backends] == [1, 0, 1, 0, 1, 1]
    assert t0.hash_key == bytes.fromhex(src[0]["hash_key"])
    assert t0.binds == [
        m.Bind(ipaddress.ip_network("192.0.2.80/32"), m.IPPROTO_TCP, 80, 80),
        m.Bind(ipaddress.ip_network("192.0.2.0/28"), m.IPPROTO_TCP, 8000, 8080),
        m.Bind(ipaddress.ip_network("2001:db8:80::1/128"), m.IPPROTO_TCP, 443, 443),
    ]


def _spec4_row(table_json, r):
    """SPEC §4 for one row, straight from the JSON (an independent check of the reader)."""
    seed = bytes.fromhex(table_json["seed"])
    row_seed = m.siphash24(seed, struct.pack(">I", r))
    live = [(i, b) for i, b in enumerate(table_json["backends"]) if b["state"] != "inactive"]
    ranked = sorted(live, key=lambda ib: struct.unpack(">Q", m.siphash24(
        seed, row_seed + ipaddress.ip_address(ib[1]["ip"]).packed))[0])
    usable = [i for i, b in ranked if b.get("healthy", True) and b["state"] != "draining"]
    primary, secondary = ranked[0][0], ranked[1][0] if len(ranked) > 1 else ranked[0][0]
    pb = table_json["backends"][primary]
    if pb["state"] == "draining" or not pb.get("healthy", True):
        primary, secondary = usable[0], primary
    return primary, secondary


@pytest.mark.parametrize("t", [0, 1])
def test_table_reader_rows_agree_with_spec4_on_a_sample(vector_tables, t):
    tables, src, _ = vector_tables
    for r in list(range(0, 65536, 1021)) + [65535]:
        assert tables[t].row(r) == _spec4_row(src[t], r), f"table {t} row {r}"


def test_table_reader_rejects_a_truncated_file(vector_tables, tmp_path):
    bad = tmp_path / "short.bin"
    bad.write_bytes(vector_tables[2].read_bytes()[:-1])
    with pytest.raises(ValueError):
        m.read_table_file(bad)


# ---- the packet model, on hand-made tables ----

VIP = "192.0.2.10"
VIP6 = "2001:db8:10::10"
CLIENT = "198.51.100.7"
CLIENT6 = "2001:db8:c::7"
MAC_D, MAC_C = "02:00:00:00:00:d0", "02:00:00:00:00:c1"


def _tables():
    key = bytes(range(16))
    t0 = m.Table([m.Backend(ipaddress.ip_address(f"10.0.0.{i}"), 1, 1) for i in (1, 2, 3, 4)],
                 [m.Bind(ipaddress.ip_network(VIP + "/32"), m.IPPROTO_TCP, 80, 80),
                  m.Bind(ipaddress.ip_network(VIP + "/32"), m.IPPROTO_TCP, 8000, 8080),
                  m.Bind(ipaddress.ip_network("2001:db8:10::/64"), m.IPPROTO_TCP, 443, 443)],
                 key, m.array("I", [i % 4 for i in range(2 * 65536)]))
    t1 = m.Table([m.Backend(ipaddress.ip_address("10.0.1.1"), 1, 1)],
                 [m.Bind(ipaddress.ip_network("192.0.2.0/24"), m.IPPROTO_TCP, 80, 80),
                  m.Bind(ipaddress.ip_network("192.0.2.0/24"), m.IPPROTO_UDP, 53, 53)],
                 bytes(16), m.array("I", [0] * (2 * 65536)))
    t2 = m.Table([m.Backend(ipaddress.ip_address("10.0.2.1"), 2, 1)],
                 [m.Bind(ipaddress.ip_network("203.0.113.1/32"), m.IPPROTO_TCP, 80, 80)],
                 bytes(16), m.array("I", [m.NO_BACKEND] * (2 * 65536)))
    return [t0, t1, t2]


CONF = m.DirectorConfig(gateway_mac="02:00:00:00:00:99", src_ip="10.99.0.1")


def _eth():
    return Ether(dst=MAC_D, src=MAC_C)


def test_encapsulation_decodes_as_spec6_says():
    pkt = _eth() / IP(src=CLIENT, dst=VIP, id=777) / TCP(sport=40000, dport=80, flags="S")
    out = m.expected_output(bytes(pkt), _tables(), CONF, MAC_D)
    flow = m.parse_frame(bytes(pkt))
    h = m.flow_hash(bytes(range(16)), flow, ("src_addr",))
    assert h == struct.unpack("<Q", m.siphash24(bytes(range(16)),
                                                 ipaddress.ip_address(CLIENT).packed))[0]
    p, s = _tables()[0].row(h & 0xFFFF)
    o = Ether(out)
    assert (o.dst, o.src, o.type) == ("02:00:00:00:00:99", MAC_D, 0x0800)
    ip = o[IP]
    assert (ip.version, ip.ihl, ip.tos, ip.id, int(ip.flags), ip.frag, ip.ttl, ip.proto) == \
        (4, 5, 0, 0, 2, 0, 64, 17)
    assert (ip.src, ip.dst) == ("10.99.0.1", f"10.0.0.{p + 1}")
    assert m.ipv4_checksum(out[14:34]) == 0
    rebuilt = ip.copy()
    del rebuilt.chksum  # Scapy recomputes what is deleted
    assert IP(bytes(rebuilt)).chksum == ip.chksum
    assert o[UDP].sport == 0x8000 | ((h ^ 40000) & 0x7FFF)
    assert (o[UDP].dport, o[UDP].chksum, o[UDP].len) == (19523, 0, ip.len - 20)
    gue = bytes(o[UDP].payload)
    assert gue[:8] == bytes([2, 4, 0, 0, 0, 0, 0, 1])
    assert gue[8:12] == ipaddress.ip_address(f"10.0.0.{s + 1}").packed
    assert gue[12:] == bytes(pkt[IP])


def test_ethernet_padding_is_not_encapsulated():
    pkt = _eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=1, dport=80)
    padded = bytes(pkt) + b"\0" * 6
    assert len(padded) == 60
    assert m.expected_output(padded, _tables(), CONF, MAC_D) == \
        m.expected_output(bytes(pkt), _tables(), CONF, MAC_D)


@pytest.mark.parametrize("dport, expected", [(7999, m.NO_MATCH), (8000, 0), (8080, 0),
                                             (8081, m.NO_MATCH)])
def test_port_range_edges(dport, expected):
    pkt = _eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=1, dport=dport)
    assert m.classify(m.parse_frame(bytes(pkt)), _tables(), CONF) == expected


def test_first_matching_table_wins():
    pkt = _eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=1, dport=80)
    assert m.classify(m.parse_frame(bytes(pkt)), _tables(), CONF) == 0
    pkt = _eth() / IP(src=CLIENT, dst="192.0.2.11") / TCP(sport=1, dport=80)
    assert m.classify(m.parse_frame(bytes(pkt)), _tables(), CONF) == 1


def test_icmp_frag_needed_is_hashed_like_the_flow_it_quotes():
    flow = m.parse_frame(bytes(_eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=40000, dport=80)))
    icmp = _eth() / IP(src="192.0.2.254", dst=VIP) / ICMP(type=3, code=4, nexthopmtu=1400) / \
        IPerror(src=VIP, dst=CLIENT) / TCPerror(sport=80, dport=40000)
    err = m.parse_frame(bytes(icmp))
    assert (err.kind, err.src, err.dst, err.sport, err.dport, err.hint) == \
        (m.KIND_ICMP_ERROR, flow.src, flow.dst, 40000, 80, 40000)
    r_flow, r_err = m.route(flow, _tables(), CONF), m.route(err, _tables(), CONF)
    assert (r_flow.hops, r_flow.hash) == (r_err.hops, r_err.hash)
    assert err.inner == bytes(icmp[IP])


def test_icmpv6_packet_too_big_is_hashed_like_the_flow_it_quotes():
    icmp = _eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) / \
        IPv6(src=VIP6, dst=CLIENT6) / TCP(sport=443, dport=50000)
    err = m.parse_frame(bytes(icmp))
    assert (str(err.src), str(err.dst), err.sport, err.dport, err.hint, err.inner_family) == \
        (CLIENT6, VIP6, 50000, 443, 50000, m.FAMILY_IPV6)


def test_echo_is_matched_by_prefix_with_id_or_flow_label_hint():
    echo = m.parse_frame(bytes(_eth() / IP(src=CLIENT, dst="192.0.2.99", id=4242) / ICMP()))
    assert (echo.kind, echo.hint, echo.sport, echo.dport) == (m.KIND_ECHO, 4242, 0, 0)
    assert m.classify(echo, _tables(), CONF) == 1
    echo6 = m.parse_frame(bytes(_eth() / IPv6(src=CLIENT6, dst="2001:db8:10::1", fl=0xABCDE) /
                                ICMPv6EchoRequest()))
    assert (echo6.hint, m.classify(echo6, _tables(), CONF)) == (0xBCDE, 0)
    off = m.DirectorConfig(forward_echo=False)
    assert m.classify(echo, _tables(), off) == m.ECHO_DISABLED


def test_non_first_fragments_need_one_table_and_no_hashed_port():
    frag = _eth() / IP(src=CLIENT, dst=VIP, proto=6, frag=100) / Raw(b"x" * 16)
    flow = m.parse_frame(bytes(frag))
    assert (flow.kind, flow.hint) == (m.KIND_FRAGMENT, 0)
    # 192.0.2.10 TCP: table 0 (exact) and table 1 (the /24) both take it
    assert m.classify(flow, _tables(), CONF) == m.FRAGMENT
    frag = _eth() / IP(src=CLIENT, dst="192.0.2.11", proto=6, frag=100) / Raw(b"x" * 16)
    assert m.classify(m.parse_frame(bytes(frag)), _tables(), CONF) == 1
    ports = m.DirectorConfig(hash_fields=("src_addr", "src_port"))
    assert m.classify(m.parse_frame(bytes(frag)), _tables(), ports) == m.FRAGMENT


def test_ipv6_extension_headers_are_walked():
    pkt = _eth() / IPv6(src=CLIENT6, dst=VIP6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / \
        IPv6ExtHdrRouting(addresses=[]) / TCP(sport=5555, dport=443)
    flow = m.parse_frame(bytes(pkt))
    assert (flow.proto, flow.sport, flow.dport) == (m.IPPROTO_TCP, 5555, 443)
    frag = _eth() / IPv6(src=CLIENT6, dst=VIP6) / IPv6ExtHdrFragment(offset=10, nh=6) / \
        Raw(b"y" * 8)
    assert m.parse_frame(bytes(frag)).kind == m.KIND_FRAGMENT


def test_alt_hash_fields_append_the_alt_pair():
    conf = m.DirectorConfig(alt_hash_fields=("src_addr", "src_port"))
    flow = m.parse_frame(bytes(_eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=40000, dport=80)))
    rt = m.route(flow, _tables(), conf)
    alt = m.flow_hash(bytes(range(16)), flow, ("src_addr", "src_port")) & 0xFFFF
    p, s = _tables()[0].row(alt)
    assert rt.hops[2:] == [_tables()[0].backends[p].ip, _tables()[0].backends[s].ip]
    out = m.encapsulate(flow, rt, conf, MAC_D)
    assert out[14 + 20 + 8:14 + 20 + 8 + 8] == bytes([4, 4, 0, 0, 0, 0, 0, 3])


@pytest.mark.parametrize("name, frame, verdict", [
    ("arp", bytes(_eth() / ARP()), m.NOT_IP),
    ("total length past the frame",
     bytes(_eth() / IP(src=CLIENT, dst=VIP, len=200) / TCP(dport=80)), m.MALFORMED),
    ("ihl 4", bytes(_eth() / IP(src=CLIENT, dst=VIP, ihl=4) / TCP(dport=80)), m.MALFORMED),
    ("tcp cut to 3 bytes", bytes(_eth() / IP(src=CLIENT, dst=VIP, proto=6) / Raw(b"\x01\x02\x00")),
     m.MALFORMED),
    ("no backend", bytes(_eth() / IP(src=CLIENT, dst="203.0.113.1") / TCP(dport=80)),
     m.NO_BACKEND_DROP),
    ("udp to a tcp bind", bytes(_eth() / IP(src=CLIENT, dst=VIP) / UDP(dport=80)), m.NO_MATCH),
])
def test_drops(name, frame, verdict):
    assert m.expected_output(frame, _tables(), CONF, MAC_D) == verdict


def test_udp_checksum_normalisation_accepts_only_a_valid_checksum():
    pkt = _eth() / IP(src=CLIENT, dst=VIP) / TCP(sport=1, dport=80)
    out = m.expected_output(bytes(pkt), _tables(), CONF, MAC_D)
    o = Ether(out)
    del o[UDP].chksum  # Scapy computes a valid one
    with_sum = bytes(o)
    assert with_sum[40:42] != b"\0\0"
    assert dirlab.normalise(with_sum) == out
    broken = with_sum[:40] + bytes([with_sum[40] ^ 1]) + with_sum[41:]
    assert dirlab.normalise(broken) != out

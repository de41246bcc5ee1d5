# SPDX-License-Identifier: BSD-3-Clause
"""Golden test over pcap files: a director on
`--vdev=net_pcap0,rx_pcap=IN,tx_pcap=OUT` reads a few hundred mixed frames
(IPv4/IPv6, TCP/UDP, many clients, ICMP errors and echo, IPv4 fragments,
and frames it must drop) and must write exactly the frames glbmodel
computes, in the same order (one RX queue, run to completion), and count
every frame it did not send as a drop.

Run: /usr/bin/python3 -m pytest -q tests/director/test_pcap_golden.py
"""

import random

import pytest
from scapy.layers.inet import ICMP, IP, TCP, IPerror, TCPerror, UDPerror
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt
from scapy.layers.l2 import ARP
from scapy.packet import Raw

import glbmodel as m
from dirlab import (DEFAULT, NET_DNS6, TABLES, VIP_BOTH, VIP_DEAD, VIP_DNS, VIP_NONE, VIP_SECOND,
                 VIP_WEB, VIP_WEB6, client, client6, eth, tcp4, tcp6, udp4, udp6)

SEED = 20240519
ALT_AND_PORTS = m.DirectorConfig(hash_fields=("src_addr", "dst_addr", "src_port"),
                                 alt_hash_fields=("src_addr",))


def mixed_frames(rng: random.Random):
    """A reproducible mix of what a director sees."""
    frames = []
    port = lambda: rng.randrange(1024, 65536)  # noqa: E731
    for i in range(150):
        dst, dport = rng.choice([(VIP_WEB, 80), (VIP_WEB, rng.randrange(8000, 8081)),
                                 (f"192.0.2.{rng.randrange(64, 128)}", 443), (VIP_BOTH, 25),
                                 (VIP_SECOND, 587)])
        frames.append(tcp4(client(rng.randrange(500)), dst, port(), dport,
                           flags=rng.choice(["S", "A", "PA"]), id=rng.randrange(65536)) /
                      Raw(rng.randbytes(rng.randrange(0, 200))))
    for i in range(60):
        frames.append(tcp6(client6(rng.randrange(5000)), VIP_WEB6, port(), 80,
                           fl=rng.randrange(1 << 20)) / Raw(rng.randbytes(rng.randrange(0, 100))))
    for i in range(50):
        frames.append(udp4(client(rng.randrange(500)), VIP_DNS, port(), 53,
                           payload=rng.randbytes(rng.randrange(0, 80))))
    for i in range(30):
        frames.append(udp6(client6(rng.randrange(5000)), str(NET_DNS6[rng.randrange(1 << 16)]),
                           port(), 53, payload=rng.randbytes(rng.randrange(0, 80))))
    for i in range(12):
        c, p = client(rng.randrange(500)), port()
        frames.append(eth() / IP(src="203.0.113.254", dst=VIP_WEB) /
                      ICMP(type=3, code=4, nexthopmtu=1400) / IPerror(src=VIP_WEB, dst=c) /
                      TCPerror(sport=80, dport=p))
        frames.append(eth() / IP(src="203.0.113.254", dst=VIP_DNS) /
                      ICMP(type=3, code=4, nexthopmtu=1400) / IPerror(src=VIP_DNS, dst=c) /
                      UDPerror(sport=53, dport=p))
        frames.append(eth() / IPv6(src="2001:db8:ff::1", dst=VIP_WEB6) / ICMPv6PacketTooBig() /
                      IPv6(src=VIP_WEB6, dst=client6(i)) / TCP(sport=80, dport=p))
        frames.append(eth() / IP(src=c, dst=rng.choice([VIP_WEB, VIP_BOTH, "192.0.2.99"]),
                                 id=rng.randrange(65536)) / ICMP(type=8))
        frames.append(eth() / IPv6(src=client6(i), dst=VIP_WEB6, fl=rng.randrange(1 << 20)) /
                      IPv6ExtHdrDestOpt() / ICMPv6EchoRequest())
        # IPv4 fragments: only .10 TCP / .20 UDP have a single table
        frames.append(eth() / IP(src=c, dst=rng.choice([VIP_WEB, VIP_DNS, VIP_BOTH]),
                                 proto=rng.choice([6, 17]), frag=rng.randrange(1, 8000),
                                 id=rng.randrange(65536)) / Raw(rng.randbytes(24)))
    # what must not come out
    for i in range(8):
        frames.append(tcp4(client(i), VIP_NONE, port(), 80))
        frames.append(tcp4(client(i), VIP_DEAD, port(), 80))
        frames.append(udp4(client(i), VIP_WEB, port(), 80))
        frames.append(tcp4(client(i), VIP_WEB, port(), rng.choice([79, 81, 7999, 8081])))
        frames.append(tcp4(client(i), VIP_WEB, port(), 80, len=400))
        frames.append(tcp6(client6(i), VIP_WEB6, port(), 80, plen=300))
    frames.append(eth() / ARP(pdst=VIP_WEB))
    frames.append(bytes(tcp4(client(1), VIP_WEB, 1, 80))[:13])  # a runt, shorter than Ethernet
    frames.append(bytes(tcp4(client(1), VIP_WEB, 1, 80))[:14 + 19])  # 19 bytes of IPv4
    frames.append(bytes(tcp4(client(1), VIP_WEB, 1, 80)) + b"\xaa" * 20)  # trailing padding
    rng.shuffle(frames)
    return [bytes(f) for f in frames]


@pytest.mark.parametrize("conf", [DEFAULT, ALT_AND_PORTS], ids=["default", "alt-and-ports"])
def test_pcap_golden(lab, conf):
    frames = mixed_frames(random.Random(SEED))
    tables = m.read_table_file(lab.table_bin(TABLES))
    cases = []
    for f in frames:
        e = m.expected_output(f, tables, conf, "00:00:00:00:00:00")
        cases.append((f, e if isinstance(e, m.Drop) else None))
    forwarded = sum(v is None for _, v in cases)
    # the mix must exercise both sides
    assert forwarded >= 250 and len(frames) - forwarded >= 40, (forwarded, len(frames))
    lab.pcap_check(conf, TABLES, cases, f"golden pcap, {len(frames)} frames")

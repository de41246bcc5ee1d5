# SPDX-License-Identifier: BSD-3-Clause
"""GLB's distributor layout end to end: lcore 0 receives, distributes
(rte_distributor, burst mode) and transmits, one worker on lcore 1
classifies, hashes and encapsulates.  Same expectations as the
run-to-completion tests; packets of different flows may come out in any
order, so outputs are compared as sets of whole frames.

Run: /usr/bin/python3 -m pytest -q tests/director/test_distributor.py
"""

import pytest
from scapy.layers.inet import ICMP, IP, TCP, IPerror, TCPerror
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6
from scapy.layers.l2 import ARP

import glbmodel as m
from dirlab import (DISTRIBUTOR, TABLES, VIP_BOTH, VIP_DEAD, VIP_DNS, VIP_NONE, VIP_WEB, VIP_WEB6,
                 client, client6, eth, sentinel, tcp4, tcp6, udp4, udp6)


@pytest.fixture
def dist(lab):
    lab.director(DISTRIBUTOR, TABLES)
    return lab


def test_distributor_forwards_tcp_and_udp_of_many_clients(dist):
    frames = [tcp4(client(i), VIP_WEB, 10000 + i, 80) for i in range(0, 300, 11)]
    frames += [tcp4(client(i), VIP_BOTH, 10000 + i, 25) for i in range(5)]
    frames += [udp4(client(i), VIP_DNS, 20000 + i, 53) for i in range(5)]
    frames += [tcp6(client6(i), VIP_WEB6, 30000 + i, 80) for i in range(5)]
    frames += [udp6(client6(i), "2001:db8:10:20::1", 30000 + i, 53) for i in range(5)]
    dist.forward(frames, "distributor: TCP/UDP, IPv4/IPv6", ordered=False)


def test_distributor_forwards_icmp_errors_and_echo(dist):
    frames = [
        eth() / IP(src="198.51.100.254", dst=VIP_WEB) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IPerror(src=VIP_WEB, dst=client(1)) / TCPerror(sport=80, dport=4000),
        eth() / IPv6(src="2001:db8:ff::1", dst=VIP_WEB6) / ICMPv6PacketTooBig(mtu=1280) /
        IPv6(src=VIP_WEB6, dst=client6(1)) / TCP(sport=80, dport=4000),
        eth() / IP(src=client(2), dst=VIP_WEB, id=4321) / ICMP(type=8),
        eth() / IPv6(src=client6(2), dst=VIP_WEB6, fl=0x54321) / ICMPv6EchoRequest(),
    ]
    dist.forward(frames, "distributor: ICMP", ordered=False)


def test_distributor_drops_what_it_must(dist):
    dist.drop([tcp4(client(1), VIP_NONE, 1, 80), udp4(client(1), VIP_WEB, 1, 80)], sentinel(),
              m.NO_MATCH, "distributor: no bind")
    dist.drop([tcp4(client(1), VIP_DEAD, 1, 80)], sentinel(), m.NO_BACKEND_DROP,
              "distributor: no backend")
    dist.drop([tcp4(client(1), VIP_WEB, 1, 80, len=200), tcp4(client(1), VIP_WEB, 1, 80, ihl=4)],
              sentinel(), m.MALFORMED, "distributor: malformed")
    dist.drop([eth() / ARP(pdst=VIP_WEB)], sentinel(), m.NOT_IP, "distributor: ARP")

# SPDX-License-Identifier: BSD-3-Clause
"""The exception path (director.conf "exception_tap"): what the director does
not forward is handed to a TAP interface in its own namespace, and what the
kernel writes to that TAP goes out of the port, so a director host can still
answer ARP and ping for its own addresses on the data-path port.

    test ns                    director ns
    glbd1 ──── veth ──── glbd0 ─ glb-director ─ TAP glbexc0 (10.99.9.1/24,
    10.99.9.2 (scapy)           (net_af_packet)    the port's MAC)

Run: /usr/bin/python3 -m pytest -q tests/director/test_exception.py
"""

import dataclasses
import re
import subprocess
import time

import pytest
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import ARP, Ether

from glbnet.paths import CLI
from glbnet.util import sh

import dirlab
import glbmodel as m
from dirlab import TABLES, TEST_MAC, VIP_WEB, client, tcp4

TAP = "glbexc0"
TAP_IP, PEER_IP = "10.99.9.1", "10.99.9.2"
EXCEPTION = dataclasses.replace(m.DirectorConfig(), exception_tap=TAP)
TAP_TIMEOUT_S = 10.0
COUNT_TIMEOUT_S = 5.0
# IEEE 802 local experimental EtherType: the director hands it to the kernel
# (not IP), and no kernel on the way answers it
ETH_P_LOCAL_EXP = 0x88B5


def tap_exists(ns):
    return sh("ip", "-n", ns.name, "link", "show", TAP, check=False).returncode == 0


@pytest.fixture(scope="module")
def exc(lab):
    d = lab.director(EXCEPTION, TABLES)
    ns = lab.lab.director_ns
    deadline = time.monotonic() + TAP_TIMEOUT_S
    while not tap_exists(ns):
        assert time.monotonic() < deadline, f"no TAP {TAP} in {ns.name}\n{d.output()}"
        time.sleep(0.1)
    # quiet the TAP: no IPv6 router solicitations in the captures
    ns.sysctl({f"net.ipv6.conf.{TAP}.disable_ipv6": 1})
    ns.ip(f"addr add {TAP_IP}/24 dev {TAP}", f"link set {TAP} up",
          f"neigh replace {PEER_IP} lladdr {TEST_MAC} dev {TAP} nud permanent")
    return lab


def received(frames, layer, pred):
    """The captured frames that carry layer and satisfy pred."""
    out = []
    for f in frames:
        p = Ether(f)
        if layer in p and pred(p):
            out.append(p)
    return out


def test_tap_takes_the_ports_mac(exc):
    mac = exc.current.port_mac()
    out = sh("ip", "-n", exc.lab.director_ns.name, "-br", "link", "show", TAP).stdout
    assert mac and mac in out.lower(), f"TAP {out!r}, port MAC {mac}"


def test_arp_request_is_answered_by_the_kernel_through_the_tap(exc):
    mac = exc.current.port_mac()
    got = exc.port.exchange([arp_request()], 1)
    replies = received(got, ARP, lambda p: p[ARP].op == 2 and p[ARP].psrc == TAP_IP)
    assert replies, f"no ARP reply for {TAP_IP}: got {[dirlab.describe(f) for f in got]}" + \
        exc._fail_context()
    r = replies[0]
    assert (r.src, r.dst, r[ARP].hwsrc, r[ARP].pdst) == (mac, TEST_MAC, mac, PEER_IP)


def test_ping_of_the_hosts_own_address_is_answered_through_the_tap(exc):
    mac = exc.current.port_mac()
    req = Ether(src=TEST_MAC, dst=mac) / IP(src=PEER_IP, dst=TAP_IP) / \
        ICMP(type=8, id=0x4c42, seq=7) / b"second chance"
    got = exc.port.exchange([req], 1)
    replies = received(got, ICMP, lambda p: p[ICMP].type == 0 and p[ICMP].id == 0x4c42)
    assert replies, f"no echo reply from {TAP_IP}: got {[dirlab.describe(f) for f in got]}" + \
        exc._fail_context()
    r = replies[0]
    assert (r.src, r.dst, r[IP].src, r[IP].dst, r[ICMP].seq, bytes(r[ICMP].payload)) == \
        (mac, TEST_MAC, TAP_IP, PEER_IP, 7, b"second chance")


def test_vip_traffic_is_still_encapsulated_with_a_tap(exc):
    exc.forward([tcp4(client(i), VIP_WEB, 40000 + i, 80) for i in range(8)],
                "VIP traffic with an exception TAP")


def arp_request():
    return Ether(src=TEST_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=TEST_MAC, psrc=PEER_IP, pdst=TAP_IP)


def port_stats_after(d, before, what):
    """Port 0's telemetry counters once rx has passed before's."""
    deadline = time.monotonic() + COUNT_TIMEOUT_S
    while True:
        s = d.port_stats()
        if s["rx"] > before["rx"]:
            return s
        assert time.monotonic() < deadline, f"{what}: rx still {s['rx']}\n{d.output(20)}"
        time.sleep(0.05)


def test_a_packet_the_tap_refuses_is_counted_as_to_kernel_full(exc):
    """A TAP that is down refuses what the director writes to it (the tun
    driver answers EIO), as one whose queue is full does: the frame is lost
    and counted as to_kernel_full, not as the reason it was meant for the
    kernel (drop_not_ip here), and `glb-director-cli stats` shows the
    counter."""
    d, ns = exc.current, exc.lab.director_ns
    mac = d.port_mac()
    before = d.port_stats()
    ns.ip(f"link set {TAP} down")
    try:
        exc.port.send([Ether(src=TEST_MAC, dst=mac, type=ETH_P_LOCAL_EXP) / b"for the kernel"])
        after = port_stats_after(d, before, "a frame for a TAP that is down")
    finally:
        # going down flushed the neighbour entry
        ns.ip(f"link set {TAP} up",
              f"neigh replace {PEER_IP} lladdr {TEST_MAC} dev {TAP} nud permanent")
    grew = {k: after[k] - before[k] for k in after if isinstance(after[k], int)
            and after[k] != before[k] and k not in ("ipackets", "opackets")}
    assert grew == {"rx": 1, "to_kernel_full": 1}, grew
    text = subprocess.run([str(CLI), "stats", "--file-prefix", d.file_prefix],
                          capture_output=True, text=True, timeout=COUNT_TIMEOUT_S).stdout
    line = re.search(r"^port 0:.*$", text, re.M)
    assert line and f" to_kernel_full {after['to_kernel_full']}" in line.group(0), text


def test_exception_counters_count_both_directions(exc):
    d = exc.current
    exc.stop()
    c = d.final_counters()
    # the ARP request and the echo request went in; the reply to each came out
    assert c.get("to_kernel", 0) >= 2 and c.get("from_kernel", 0) >= 2, c
    assert c.get("rx") == c.get("tx", 0) - c.get("from_kernel", 0) + c.get("to_kernel", 0) + \
        c.get("to_kernel_full", 0) + sum(v for k, v in c.items() if k.startswith("drop_")), c

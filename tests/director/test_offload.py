# SPDX-License-Identifier: BSD-3-Clause
"""The outer IPv4 header checksum on a port that computes it (SPEC §6: always
valid; the port's job where it offers RTE_ETH_TX_OFFLOAD_IPV4_CKSUM).  DPDK's
net_tap offers it and computes the checksum when the mbuf asks, so the
director runs here on a TAP: it must see the offer, leave the field to the
port and flag every packet, or the frames that reach the kernel carry a
checksum of 0 and differ from the model's.

    director ns:  packet socket ── TAP glbtap0 (kernel side) ── net_tap0 ── glb-director

Run: /usr/bin/python3 -m pytest -q tests/director/test_offload.py
"""

import time

import pytest

from glbnet.util import sh

import dirlab
import glbmodel as m
from dirlab import TABLES, VIP_DNS, VIP_WEB, VIP_WEB6, client, client6, tcp4, tcp6, udp4

TAP = "glbtap0"
TAP_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def tap_director(lab):
    lab.stop()
    d = dirlab.Director(m.DirectorConfig(), lab.table_bin(TABLES), lab.workdir,
                        vdev=f"net_tap0,iface={TAP}", netns=lab.lab.director_ns)
    d.start()
    port = None
    try:
        ns = lab.lab.director_ns
        deadline = time.monotonic() + TAP_TIMEOUT_S
        while sh("ip", "-n", ns.name, "link", "show", TAP, check=False).returncode != 0:
            assert time.monotonic() < deadline, f"no {TAP} in {ns.name}\n{d.output()}"
            time.sleep(0.1)
        # only the frames under test on the TAP: no IPv6 autoconfiguration chatter
        ns.sysctl({f"net.ipv6.conf.{TAP}.disable_ipv6": 1})
        ns.ip(f"link set {TAP} up")
        port = dirlab.PacketPort(ns, TAP)
        yield d, port
    finally:
        if port is not None:
            port.close()
        assert d.stop() == 0, d.output()


def test_director_uses_the_ports_checksum_offload(tap_director):
    d, _ = tap_director
    line = next((ln for ln in d.lines if ln.startswith("glb-director: port 0:")), "")
    assert "net_tap" in line and "IPv4 checksum offloaded" in line, d.output()


def test_offloaded_outer_checksum_is_valid_on_the_wire(tap_director):
    d, port = tap_director
    mac = d.port_mac()
    frames = [tcp4(client(i), VIP_WEB, 41000 + i, 80) for i in range(6)]
    frames += [udp4(client(i), VIP_DNS, 42000 + i, 53) for i in range(3)]
    frames += [tcp6(client6(i), VIP_WEB6, 43000 + i, 80) for i in range(3)]
    frames = [bytes(f) for f in frames]
    expected = [m.expected_output(f, d.tables, d.conf, mac) for f in frames]
    got = port.exchange(frames, len(expected))
    dirlab.assert_frames(expected, got, "encapsulated on a checksum-offloading port")

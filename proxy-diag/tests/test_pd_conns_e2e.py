# SPDX-License-Identifier: BSD-3-Clause
"""glb-proxy-diag conns against real kernel sockets: one line per
connection, the worst first, filtered by peer in the kernel."""

import socket

from pdnet import OK, PEERS4, PEERS6, VIP4, VIP6, settle


def fill_send_queue(s):
    """Write to s until its peer, who never reads, stops taking bytes."""
    s.setblocking(False)
    try:
        while True:
            s.send(b"y" * 65536)
    except BlockingIOError:
        pass


def test_fullest_send_queue_first(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    c, s = net.pair(lst, VIP4, port, PEERS4[1])
    socks += [c, s]
    fill_send_queue(s)
    socks += net.pair(lst, VIP4, port, PEERS4[2])

    def worst():
        doc = net.diag_json("conns", "--vip", f"{VIP4}:{port}", "--sort", "sendq", "--top", "1")
        return doc if doc["list"] and doc["list"][0]["send_queue"] > 0 else None
    doc = settle(worst, "a send queue")
    assert doc["connections"] == 3 and len(doc["list"]) == 1
    top = doc["list"][0]
    assert (top["peer"], top["vip"], top["port"], top["state"]) == (PEERS4[1], VIP4, port,
                                                                    "ESTABLISHED")
    assert top["unacked"] is not None and top["rtt_ms"] is not None
    assert top["bytes_sent"] > 0  # this kernel's tcp_info has it (4.19+)


def test_peer_prefix_selects_in_the_kernel(net, port, socks):
    lst = net.listen("::", port, v6only=False)
    socks.append(lst)
    for src in PEERS4:
        socks += net.pair(lst, VIP4, port, src)
    socks += net.pair(lst, VIP6, port, PEERS6[0])
    vips = ["--vip", f"{VIP4}:{port}", "--vip", f"[{VIP6}]:{port}"]
    one = net.diag_json("conns", *vips, "--peer", PEERS4[1])
    assert [c["peer"] for c in one["list"]] == [PEERS4[1]]
    assert one["connections"] == 1  # the others never left the kernel
    v4 = net.diag_json("conns", *vips, "--peer", "10.241.0.0/24", "--top", "0")
    assert sorted(c["peer"] for c in v4["list"]) == sorted(PEERS4)
    v6 = net.diag_json("conns", *vips, "--peer", "fd00:241::/64")
    assert [c["peer"] for c in v6["list"]] == [PEERS6[0]]


def test_top_limits_and_zero_lists_all(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    for _ in range(25):
        socks += net.pair(lst, VIP4, port, PEERS4[0])
    default = net.diag_json("conns", "--vip", f"{VIP4}:{port}")
    assert (default["connections"], len(default["list"])) == (25, 20)
    every = net.diag_json("conns", "--vip", f"{VIP4}:{port}", "--top", "0", "--sort", "rtt")
    assert len(every["list"]) == 25
    rtts = [c["rtt_ms"] for c in every["list"]]
    assert rtts == sorted(rtts, reverse=True)


def test_listeners_and_time_wait_are_not_connections(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    c, s = net.pair(lst, VIP4, port, PEERS4[0])
    s.close()
    c.settimeout(5)
    c.recv(1)
    c.close()  # TIME-WAIT on the proxy
    doc = net.diag_json("conns", "--vip", f"{VIP4}:{port}")
    assert doc["connections"] == 0 and doc["list"] == []


def test_text_list_has_a_header_and_a_line_per_connection(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    socks += net.pair(lst, VIP4, port, PEERS4[1])
    p = net.diag("conns", "--vip", f"{VIP4}:{port}", check=OK)
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["PEER", "VIP", "STATE", "SEND-Q", "RECV-Q", "RTT-MS", "UNACKED",
                                "LOST", "RETRANS", "BYTES-SENT", "BYTES-RETRANS"]
    assert len(lines) == 4
    assert lines[1].split()[1:3] == [f"{VIP4}:{port}", "ESTABLISHED"]
    assert lines[-1] == "2 of 2 connections, the worst by retrans first"


def test_sockets_of_the_client_side_are_not_counted(net, port, socks):
    # Only the proxy's namespace is asked: the clients' ends are elsewhere.
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    doc = net.diag_json("conns", "--vip", VIP4)
    mine = [c for c in doc["list"] if c["port"] == port]
    assert len(mine) == 1 and mine[0]["peer"] == PEERS4[0]
    assert socket.inet_aton(mine[0]["vip"]) == socket.inet_aton(VIP4)

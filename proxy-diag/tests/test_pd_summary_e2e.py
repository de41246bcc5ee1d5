# SPDX-License-Identifier: BSD-3-Clause
"""glb-proxy-diag summary against real kernel sockets (pdnet.py has the
drawing): known numbers of connections in each state, accept queues that
overflow, SYN cookies, IPv6 and dual-stack listeners, counter deltas.

Run: /usr/bin/python3 -m pytest -q proxy-diag/tests   (as root)
"""

import json
import socket
import time

from pdnet import OK, PEERS4, PEERS6, VIP4, VIP6, settle


def time_wait(net, listener, vip, port, src):
    """A connection the proxy closed first: TIME-WAIT on the proxy's side."""
    c, s = net.pair(listener, vip, port, src)
    s.close()
    c.settimeout(5)
    assert c.recv(1) == b""
    c.close()


def states_are(net, ep, want):
    """The summary's entry for ep once its non-zero states are want."""
    def check():
        e = net.summary(ep)[0][ep]
        return e if {k: v for k, v in e["states"].items() if v} == want else None
    return settle(check, f"{ep}: states {want}")


def test_connections_are_counted_by_state(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    for _ in range(3):
        socks += net.pair(lst, VIP4, port, PEERS4[0])              # ESTABLISHED
    for _ in range(2):
        time_wait(net, lst, VIP4, port, PEERS4[1])                 # TIME-WAIT
    c, s = net.pair(lst, VIP4, port, PEERS4[2])
    s.shutdown(socket.SHUT_WR)                                     # FIN-WAIT-2
    socks += [c, s]
    c, s = net.pair(lst, VIP4, port, PEERS4[2])
    c.shutdown(socket.SHUT_WR)                                     # CLOSE-WAIT
    socks += [c, s]
    net.half_open(port, 2)                                         # SYN-RECV

    e = states_are(net, f"{VIP4}:{port}", {"ESTABLISHED": 3, "TIME-WAIT": 2, "FIN-WAIT-2": 1,
                                           "CLOSE-WAIT": 1, "SYN-RECV": 2})
    assert e["connections"] == 7  # everything but TIME-WAIT
    assert e["listeners"] == 1 and e["wildcard_listeners"] == 0
    assert (e["accept_queue"], e["accept_queue_max"]) == (0, 128)


def test_sockets_of_other_addresses_and_ports_are_left_out(net, port, socks):
    lst = net.listen("0.0.0.0", port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    socks += net.pair(lst, "10.241.0.1", port, PEERS4[0])  # the proxy's own address
    vips, _ = net.summary(f"{VIP4}:{port}", f"{VIP4}:{port + 1000}")
    assert vips[f"{VIP4}:{port}"]["states"]["ESTABLISHED"] == 1
    assert vips[f"{VIP4}:{port}"]["wildcard_listeners"] == 1
    other = vips[f"{VIP4}:{port + 1000}"]
    assert other["connections"] == 0 and other["listeners"] == 0


def test_full_accept_queue_shows_overflows_and_drops_rising(net, port, socks, tmp_path):
    state = str(tmp_path / "counters")
    lst = net.listen(VIP4, port, backlog=4)  # never accepts
    socks.append(lst)
    net.summary(f"{VIP4}:{port}", state_file=state)  # the baseline
    for _ in range(8):
        c = net.client.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((VIP4, port))
        socks.append(c)
    time.sleep(0.5)
    vips, counters = net.summary(f"{VIP4}:{port}", state_file=state)
    e = vips[f"{VIP4}:{port}"]
    # backlog 4 holds 5 (the kernel's "full" is more than the backlog)
    assert (e["accept_queue"], e["accept_queue_max"]) == (5, 4)
    assert counters["basis"] == "last_run" and counters["seconds"] > 0
    tcpext = counters["tcpext"]
    assert tcpext["ListenOverflows"]["delta"] >= 3, tcpext
    assert tcpext["ListenDrops"]["delta"] >= 3, tcpext


def test_syn_cookies_forced_are_counted_over_an_interval(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    net.proxy.sysctl({"net.ipv4.tcp_syncookies": 2})  # a cookie for every SYN
    try:
        proc = net.diag_popen("summary", "--vip", f"{VIP4}:{port}", "--interval", "2", "--json",
                              "--no-state")
        time.sleep(0.5)
        for _ in range(4):
            socks += net.pair(lst, VIP4, port, PEERS4[0])
        out, err = proc.communicate(timeout=30)
    finally:
        net.proxy.sysctl({"net.ipv4.tcp_syncookies": 1})
    assert proc.returncode == OK, err
    doc = json.loads(out)
    tcpext = doc["counters"]["tcpext"]
    assert doc["counters"]["basis"] == "interval" and doc["counters"]["seconds"] >= 2
    assert tcpext["SyncookiesSent"]["delta"] >= 4, tcpext
    assert tcpext["SyncookiesRecv"]["delta"] >= 4, tcpext
    assert tcpext["SyncookiesFailed"]["delta"] == 0, tcpext
    assert doc["vips"][0]["states"]["ESTABLISHED"] == 4


def test_ipv6_vip(net, port, socks):
    lst = net.listen(VIP6, port)
    socks.append(lst)
    socks += net.pair(lst, VIP6, port, PEERS6[0])
    socks += net.pair(lst, VIP6, port, PEERS6[1])
    time_wait(net, lst, VIP6, port, PEERS6[1])
    e = states_are(net, f"[{VIP6}]:{port}", {"ESTABLISHED": 2, "TIME-WAIT": 1})
    assert e["listeners"] == 1


def test_dual_stack_listener_serves_the_ipv4_vip(net, port, socks):
    lst = net.listen("::", port, v6only=False)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])  # an IPv6 socket, ::ffff:192.0.2.10
    vips, _ = net.summary(f"{VIP4}:{port}", f"[{VIP6}]:{port}")
    v4 = vips[f"{VIP4}:{port}"]
    assert v4["states"]["ESTABLISHED"] == 1
    assert (v4["listeners"], v4["wildcard_listeners"]) == (1, 1)
    assert vips[f"[{VIP6}]:{port}"]["listeners"] == 1


def test_v6only_listener_does_not_serve_the_ipv4_vip(net, port, socks):
    socks.append(net.listen("::", port, v6only=True))
    vips, _ = net.summary(f"{VIP4}:{port}", f"[{VIP6}]:{port}")
    assert vips[f"{VIP4}:{port}"]["listeners"] == 0
    assert vips[f"[{VIP6}]:{port}"]["listeners"] == 1


def test_vip_without_a_port_from_glb_proxy_vips_covers_its_ports(net, socks):
    ports = [net.port(), net.port()]
    for p in ports:
        lst = net.listen("0.0.0.0", p)
        socks.append(lst)
        socks += net.pair(lst, VIP4, p, PEERS4[0])
    doc = net.diag_json("summary", "--no-state", env={"GLB_PROXY_VIPS": VIP4})
    got = {e["port"]: e for e in doc["vips"] if e["vip"] == VIP4}
    for p in ports:
        assert got[p]["states"]["ESTABLISHED"] == 1 and got[p]["wildcard_listeners"] == 1


def test_send_and_receive_queues_are_added_up(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    c, s = net.pair(lst, VIP4, port, PEERS4[0])
    socks += [c, s]
    c.sendall(b"x" * 1000)      # the proxy does not read: its receive queue
    s.setblocking(False)
    sent = 0
    try:
        while True:             # the client does not read: the proxy's send queue
            sent += s.send(b"y" * 65536)
    except BlockingIOError:
        pass

    def queued():
        e = net.summary(f"{VIP4}:{port}")[0][f"{VIP4}:{port}"]
        return e if e["recv_queue_bytes"] == 1000 and e["send_queue_bytes"] > 0 else None
    e = settle(queued, "bytes in both queues")
    assert e["recv_queue_connections"] == 1 and e["send_queue_connections"] == 1


def test_counters_since_the_last_run(net, port, tmp_path):
    state = str(tmp_path / "counters")
    _, first = net.summary(f"{VIP4}:{port}", state_file=state)
    assert first["basis"] == "boot" and first["seconds"] is None
    assert first["tcpext"]["TW"]["delta"] is None
    time.sleep(0.2)
    _, second = net.summary(f"{VIP4}:{port}", state_file=state)
    assert second["basis"] == "last_run" and 0.2 <= second["seconds"] < 30
    assert second["tcpext"]["ListenOverflows"]["delta"] is not None


def test_counters_of_another_namespace_are_not_subtracted(net, port, tmp_path):
    state = str(tmp_path / "counters")
    net.diag("summary", "--vip", "127.0.0.1", "--state-file", state, netns=False, check=OK)
    _, counters = net.summary(f"{VIP4}:{port}", state_file=state)
    assert counters["basis"] == "boot"


def test_glbredirect_is_absent_without_the_module(net, port):
    _, counters = net.summary(f"{VIP4}:{port}")
    assert counters["glbredirect"] is None
    p = net.diag("summary", "--vip", f"{VIP4}:{port}", "--no-state", check=OK)
    assert "GLBREDIRECT: no counters in this namespace" in p.stdout


def test_text_summary_reads_as_documented(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    p = net.diag("summary", "--vip", f"{VIP4}:{port}", "--no-state", check=OK)
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"network namespace {net.proxy.name}, ")
    assert f"{VIP4}:{port}" in lines
    assert "  connections     1: ESTABLISHED 1" in lines
    assert "  listeners       1: accept queue 0/128" in lines
    assert any(line.startswith("  ListenOverflows ") for line in lines)


def test_prometheus_text_has_every_vip_and_counter(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    p = net.diag("summary", "--vip", f"{VIP4}:{port}", "--prometheus", check=OK)
    lines = p.stdout.splitlines()
    assert f'glb_proxy_sockets{{vip="{VIP4}",port="{port}",state="established"}} 1' in lines
    assert f'glb_proxy_accept_queue_max{{vip="{VIP4}",port="{port}"}} 128' in lines
    assert any(line.startswith('glb_proxy_tcpext_total{counter="ListenDrops"} ') for line in lines)
    assert "glb_proxy_glbredirect_loaded 0" in lines
    for line in lines:  # every sample is NAME{LABELS} VALUE, every family has HELP and TYPE
        assert line.startswith("# ") or line.split(" ")[-1].isdigit(), line
    names = {line.split("{")[0].split(" ")[0] for line in lines if not line.startswith("#")}
    for name in names:
        assert f"# TYPE {name} " in p.stdout

# SPDX-License-Identifier: BSD-3-Clause
"""glb-proxy-diag drained: "can I take this proxy out now?", against real
connections that close, or do not."""

import json
import signal
import time

from pdnet import NO, OK, PEERS4, VIP4, linger_reset


def test_returns_when_the_last_connection_closes(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    pairs = [net.pair(lst, VIP4, port, PEERS4[0]), net.pair(lst, VIP4, port, PEERS4[1])]
    proc = net.diag_popen("drained", f"{VIP4}:{port}", "--timeout", "30")
    time.sleep(1.0)
    assert proc.poll() is None, "drained returned with two connections open"
    for c, s in pairs:
        s.close()  # the proxy closes first: TIME-WAIT, which does not count
        c.close()
        time.sleep(1.0)
    start = time.monotonic()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == OK, out + err
    assert time.monotonic() - start < 2, "drained answered late"
    lines = out.splitlines()
    assert lines[0].startswith(f"{VIP4}:{port}: 2 connections left: ESTABLISHED 2 (")
    assert any(line.startswith(f"{VIP4}:{port}: 1 connection left") for line in lines)
    assert lines[-1].startswith(f"{VIP4}:{port}: drained: 0 connections left after ")


def test_times_out_when_one_stays_and_says_which(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[2])
    start = time.monotonic()
    p = net.diag("drained", f"{VIP4}:{port}", "--timeout", "1.5", check=NO)
    assert 1.4 < time.monotonic() - start < 5
    assert f"{VIP4}:{port}: not drained after 1.5 s: 1 connection left" in p.stdout
    table = p.stdout.splitlines()[-2:]
    assert table[0].split()[:3] == ["PEER", "VIP", "STATE"]
    assert table[1].split()[:3] == [table[1].split()[0], f"{VIP4}:{port}", "ESTABLISHED"]
    assert table[1].startswith(f"{PEERS4[2]}:")


def test_below_n_is_enough(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    net.diag("drained", f"{VIP4}:{port}", "--below", "2", "--timeout", "0", check=OK)
    net.diag("drained", f"{VIP4}:{port}", "--below", "1", "--timeout", "0", check=NO)


def test_timeout_zero_answers_now_and_json_says_what_is_left(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    c, s = net.pair(lst, VIP4, port, PEERS4[0])
    socks += [c, s]
    p = net.diag("drained", f"{VIP4}:{port}", "--timeout", "0", "--json", check=NO)
    doc = json.loads(p.stdout)
    assert (doc["drained"], doc["connections"], doc["below"]) == (False, 1, 1)
    assert [x["peer"] for x in doc["left"]] == [PEERS4[0]]
    assert "1 connection left" in p.stderr  # the countdown, for people
    linger_reset(c)
    linger_reset(s)
    doc = json.loads(net.diag("drained", f"{VIP4}:{port}", "--timeout", "0", "--json",
                              check=OK).stdout)
    assert (doc["drained"], doc["connections"], doc["left"]) == (True, 0, [])


def test_another_port_of_the_vip_does_not_hold_it(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    net.diag("drained", f"{VIP4}:{port + 1000}", "--timeout", "0", check=OK)
    net.diag("drained", VIP4, "--timeout", "0", check=NO)  # every port


def test_vips_from_glb_proxy_vips_without_arguments(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    net.diag("drained", "--timeout", "0", env={"GLB_PROXY_VIPS": VIP4}, check=NO)


def test_a_signal_ends_the_wait_with_no(net, port, socks):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    proc = net.diag_popen("drained", f"{VIP4}:{port}")
    time.sleep(0.8)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=5)
    assert proc.returncode == NO
    assert "not drained after" in out

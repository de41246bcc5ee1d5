#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs in the qemu guest (Debian's kernel has cls_flower, which net_tap's
remote= needs; the host's does not): glb-director with "flow_isolate" on
net_tap shares its link with the kernel.  test_flow_isolate_vm.py runs it
and checks the JSON it prints.

   fi-peer                                 fi-dir
  ┌──────────────────────────┐   veth    ┌───────────────────────────────────┐
  │ p0 10.31.0.1/24          ├───────────┤ d0 10.31.0.2/24: the kernel answers│
  │ route 192.0.2.0/24 via   │           │   ping and TCP :2222 on it        │
  │   10.31.0.2              │           │ glb-director, net_tap remote=d0,  │
  │ sends VIP packets, pings,│  ◄── GUE ─┤   flow_isolate: the tables' binds │
  │ connects; captures GUE   │           │   to DPDK, the rest to the kernel │
  └──────────────────────────┘           └───────────────────────────────────┘

Phase 1, table A: tcp 192.0.2.10:80 and udp 192.0.2.11:53.  Phase 2, after a
reload to table B: tcp 192.0.2.10:80 gone, tcp 192.0.2.12:80 new, udp
192.0.2.11:53 kept.  In each phase the peer pings 10.31.0.2, connects to
its TCP port, sends PACKETS TCP SYNs to each of 192.0.2.10/.12:80 and
PACKETS UDP datagrams to 192.0.2.11:53, and pings 192.0.2.11; what reaches
DPDK is read from the director's telemetry, what it sent from a capture.

Usage: flow_isolate_vm.py     (prints one JSON object; GLB_BUILD_ROOT names the build)
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glbnet import director as gdirector  # noqa: E402
from glbnet import gue, tables  # noqa: E402
from glbnet.netns import Netns, veth  # noqa: E402

PACKETS = 20
PEER, DIR = "10.31.0.1", "10.31.0.2"
KERNEL_PORT = 2222
BACKEND = "10.31.0.50"  # the GUE goes to the peer's MAC (the gateway); no host needed
FILE_PREFIX = "glbflowvm"
SETTLE_S = 1.0
KEY = bytes(range(16))

TABLE_A = [tables.bind("192.0.2.10", "tcp", 80), tables.bind("192.0.2.11", "udp", 53)]
TABLE_B = [tables.bind("192.0.2.12", "tcp", 80), tables.bind("192.0.2.11", "udp", 53)]


def compile_table(work, binds, name):
    doc = tables.document([tables.table("vm", KEY, KEY, binds, [tables.backend(BACKEND)])])
    src = tables.write_json(work / f"{name}.json", doc)
    out = work / "table.bin"
    tables.compile_table(src, work / f"{name}.bin")
    os.replace(work / f"{name}.bin", out)
    return out


def tcp_syn(src, dst, sport, dport):
    """An IPv4 TCP SYN, checksums done (the peer sends it raw)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", gue.checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", gue.checksum(ip)) + ip[12:] + tcp


class Capture(threading.Thread):
    """Every GUE packet that reaches the peer, by inner destination."""

    def __init__(self, ns):
        super().__init__(daemon=True)
        self.sock = ns.packet_socket("p0")
        self.sock.settimeout(0.2)
        self.inner = {}
        self.running = True

    def run(self):
        while self.running:
            try:
                frame = self.sock.recv(65536)
            except socket.timeout:
                continue
            g = gue.decode_frame(frame)
            if g is not None and g.inner is not None:
                self.inner[g.inner.dst] = self.inner.get(g.inner.dst, 0) + 1

    def take(self):
        got, self.inner = self.inner, {}
        return got


def kernel_works(peer):
    """Pings to the director's own address answered, and a TCP connection to its kernel."""
    ping = subprocess.run(peer.argv("ping", "-c", "3", "-i", "0.2", "-W", "2", DIR),
                          capture_output=True, text=True)
    s = peer.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((DIR, KERNEL_PORT))
        answer = s.recv(16)
    except OSError as e:
        answer = str(e).encode()
    finally:
        s.close()
    return {"ping": ping.returncode == 0, "tcp": answer == b"kernel\n"}


def send_vip_traffic(peer):
    raw = peer.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    udp = peer.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(PACKETS):
        for vip in ("192.0.2.10", "192.0.2.12"):
            raw.sendto(tcp_syn(PEER, vip, 40000 + i, 80), (vip, 0))
        udp.sendto(b"query", ("192.0.2.11", 53))
        time.sleep(0.01)
    raw.close()
    udp.close()
    ping = subprocess.run(peer.argv("ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.11"),
                          capture_output=True, text=True)
    return ping.returncode


def port_counters():
    return gdirector.telemetry(FILE_PREFIX, "/glb/port,0")


def phase(peer, cap, before):
    out = {"kernel": kernel_works(peer)}
    cap.take()
    send_vip_traffic(peer)
    time.sleep(SETTLE_S)
    out["gue_by_inner_dst"] = cap.take()
    after = port_counters()
    out["dpdk_rx"] = after["rx"] - before["rx"]
    out["isolated"] = after["isolated"]
    out["flow_rules"] = after["flow_rules"]
    return out, after


def kernel_listener(ns):
    s = ns.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((DIR, KERNEL_PORT))
    s.listen(8)

    def serve():
        while True:
            c, _ = s.accept()
            c.sendall(b"kernel\n")
            c.close()
    threading.Thread(target=serve, daemon=True).start()


def main():
    # /dev/net/tun appears when tun is loaded (no udev in the guest)
    subprocess.run(["modprobe", "tun"], check=True)
    work = Path("/run/glb-flow-vm")
    work.mkdir(parents=True, exist_ok=True)
    peer, dirns = Netns("fi-peer"), Netns("fi-dir")
    for ns in (peer, dirns):
        ns.delete()
        ns.create()
        ns.sysctl({"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1})
    veth(peer, "p0", dirns, "d0")
    peer.ip(f"addr add {PEER}/24 dev p0", "link set p0 up", f"route add 192.0.2.0/24 via {DIR}")
    dirns.ip(f"addr add {DIR}/24 dev d0", "link set d0 up")
    for ns, ifname in ((peer, "p0"), (dirns, "d0")):
        ns.offloads_off(ifname)
    kernel_listener(dirns)
    table = compile_table(work, TABLE_A, "a")
    conf = gdirector.write_config(work / "director.conf", {
        "outbound_gateway_mac": peer.mac("p0"), "outbound_src_ip": DIR,
        "forward_icmp_ping_responses": True, "hash_fields": {"src_addr": True},
        "flow_paths": [{"rx_port": 0, "rx_queue": 0, "tx_port": 0, "tx_queue": 0}],
        "lcores": {"lcore-1": {"rx": True, "tx": True, "work": True, "flow_paths": [0]}},
        "idle_sleep_us": 100, "flow_isolate": True})
    lcores = "0@0,1@1" if os.cpu_count() >= 2 else "0@0,1@0"
    cmd = gdirector.command(conf, table, ["net_tap0,remote=d0,iface=dtap0"], FILE_PREFIX, lcores,
                            memory_mb=256)
    d = gdirector.DirectorProcess(dirns.argv(*cmd), FILE_PREFIX, ready_timeout=90)
    result = {}
    cap = Capture(peer)
    cap.start()
    try:
        d.start()
        before = port_counters()
        result["phase1"], before = phase(peer, cap, before)
        reloads = d.stats()["reloads_ok"]
        compile_table(work, TABLE_B, "b")
        d.reload()
        deadline = time.monotonic() + 30
        while d.stats()["reloads_ok"] == reloads and time.monotonic() < deadline:
            time.sleep(0.1)
        result["reloaded"] = d.stats()["reloads_ok"] > reloads
        before = port_counters()
        result["phase2"], _ = phase(peer, cap, before)
        d.stop()
        result["exit"] = d.returncode
    except AssertionError as e:  # the director did not start or stop as it must
        result["error"] = str(e)
        d.kill()
    finally:
        cap.running = False
        result["output"] = d.lines[-60:]
        for ns in (peer, dirns):
            ns.delete()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()

# SPDX-License-Identifier: BSD-3-Clause
"""A proxy and its clients in two network namespaces, for glb-proxy-diag's
end-to-end tests: real kernel TCP sockets put in known states.

  pdiag-c-PID (clients)                        pdiag-p-PID (the proxy)
 ┌──────────────────────────────┐   veth     ┌──────────────────────────────┐
 │ c0 10.241.0.2 .3 .4 (peers)  ├────────────┤ p0 10.241.0.1                │
 │    fd00:241::2 ::3            │            │    fd00:241::1                │
 │ routes to the VIPs via p0     │            │ lo: VIPs 192.0.2.10/32,       │
 │                               │            │     2001:db8::10/128          │
 └──────────────────────────────┘            │ listeners: this test process  │
                                              └──────────────────────────────┘

Sockets on both sides are made by this process inside the namespaces
(glbnet's Netns.socket), so a test holds each end and decides who closes
first.  glb-proxy-diag runs with --netns pdiag-p-PID.
"""

import json
import os
import socket
import struct
import subprocess
import time

from glbnet.gue import checksum
from glbnet.netns import Netns, remove_stale, veth
from glbnet.paths import PROXY_DIAG
from glbnet.util import wait_for

VIP4 = "192.0.2.10"
VIP6 = "2001:db8::10"
PROXY4, PROXY6 = "10.241.0.1", "fd00:241::1"
PEERS4 = ["10.241.0.2", "10.241.0.3", "10.241.0.4"]
PEERS6 = ["fd00:241::2", "fd00:241::3"]
# A source the client namespace does not own: the proxy's SYN-ACKs to it are
# dropped on arrival (no forwarding), so its handshakes stay half open.
GHOST4 = "10.241.0.99"
STALE = r"pdiag-[pc]-(\d+)"

# diag exit statuses (common/exit_status.h)
OK, INVALID, USAGE, SYSTEM, NO = 0, 1, 2, 3, 4
# uid and gid of nobody (Debian: user nobody, group nogroup)
NOBODY = 65534
TCP_SYN, TCP_ACK = 0x02, 0x10  # TCP header flags


class Net:
    def __init__(self):
        pid = os.getpid()
        self.proxy = Netns(f"pdiag-p-{pid}")
        self.client = Netns(f"pdiag-c-{pid}")
        self._next_port = 20000

    def setup(self):
        remove_stale(STALE)
        self.proxy.create()
        self.client.create()
        veth(self.client, "c0", self.proxy, "p0")
        self.proxy.ip(f"addr add {PROXY4}/24 dev p0", f"addr add {PROXY6}/64 dev p0 nodad",
                      f"addr add {VIP4}/32 dev lo", f"addr add {VIP6}/128 dev lo nodad",
                      "link set p0 up")
        self.client.ip(*[f"addr add {a}/24 dev c0" for a in PEERS4],
                       *[f"addr add {a}/64 dev c0 nodad" for a in PEERS6],
                       "link set c0 up", f"route add {VIP4}/32 via {PROXY4}",
                       f"route add {VIP6}/128 via {PROXY6}")
        wait_for(lambda: self._reachable(), "the veth to come up", 10)

    def _reachable(self):
        try:
            s = self.listen(VIP4, self.port())
            c = self.client.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.settimeout(0.5)
            c.connect(s.getsockname())
            c.close()
            s.close()
            return True
        except OSError:
            return False

    def teardown(self):
        self.proxy.delete()
        self.client.delete()

    def port(self):
        """A port no earlier test used: TIME-WAIT sockets outlive a test by 60 s."""
        self._next_port += 1
        return self._next_port

    # -- sockets -------------------------------------------------------------

    def listen(self, addr, port, backlog=128, v6only=None):
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = self.proxy.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if v6only is not None:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
        s.bind((addr, port))
        s.listen(backlog)
        return s

    def connect(self, vip, port, src, timeout=5.0):
        family = socket.AF_INET6 if ":" in vip else socket.AF_INET
        c = self.client.socket(family, socket.SOCK_STREAM)
        c.bind((src, 0))
        c.settimeout(timeout)
        c.connect((vip, port))
        return c

    def pair(self, listener, vip, port, src):
        """A connection: (client end, server end), both established."""
        c = self.connect(vip, port, src)
        listener.settimeout(5)
        s, _ = listener.accept()
        return c, s

    def half_open(self, port, count, vip=VIP4):
        """count SYNs from GHOST4 to vip:port that are never completed: the
        proxy keeps a request socket (SYN-RECV) for each."""
        raw = self.client.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        try:
            for i in range(count):
                raw.sendto(syn4(GHOST4, vip, 40000 + i, port), (vip, 0))
        finally:
            raw.close()

    # -- the tool -----------------------------------------------------------

    def argv(self, *args, netns=True, user=None):
        argv = [str(PROXY_DIAG), *map(str, args)]
        if netns:
            argv += ["--netns", self.proxy.name]
        if user:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--",
                    *argv]
        return argv

    @staticmethod
    def env(extra):
        # The tester's own GLB_PROXY_VIPS must not leak into a test.
        e = {k: v for k, v in os.environ.items() if k != "GLB_PROXY_VIPS"}
        e.update(extra or {})
        return e

    def diag(self, *args, netns=True, env=None, timeout=60, check=None, user=None):
        argv = self.argv(*args, netns=netns, user=user)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=self.env(env))
        if check is not None:
            assert p.returncode == check, f"{argv}: exit {p.returncode}\n{p.stdout}{p.stderr}"
        return p

    def diag_popen(self, *args, env=None, **kw):
        """The tool running in the background (drained, --watch, --interval)."""
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env(env), **kw)

    def diag_json(self, *args, **kw):
        p = self.diag(*args, "--json", check=kw.pop("check", OK), **kw)
        return json.loads(p.stdout)

    def summary(self, *vips, state_file=None):
        """summary --json for the VIPs given, as {"ADDR:PORT": entry} and the counters."""
        args = ["summary"] + [a for v in vips for a in ("--vip", v)]
        args += ["--state-file", state_file] if state_file else ["--no-state"]
        doc = self.diag_json(*args)
        return {endpoint(e["vip"], e["port"]): e for e in doc["vips"]}, doc["counters"]


def endpoint(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def ipv4_tcp(src, dst, sport, dport, flags, seq=1000, ack=0):
    """An IPv4/TCP packet, header and all, both checksums right (for
    IPPROTO_RAW, or inside GUE: the proxy's stack checks them after fou
    decapsulates it)."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    csum = checksum(s + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, socket.IPPROTO_TCP, 0,
                     s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def syn4(src, dst, sport, dport, seq=1000):
    """An IPv4 TCP SYN."""
    return ipv4_tcp(src, dst, sport, dport, TCP_SYN, seq)


def settle(pred, what, timeout=5.0):
    """Wait until the kernel's sockets reach what a test set up."""
    return wait_for(pred, what, timeout, interval=0.05)


def close_all(*socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def linger_reset(s):
    """Close with a RST: the socket goes away at once, leaving no TIME-WAIT."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def now():
    return time.monotonic()

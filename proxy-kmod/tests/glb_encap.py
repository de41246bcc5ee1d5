#!/usr/bin/python3
"""A stand-in GLB director for the end-to-end tests (tests/vm-e2e).

Reads the clients' IP packets from a TUN device (the director namespace
routes the VIPs into it) and sends each one, GUE-encapsulated with GLB's
private data (SPEC §6: hlen = 1 + hop_count, proto 4 or 41, type 0,
next_hop 0, the hop list), over a UDP socket to port 19523 of the primary.
It keeps no per-flow state and has no table: every packet goes to the one
route set over the control socket, which the test changes at run time
(draining a proxy, adding one, failing one) the way a table reload would.

  glb_encap.py serve --tun DEV --source ADDR --control PATH PRIMARY [HOP...]
  glb_encap.py --control PATH route PRIMARY [HOP...]    (answers "ok")
  glb_encap.py --control PATH count                     ("packets N")

The control socket is a UNIX stream socket: one request line, one answer
line.  A request is answered only after the previous packets were sent, and
every packet read after it goes the new way, so a test that sees "ok" can
rely on the switch.
"""

import argparse
import fcntl
import os
import select
import socket
import struct
import sys

GUE_PORT = 19523
# linux/if_tun.h
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IP_VERSION_GUE_PROTO = {4: 4, 6: 41}  # inner IP version -> GUE proto (SPEC §6)
MAX_PACKET = 65535


def open_tun(name):
    """Attach to the TUN device name (created by `ip tuntap add mode tun`)."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Director:
    def __init__(self, tun, source, hops):
        # gue_cases pulls in scapy, seconds of start-up under TCG that the
        # control client (imported by the tests) has no use for.
        from gue_cases import gue
        self.gue = gue
        self.tun = tun
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((source, 0))
        self.packets = 0
        self.route(hops)

    def route(self, hops):
        """hops[0] is the primary, the rest go into the GUE hop list."""
        for h in hops:
            socket.inet_aton(h)  # raises on a bad address before anything changes
        self.primary = hops[0]
        self.headers = {v: self.gue(p, hops[1:]) for v, p in IP_VERSION_GUE_PROTO.items()}

    def forward_one(self):
        pkt = os.read(self.tun, MAX_PACKET)
        header = self.headers.get(pkt[0] >> 4) if pkt else None
        if header is None:
            return  # not IPv4 or IPv6: a director would not classify it either
        self.udp.sendto(header + pkt, (self.primary, GUE_PORT))
        self.packets += 1

    def answer(self, conn):
        with conn:
            words = conn.makefile().readline().split()
            if words and words[0] == "route" and len(words) > 1:
                try:
                    self.route(words[1:])
                    reply = "ok"
                except OSError as e:
                    reply = f"error {e}"
            elif words == ["count"]:
                reply = f"packets {self.packets}"
            else:
                reply = "error: route PRIMARY [HOP...] | count"
            conn.sendall(reply.encode() + b"\n")


def serve(args):
    director = Director(open_tun(args.tun), args.source, args.hops)
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(args.control):
        os.unlink(args.control)
    ctl.bind(args.control + ".new")
    ctl.listen(4)
    os.rename(args.control + ".new", args.control)  # appears only once listening
    while True:
        ready = select.select([director.tun, ctl], [], [])[0]
        # Queued packets first, so that what the clients sent before a
        # switch goes the old way (a test's bursts are short: no starvation).
        if director.tun in ready:
            director.forward_one()
        elif ctl in ready:
            director.answer(ctl.accept()[0])


def request(path, line):
    """Send one control request, return the answer line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(line.encode() + b"\n")
        return s.makefile().readline().strip()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--control", required=True, help="UNIX socket path")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the director")
    s.add_argument("--tun", required=True)
    s.add_argument("--source", required=True, help="outer source address")
    s.add_argument("hops", nargs="+", metavar="PRIMARY [HOP]")
    r = sub.add_parser("route", help="switch the route")
    r.add_argument("hops", nargs="+", metavar="PRIMARY [HOP]")
    sub.add_parser("count", help="packets encapsulated so far")
    args = p.parse_args()
    if args.cmd == "serve":
        serve(args)
        return 0
    line = "count" if args.cmd == "count" else "route " + " ".join(args.hops)
    answer = request(args.control, line)
    print(answer)
    return 0 if not answer.startswith("error") else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Randomly mutated GUE packets against a proxy (tests/vm-e2e).

  gue_fuzz.py build --out FILE [--seed N] [--count N] --hop ADDR... --avoid ADDR...
  gue_fuzz.py send FILE --source ADDR --to A|B     (in the director namespace)

build (on the host: it uses gue_cases.py, hence scapy) starts from valid GUE
payloads (the headers of SPEC §6, built by gue_cases.gue, around TCP, ICMP
echo, path-MTU errors quoting TCP, UDP and fragment inner packets, IPv4 and
IPv6, 0 to 3 hops) and changes each
copy at random: bytes set to random or boundary values, bits flipped,
truncated, extended, a byte inserted or deleted.  The same seed always gives
the same packets.  Only the UDP payload is mutated: send hands it to a UDP
socket, so the outer IPv4/UDP headers (lengths, checksums) are the kernel's
and valid, and every packet reaches the INPUT rule.  A mutation is redrawn if
its payload could bring a packet back to the rule a second time, so that
the proxy's total grows by exactly the number sent:
  * it contains an --avoid address (the fuzzed proxy's own): no hop list can
    make another proxy forward anything back to it;
  * it contains 0x4c43 (port 19523): no decapsulated inner packet, nor one
    nested in it, can be a GUE datagram to this proxy again.

send sends every packet, waits for the counters to settle and checks: the
target's total grew by exactly the number sent, total is the sum of the
outcomes on both proxies, and the packets reached many different verdicts.
"""

import argparse
import hashlib
import random
import socket
import struct
import sys
import time

from e2e_common import Proxy, Report, consistent, moved, settle

MAGIC = b"GLBFUZZ1"
GUE_PORT = 19523
GUE_PORT_BYTES = struct.pack("!H", GUE_PORT)
# Values the parser compares bytes against: GUE version/C/hlen, protos 4/6/17/41,
# IPv4 version/IHL, 0 and all-ones, sign bits.
EDGE_BYTES = (0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x11, 0x1F, 0x20, 0x29, 0x40, 0x45,
              0x46, 0x4F, 0x60, 0x7F, 0x80, 0xFE, 0xFF)
MAX_EXTEND = 64
MIN_VERDICTS = 10  # distinct outcome counters a healthy corpus reaches (it reaches ~20)


def valid_payloads(hops, far):
    """Valid GUE payloads (the UDP payload a director sends)."""
    from gue_cases import (GUE_PROTO_IPV4, GUE_PROTO_IPV6, CLIENT4, VIP4, gue, tcp4, tcp6,
                           too_big4, too_big6)
    from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_NOP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt

    v4 = [
        tcp4(40000, "S"),
        tcp4(40001, "A", seq=1, ack=1),
        tcp4(40002, "PA", seq=1, ack=1, payload=b"GET / HTTP/1.0\r\n\r\n"),
        tcp4(40003, "FA", seq=1, ack=1),
        tcp4(40004, "R", seq=1),
        bytes(IP(src=CLIENT4, dst=VIP4, options=[IPOption_NOP()] * 4) / TCP(sport=40005, dport=80, flags="A")),
        bytes(IP(src=CLIENT4, dst=VIP4) / ICMP(id=1, seq=1)),
        bytes(IP(src=CLIENT4, dst=VIP4) / UDP(sport=5000, dport=53) / b"query"),
        bytes(IP(src=CLIENT4, dst=VIP4, proto=6, frag=100) / (b"\0" * 24)),
        # path-MTU errors quoting TCP: looked up and forwarded like TCP (SPEC §7 step 5)
        too_big4(40006),
        too_big4(40007, options=[IPOption_NOP()] * 4),
        too_big4(40008, quote=28),
    ]
    v6 = [
        tcp6(40010, "S"),
        tcp6(40011, "A", seq=1, ack=1),
        bytes(IPv6(src="2001:db8:c::7", dst="2001:db8::10") / IPv6ExtHdrDestOpt() /
              TCP(sport=40012, dport=80, flags="A")),
        too_big6(40013),
        too_big6(40014, ext=True),
    ]
    hop_lists = [([], 0), ([hops[0]], 0), ([hops[0]], 1), ([far, hops[0]], 0), ([far, hops[0]], 1),
                 (hops + [far], 0)]
    out = []
    for proto, inners in ((GUE_PROTO_IPV4, v4), (GUE_PROTO_IPV6, v6)):
        for inner in inners:
            for hl, next_hop in hop_lists:
                out.append((gue(proto, hl, next_hop=next_hop) + inner, 8 + 4 * len(hl)))
    return out


def mutate(rng, pkt, header_len):
    data = bytearray(pkt)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        op = rng.randrange(6)
        # The GUE header, the hop list and the inner IP/TCP headers: where the parser looks.
        near = min(len(data), header_len + 60)
        if op == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and near:
            data[rng.randrange(near)] = rng.choice(EDGE_BYTES)
        elif op == 2 and near:
            data[rng.randrange(near)] ^= 1 << rng.randrange(8)
        elif op == 3:
            del data[rng.randrange(len(data) + 1):]
        elif op == 4:
            data += rng.randbytes(rng.randint(1, MAX_EXTEND))
        elif op == 5 and data:
            i = rng.randrange(len(data))
            if rng.randrange(2):
                del data[i]
            else:
                data.insert(i, rng.randrange(256))
    return bytes(data)


def build(args):
    avoid = [socket.inet_aton(a) for a in args.avoid] + [GUE_PORT_BYTES]
    bases = valid_payloads(args.hop, args.far)
    for base, _ in bases:
        if any(a in base for a in avoid):
            raise SystemExit(f"a valid payload already holds an avoided byte string: {base.hex()}")
    rng = random.Random(args.seed)
    packets = []
    while len(packets) < args.count:
        base, header_len = rng.choice(bases)
        m = mutate(rng, base, header_len)
        if m != base and not any(a in m for a in avoid):
            packets.append(m)
    blob = MAGIC + struct.pack("!II", args.seed, len(packets)) + b"".join(
        struct.pack("!H", len(p)) + p for p in packets)
    with open(args.out, "wb") as f:
        f.write(blob)
    print(f"{args.out}: {len(packets)} mutated GUE payloads from {len(bases)} valid ones, "
          f"seed {args.seed}, sha256 {hashlib.sha256(blob).hexdigest()[:16]}")
    return 0


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:len(MAGIC)] != MAGIC:
        raise SystemExit(f"{path}: not a gue_fuzz.py corpus")
    seed, count = struct.unpack_from("!II", blob, len(MAGIC))
    off, packets = len(MAGIC) + 8, []
    for _ in range(count):
        (n,) = struct.unpack_from("!H", blob, off)
        packets.append(blob[off + 2:off + 2 + n])
        off += 2 + n
    return seed, packets, hashlib.sha256(blob).hexdigest()[:16]


def send(args):
    seed, packets, digest = load(args.file)
    proxies = [Proxy("A"), Proxy("B")]
    target = next(p for p in proxies if p.name == args.to)
    rep = Report()
    rep.note(f"fuzz: {len(packets)} packets, seed {seed}, sha256 {digest}, to {target.name}")
    before = dict(zip("AB", (p.stats() for p in proxies)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.source, 0))
    t0 = time.monotonic()
    for p in packets:
        sock.sendto(p, (target.addr, GUE_PORT))
    sent = time.monotonic() - t0
    after = dict(zip("AB", settle(proxies)))
    rep.note(f"fuzz: sent in {sent:.1f} s")
    grew = after[target.name]["total"] - before[target.name]["total"]
    rep.check(f"fuzz: {target.name}'s total grew by exactly the {len(packets)} packets sent",
              grew == len(packets), f"grew by {grew}")
    for p in proxies:
        rep.check(f"fuzz: {p.name}: total is the sum of the outcome counters",
                  consistent(after[p.name]), after[p.name])
    verdicts = moved(before[target.name], after[target.name])
    rep.note("fuzz: " + " ".join(f"{k}={v}" for k, v in sorted(verdicts.items())))
    rep.check(f"fuzz: the packets reached at least {MIN_VERDICTS} different verdicts",
              len(verdicts) >= MIN_VERDICTS, f"{len(verdicts)}")
    return 1 if rep.failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write a corpus (host side)")
    b.add_argument("--out", required=True)
    b.add_argument("--seed", type=int, default=19523)
    b.add_argument("--count", type=int, default=20000)
    b.add_argument("--hop", action="append", required=True,
                   help="a live proxy the valid packets list as next hop (repeatable)")
    b.add_argument("--far", default="203.0.113.9", help="a hop no proxy can route to")
    b.add_argument("--avoid", action="append", default=[],
                   help="an address no payload may contain (the fuzzed proxy's)")
    s = sub.add_parser("send", help="send a corpus to a proxy and check its counters")
    s.add_argument("file")
    s.add_argument("--source", required=True)
    s.add_argument("--to", choices=["A", "B"], required=True)
    args = p.parse_args()
    return build(args) if args.cmd == "build" else send(args)


if __name__ == "__main__":
    sys.exit(main())

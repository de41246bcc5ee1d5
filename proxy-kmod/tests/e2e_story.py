#!/usr/bin/python3
"""Real TCP connections through the director stand-in (glb_encap.py) to the
proxies of tests/vm-e2e (see the drawing there), from the client namespace.

  e2e_story.py [--label TEXT] bulk     one connection, data both ways
  e2e_story.py [--label TEXT] story    the second chance, end to end

bulk: with A primary (B secondary) a kernel TCP client sends BULK_LINES lines
to the VIP and reads each back from A's echo server ("A <line>"), intact; A
counted the SYN, the handshake's ACK and the rest as accepted (established),
forwarded nothing; B saw nothing.

story: a connection opened while A is primary is served by A.  The director
then makes B primary and A secondary (A draining, or B added): the old
connection's packets reach B first, B has no socket for them and forwards
each to A (B: forward +n and nothing else), A accepts them as established
(A: accept_established +n, the same n), and the echo still comes from A.  A
new connection is served by B (B: accept_syn).  Both keep working side by
side.  Then A fails (its link goes down, the director keeps (B, A) as a
down primary's row would be): the old connection dies (its packets, still
forwarded by B, go nowhere: ETIMEDOUT after TCP_USER_TIMEOUT), new ones keep
working on B.  A is brought back and the director restored to (A, B).
Between the two, a path-MTU error about the old connection (on A, with B
primary) goes the way GLB's module sends it (SPEC §7 step 5): the director
hashes it to B, B forwards it to A unchanged but for the GUE next hop and
the outer addresses, and A's kernel learns the lower MTU towards the client.

Exit status 0 when every check passed.
"""

import argparse
import errno
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import glb_encap
from e2e_common import Proxy, Report, consistent, env, moved, settle

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from glbnet import gue as glbgue  # noqa: E402
from glbnet import pcap  # noqa: E402

BULK_LINES = 128  # 128 lines of LINE_BYTES: 128 KiB each way, many full segments
LINE_BYTES = 1024
WAIT = 15.0  # seconds for an answer that must come (TCG, a loaded host)
USER_TIMEOUT_MS = 2000  # how long the client keeps retransmitting to a dead A
ACCEPTED = {"accept_syn", "accept_request", "accept_syncookie", "accept_established"}
LOWER_MTU = 1280  # what the path-MTU error says the path towards the client takes
ETH_P_ALL = 0x0003
IPPROTO_ICMP = 1


class Client:
    """One TCP connection from the client namespace to the VIP."""

    def __init__(self):
        self.sock = socket.create_connection((env("VIP"), int(env("SERVICE_PORT"))), timeout=WAIT)
        self.rfile = self.sock.makefile("rb")

    def ask(self, text):
        """Send one line; return (the server's name, the echoed text), or
        ("error", the exception) when the connection failed (the checks
        compare the pair, and name the exception when it is not right)."""
        try:
            self.sock.sendall(text.encode() + b"\n")
            line = self.rfile.readline()
        except OSError as e:
            return "error", e
        name, _, echo = line.decode().rstrip("\n").partition(" ")
        return name, echo

    def bulk(self, lines):
        """Send every line while reading the answers: the answers, in order
        (an empty one for each missing: the connection failed)."""
        def send():
            try:
                self.sock.sendall(b"".join(l + b"\n" for l in lines))
            except OSError:
                pass  # the answers will be missing
        sender = threading.Thread(target=send)
        sender.start()
        answers = []
        try:
            for _ in lines:
                answers.append(self.rfile.readline())
        except OSError as e:
            print(f"#    bulk: {type(e).__name__}: {e}", flush=True)
        sender.join()
        return answers

    def close(self):
        """Close first from the client side: the server's last ACK meets LAST_ACK, a full socket."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.rfile.read()
        except OSError:
            pass  # a broken connection: the checks on its answers said so
        self.sock.close()


class Story:
    def __init__(self, label):
        self.rep = Report(f"{label}: " if label else "")
        self.a, self.b = Proxy("A"), Proxy("B")
        self.control = env("CONTROL")

    def route(self, primary, *secondaries):
        answer = glb_encap.request(self.control, "route " + " ".join(
            p.addr for p in (primary, *secondaries)))
        if answer != "ok":
            raise RuntimeError(f"director: {answer}")

    def counters(self):
        return dict(zip("AB", settle([self.a, self.b])))

    def deltas(self, before):
        after = self.counters()
        return after, moved(before["A"], after["A"]), moved(before["B"], after["B"])

    def check_consistent(self, when):
        for p in (self.a, self.b):
            s = p.stats()
            self.rep.check(f"{p.name}: total is the sum of the outcome counters {when}",
                           consistent(s), s)

    def bulk(self):
        rep = self.rep
        self.route(self.a, self.b)
        before = self.counters()
        lines = [os.urandom(LINE_BYTES // 2).hex().encode() for _ in range(BULK_LINES)]
        c = Client()
        answers = c.bulk(lines)
        c.close()
        _, da, db = self.deltas(before)
        right = sum(got == b"A " + sent + b"\n" for got, sent in zip(answers, lines))
        rep.check(f"bulk: {BULK_LINES * LINE_BYTES // 1024} KiB each way through GUE, intact, "
                  "every line answered by A", right == BULK_LINES, f"{right} lines right")
        rep.check("bulk: A accepted the SYN, the handshake's ACK and the rest (established), "
                  "nothing else", set(da) <= ACCEPTED and da.get("accept_syn", 0) >= 1 and
                  da.get("accept_request", 0) + da.get("accept_syncookie", 0) >= 1 and
                  da.get("accept_established", 0) >= 1, f"A moved {da}")
        rep.check("bulk: A forwarded nothing, B saw nothing", "forward" not in da and db == {},
                  f"A moved {da}, B moved {db}")
        self.check_consistent("after bulk")

    def story(self):
        rep, a, b = self.rep, self.a, self.b
        self.route(a, b)
        # the path MTU an earlier story taught A is forgotten (see too_big)
        subprocess.run(["ip", "-n", a.ns, "route", "flush", "cache"], check=True)
        before = self.counters()
        old = Client()
        rep.check("A primary: a new connection is served by A", old.ask("before") == ("A", "before"))
        after, da, db = self.deltas(before)
        rep.check("A primary: A accepted its SYN, B saw nothing",
                  da.get("accept_syn", 0) >= 1 and set(da) <= ACCEPTED and db == {},
                  f"A moved {da}, B moved {db}")

        self.route(b, a)  # A drains (or B is added): B primary, A secondary
        before = after
        answer = old.ask("after the switch")
        after, da, db = self.deltas(before)
        rep.check("B primary: the old connection still works, answered by A",
                  answer == ("A", "after the switch"), answer)
        n = db.get("forward", 0)
        rep.check("B primary: B forwarded the old connection's packets and accepted none",
                  n >= 1 and db == {"forward": n}, f"B moved {db}")
        rep.check("B primary: A accepted exactly what B forwarded, as established",
                  n >= 1 and da == {"accept_established": n}, f"A moved {da}, B forwarded {n}")
        rep.check("B primary: what B forwarded passed A's UDP checksum check",
                  a.snmp("Udp", "InCsumErrors") == 0)

        before = after
        new = Client()
        answer = new.ask("new")
        after, da, db = self.deltas(before)
        rep.check("B primary: a new connection is served by B", answer == ("B", "new"), answer)
        rep.check("B primary: B accepted the new SYN itself, forwarded nothing, A saw nothing",
                  db.get("accept_syn", 0) >= 1 and set(db) <= ACCEPTED and da == {},
                  f"A moved {da}, B moved {db}")
        answers = old.ask("old again"), new.ask("new again")
        rep.check("B primary: old and new connections side by side, each on its proxy",
                  answers == (("A", "old again"), ("B", "new again")), answers)

        self.too_big(old)

        self.fail_a(old)
        new.close()
        self.check_consistent("after the story")

    def too_big(self, old):
        """A router's fragmentation needed about the old connection, held by
        A while B is primary: B must pass it on to A, and A learn from it."""
        rep, a, b = self.rep, self.a, self.b
        client, cport = old.sock.getsockname()
        lan = env("LAN_DEV")
        mine = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        mine.bind((lan, 0))
        # the next segment A will send: after the one answering this question
        rep.check("path MTU: the old connection answers a question first",
                  old.ask("the next segment") == ("A", "the next segment"))
        seq = next_seq(mine, env("VIP"), cport)
        mine.close()
        rep.check("path MTU: A's answer was seen, so the error can quote A's next segment",
                  seq is not None)
        if seq is None:
            return
        # the client stands in for a router on the way back
        error = frag_needed(client, client, env("VIP"), cport, seq)
        rep.check("path MTU: A has learned no lower MTU towards the client yet",
                  learned_mtu(a.ns, client) is None, route_get(a.ns, client))
        # A's fou rewrites the outer header of what it receives in place,
        # under a plain packet socket's feet: tcpdump copies into its ring
        # as the frame arrives
        caps = {p.name: Capture(p.ns, p.lan, f"udp dst port 19523 and dst host {p.addr}")
                for p in (a, b)}
        before = self.counters()
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        raw.sendto(error, (env("VIP"), 0))
        raw.close()
        after, da, db = self.deltas(before)
        at_b, at_a = (caps[n].first(lambda g: g.inner and g.inner.proto == IPPROTO_ICMP)
                      for n in "BA")
        rep.check("path MTU: B forwarded the error (forward_icmp) and took nothing",
                  db == {"forward_icmp": 1}, f"B moved {db}")
        rep.check("path MTU: A accepted it as its established connection's",
                  da == {"accept_established": 1}, f"A moved {da}")
        same = (at_b is not None and at_a is not None and at_a.outer_src == b.addr and
                at_a.outer_dst == a.addr and at_b.hops == at_a.hops == [a.addr] and
                (at_b.next_hop, at_a.next_hop) == (0, 1) and at_a.inner_bytes == at_b.inner_bytes
                and not at_a.problems)
        rep.check("path MTU: what reached A is what reached B but for next_hop 0 -> 1 and the "
                  "outer addresses B -> A", same, f"at B {at_b}, at A {at_a}")
        learned = wait_until(lambda: learned_mtu(a.ns, client) == LOWER_MTU)
        rep.check(f"path MTU: A's kernel learned MTU {LOWER_MTU} towards the client",
                  learned, f"route: {route_get(a.ns, client)}")
        rep.check("path MTU: the old connection still works on A, with smaller segments",
                  old.ask("after the error") == ("A", "after the error"))

    def fail_a(self, old):
        """A dies with the director still on (B, A): old flows die, new ones live on B."""
        rep, a, b = self.rep, self.a, self.b
        before = self.counters()
        link_a = ["ip", "-n", a.ns, "link", "set", "dev", a.lan]
        subprocess.run(link_a + ["down"], check=True)
        try:
            old.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, USER_TIMEOUT_MS)
            name, err = old.ask("to a dead proxy")
            rep.check("A down: the old connection dies (ETIMEDOUT)",
                      name == "error" and err.errno == errno.ETIMEDOUT, (name, err))
            after, da, db = self.deltas(before)
            n = db.get("forward", 0)
            rep.check("A down: B still forwarded the old connection's packets, A got none",
                      n >= 1 and db == {"forward": n} and da == {}, f"A moved {da}, B moved {db}")
            c = Client()
            rep.check("A down: a new connection is served by B", c.ask("after A died") == ("B", "after A died"))
            c.close()
        finally:
            subprocess.run(link_a + ["up"], check=True)
            self.route(a, b)
            old.sock.close()


def next_seq(sock, vip, cport, timeout=WAIT):
    """The sequence number after the last data segment from vip:80 to cport
    seen on sock (an AF_PACKET socket), or None."""
    seq = None
    sock.settimeout(0.5)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            frame = sock.recv(65536)
        except socket.timeout:
            if seq is not None:
                return seq
            continue
        ip = frame[14:]
        if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP or \
                socket.inet_ntoa(ip[12:16]) != vip:
            continue
        ihl, total = (ip[0] & 0xF) * 4, struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, s = struct.unpack("!HHI", tcp[:8])
        data = len(tcp) - (tcp[12] >> 4) * 4
        if dport == cport and data > 0:
            seq = (s + data) & 0xFFFFFFFF
    return seq


def frag_needed(router, client, vip, cport, seq):
    """ICMP fragmentation needed from router to vip, quoting a full-size
    segment vip:80 -> client:cport starting at seq (IP header and 20 bytes
    of it: routers quote at least 8)."""
    seg_ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0, 0x4000, 64, socket.IPPROTO_TCP, 0,
                         socket.inet_aton(vip), socket.inet_aton(client))
    seg_ip = seg_ip[:10] + struct.pack("!H", glbgue.checksum(seg_ip)) + seg_ip[12:]
    seg_tcp = struct.pack("!HHIIBBHHH", int(env("SERVICE_PORT")), cport, seq, 0, 5 << 4, 0x18,
                          65535, 0, 0)
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, LOWER_MTU) + seg_ip + seg_tcp
    icmp = icmp[:2] + struct.pack("!H", glbgue.checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, IPPROTO_ICMP, 0,
                     socket.inet_aton(router), socket.inet_aton(vip))
    ip = ip[:10] + struct.pack("!H", glbgue.checksum(ip)) + ip[12:]
    return ip + icmp


class Capture:
    """tcpdump in a namespace, into a pcap file, until first() reads it."""

    def __init__(self, ns, ifname, expr):
        fd, self.path = tempfile.mkstemp(suffix=".pcap")
        os.close(fd)
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "-i", ifname, "-U",
                                      "-s", "0", "-w", self.path, expr],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # it says so on stderr once the capture is open
        self.proc.stderr.readline()

    def first(self, match):
        """The first GUE packet it captured that match() accepts, decoded, or None."""
        time.sleep(0.2)  # -U: every packet is written as it comes
        self.proc.terminate()
        self.proc.wait()
        try:
            for frame in pcap.read(self.path):
                g = glbgue.decode_frame(frame)
                if g is not None and match(g):
                    return g
            return None
        finally:
            os.unlink(self.path)


def route_get(ns, dst):
    return subprocess.run(["ip", "-n", ns, "route", "get", dst], capture_output=True,
                          text=True).stdout.strip()


def learned_mtu(ns, dst):
    words = route_get(ns, dst).split()
    return int(words[words.index("mtu") + 1]) if "mtu" in words else None


def wait_until(pred, timeout=WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--label", default="", help="prefix of every check's name")
    p.add_argument("test", choices=["bulk", "story"])
    args = p.parse_args()
    story = Story(args.label)
    t0 = time.monotonic()
    try:
        getattr(story, args.test)()
    except Exception as e:  # say which test stopped, with what, and go on to the summary
        traceback.print_exc(file=sys.stdout)
        story.rep.check(f"{args.test}: ran to the end", False, f"{type(e).__name__}: {e}")
    story.rep.note(f"{args.test}: {time.monotonic() - t0:.1f} s")
    return 1 if story.rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())

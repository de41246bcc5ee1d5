# SPDX-License-Identifier: BSD-3-Clause
"""The guest half of test_vm_diag.py (vm_diag.sh has the drawing): traffic
through loss (every 10th segment to one peer) and GUE packets at GLBREDIRECT, with glb-proxy-diag's
answers printed as one JSON line each: {"step": NAME, "exit": N, "doc": ...}.

  vm_diag.py GLB-PROXY-DIAG PROXY-NS CLIENT-NS
"""

import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from glbnet.netns import Netns  # noqa: E402
from pdnet import TCP_ACK, TCP_SYN, ipv4_tcp  # noqa: E402

VIP, PORT, GUE_PORT = "192.0.2.10", 80, 19523
LOSSY, CLEAN, DIRECTOR = "10.242.0.2", "10.242.0.3", "10.242.0.4"
PROXY = "10.242.0.1"
BYTES = 256 * 1024  # ~180 segments: every 10th lost costs ~18 retransmits


def diag(binary, proxy, step, *args):
    p = subprocess.run([binary, "--netns", proxy.name, *args, "--json"], capture_output=True,
                       text=True, timeout=120)
    doc = json.loads(p.stdout) if p.stdout.strip() else None
    print(json.dumps({"step": step, "exit": p.returncode, "doc": doc, "stderr": p.stderr}),
          flush=True)


def transfer(proxy, client):
    """One connection from each peer; the proxy sends BYTES to each, and both
    ends stay open (tcp_info's counters live as long as the socket)."""
    lst = proxy.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind((VIP, PORT))
    lst.listen(8)
    held = [lst]

    def fetch(src):
        c = client.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((src, 0))
        c.connect((VIP, PORT))
        held.append(c)
        got = 0
        while got < BYTES:
            got += len(c.recv(65536))

    readers = [threading.Thread(target=fetch, args=(src,)) for src in (LOSSY, CLEAN)]
    for r in readers:
        r.start()
    for _ in readers:
        s, _ = lst.accept()
        held.append(s)
        s.sendall(b"z" * BYTES)
    for r in readers:
        r.join(timeout=120)
    return held


def gue(hops, version=0):
    """GUE with GLB's private data (SPEC §6): hlen = 1 + hops, proto 4."""
    head = struct.pack("!BBH", (version << 6) | (1 + len(hops)), 4, 0)
    return head + struct.pack("!HBB", 0, 0, len(hops)) + b"".join(map(socket.inet_aton, hops))


def director_sends(client):
    """What a director would send, plus one packet no director would:
    a SYN (accepted), a packet of a flow the proxy does not know with a
    next hop (forwarded there), a GUE packet of version 1 (dropped)."""
    udp = client.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((DIRECTOR, 0))
    packets = [
        gue([]) + ipv4_tcp("198.51.100.7", VIP, 40001, PORT, TCP_SYN),
        gue([CLEAN]) + ipv4_tcp("198.51.100.8", VIP, 40002, PORT, TCP_ACK, ack=1),
        gue([], version=1) + ipv4_tcp("198.51.100.9", VIP, 40003, PORT, TCP_SYN),
    ]
    for p in packets:
        udp.sendto(p, (PROXY, GUE_PORT))
    udp.close()
    time.sleep(0.5)


def main():
    binary, proxy, client = sys.argv[1], Netns(sys.argv[2]), Netns(sys.argv[3])
    held = transfer(proxy, client)
    diag(binary, proxy, "conns", "conns", "--vip", f"{VIP}:{PORT}", "--sort", "retrans")
    diag(binary, proxy, "lossy-only", "conns", "--vip", f"{VIP}:{PORT}", "--peer", LOSSY)
    diag(binary, proxy, "summary-loss", "summary", "--vip", f"{VIP}:{PORT}", "--no-state")
    for s in held:
        s.close()
    state = "/tmp/pdv-counters"
    diag(binary, proxy, "redirect-before", "summary", "--vip", VIP, "--state-file", state)
    shutil.copy(state, state + ".text")  # the text run's "last run" is the same one
    director_sends(client)
    diag(binary, proxy, "redirect-after", "summary", "--vip", VIP, "--state-file", state)
    p = subprocess.run([binary, "--netns", proxy.name, "summary", "--vip", VIP, "--state-file",
                        state + ".text"], capture_output=True, text=True, timeout=60)
    print(json.dumps({"step": "text", "exit": p.returncode, "text": p.stdout}), flush=True)
    p = subprocess.run([binary, "--netns", proxy.name, "summary", "--vip", VIP, "--prometheus"],
                       capture_output=True, text=True, timeout=60)
    print(json.dumps({"step": "prometheus", "exit": p.returncode, "text": p.stdout}), flush=True)


if __name__ == "__main__":
    main()

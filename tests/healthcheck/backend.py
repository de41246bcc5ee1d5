# SPDX-License-Identifier: BSD-3-Clause
"""The backends glb-healthcheck checks in its tests, run inside the backend
namespace (see hcnet.py for the drawing).  Everything is steered through
files in a control directory, so a test changes a backend's answer by
writing a file:

  :80    HTTP: status from CTRL/http_status_<local ip> (default 200); every
         request appended to CTRL/requests.log as "<local ip> <path> <Host>"
  :81    accepts connections and never answers
  :82    nothing listens (the kernel answers a SYN with a reset)
  UDP 19523 (gue) and 19524 (fou): an emulated GUE decapsulator.  Every
         datagram is appended to CTRL/gue.log as "<port> <hex payload>"; an
         ICMP echo request inside is answered from its inner destination to
         its inner source, unencapsulated, as a proxy's kernel would (fou),
         unless CTRL/gue_silent_<inner destination> exists.
  UDP 19525: nothing listens (ICMP port unreachable)

Run: backend.py CTRL_DIR   (prints "ready" when every socket is open)
"""

import http.server
import os
import socket
import struct
import sys
import threading

# a process of its own, in the backend namespace: glbnet (tests/glbnet) is
# found from here
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from glbnet import gue  # noqa: E402

CTRL = sys.argv[1]
HTTP_PORT, SILENT_PORT = 80, 81
GUE_PORTS = (19523, 19524)
IPPROTO_ICMP = 1
ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
log_lock = threading.Lock()


def append(name, line):
    with log_lock, open(os.path.join(CTRL, name), "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        local = self.connection.getsockname()[0]
        append("requests.log", f"{local} {self.path} {self.headers.get('Host', '-')}")
        try:
            with open(os.path.join(CTRL, f"http_status_{local}")) as f:
                status = int(f.read().strip())
        except FileNotFoundError:
            status = 200
        body = b"glb backend\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def silent_server(s):
    held = []
    while True:
        conn, _ = s.accept()
        held.append(conn)  # never answered, never closed


def answer_echo(payload):
    """Decapsulate like fou + ipip and answer an ICMP echo request inside."""
    gue_len = gue.header_len(payload)
    if gue_len is None:
        return
    inner = payload[gue_len:]
    if len(inner) < 28 or inner[0] >> 4 != 4 or inner[9] != IPPROTO_ICMP:
        return
    ihl = (inner[0] & 0xF) * 4
    src, dst = socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20])
    icmp = inner[ihl:]
    if icmp[0] != ICMP_ECHO_REQUEST or os.path.exists(os.path.join(CTRL, f"gue_silent_{dst}")):
        return
    reply = bytes([ICMP_ECHO_REPLY, 0, 0, 0]) + icmp[4:]  # checksum 0 while it is summed
    reply = reply[:2] + struct.pack("!H", gue.checksum(reply)) + reply[4:]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_ICMP)
    raw.bind((dst, 0))  # the reply comes from the backend's own address
    raw.sendto(reply, (src, 0))
    raw.close()


def gue_server(sock, port):
    while True:
        payload, _ = sock.recvfrom(65535)
        append("gue.log", f"{port} {payload.hex()}")
        answer_echo(payload)


class Server(http.server.ThreadingHTTPServer):
    # A round's probes connect together: the default backlog of 5 would drop SYNs.
    request_queue_size = 1024
    daemon_threads = True


def main():
    httpd = Server(("0.0.0.0", HTTP_PORT), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("0.0.0.0", SILENT_PORT))
    silent.listen(512)
    threading.Thread(target=silent_server, args=(silent,), daemon=True).start()
    for port in GUE_PORTS:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
        threading.Thread(target=gue_server, args=(s, port), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

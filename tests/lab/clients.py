# SPDX-License-Identifier: BSD-3-Clause
"""The clients: real ones, curl processes in the client namespace, each
bound to one client address, each download a TCP connection of its own;
every body is checked against the file's SHA-256."""

import hashlib
import os
import subprocess
import time

from .proxies import FILES_URI, PROXY_HEADER
from .topology import VIP, VIP_PORT

CURL = "/usr/bin/curl"
CONNECT_TIMEOUT_S = 15
# curl's exit codes (curl(1), EXIT CODES)
CURL_OK = 0
CURL_TIMEOUT = 28
CURL_RESETS = {7: "connection refused", 18: "closed early", 52: "empty reply",
               55: "send failed", 56: "receive failed (reset)"}
WRITE_OUT = "%{http_code} %{size_download} %{local_ip} %{local_port} %header{" + PROXY_HEADER + "}"


class Download:
    """One curl: what it fetched, from which client address, where it landed
    (the proxy that answered names itself in a header) and how it ended."""

    def __init__(self, ident, step, kind, client, name, size, sha, out_path):
        self.id = ident
        self.step = step
        self.kind = kind          # "long": spans the step's change; "new": opened after it
        self.client = client
        self.name = name
        self.size = size
        self.sha = sha
        self.out_path = out_path
        self.proc = None
        self.started = None
        self.ended = None
        self.rc = None
        self.http_code = None
        self.received = 0
        self.local_port = None
        self.proxy = None         # the proxy that answered, from its header
        self.outcome = None       # "exact", "reset", "timeout", "corrupt", "error"
        self.detail = ""
        self.expected_loss = False  # on a proxy that died meanwhile

    @property
    def done(self):
        return self.outcome is not None

    @property
    def exact(self):
        return self.outcome == "exact"

    def bytes_so_far(self):
        if self.done:
            return self.received
        try:
            return os.stat(self.out_path).st_size
        except FileNotFoundError:
            return 0

    def finish(self, stdout, stderr):
        self.ended = time.monotonic()
        self.rc = self.proc.returncode
        words = stdout.split()
        if len(words) >= 4:
            self.http_code = int(words[0])
            self.received = int(words[1])
            self.local_port = int(words[3]) if words[3].isdigit() else None
            self.proxy = words[4] if len(words) > 4 else None
        self.detail = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        if self.rc == CURL_OK and self.http_code == 200:
            self.outcome = "exact" if self._body_ok() else "corrupt"
        elif self.rc == CURL_TIMEOUT:
            self.outcome = "timeout"
        elif self.rc in CURL_RESETS:
            self.outcome = "reset"
            self.detail = self.detail or CURL_RESETS[self.rc]
        elif self.rc < 0:
            self.outcome = "error"
            self.detail = "killed: the lab stopped before it ended"
        else:
            self.outcome = "error"
            self.detail = self.detail or f"curl exit {self.rc}, HTTP {self.http_code}"
        try:
            os.unlink(self.out_path)
        except FileNotFoundError:
            pass

    def _body_ok(self):
        h = hashlib.sha256()
        try:
            with open(self.out_path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 16), b""):
                    h.update(chunk)
        except FileNotFoundError:
            self.detail = "no body written"
            return False
        if h.hexdigest() != self.sha:
            self.detail = (f"body of {self.received} bytes has SHA-256 {h.hexdigest()[:16]}..., "
                           f"the file's is {self.sha[:16]}...")
            return False
        return True

    def describe(self):
        where = self.proxy or "?"
        return (f"{self.kind} download {self.id} from {self.client}:{self.local_port or '?'} "
                f"on {where}: {self.outcome} ({self.detail or 'ok'})")


class Clients:
    """Starts downloads in the client namespace and reaps them."""

    def __init__(self, netns, workdir, stall_s, max_s):
        self.netns = netns
        self.dir = workdir / "downloads"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stall_s = stall_s
        self.max_s = max_s
        self.downloads = []
        self._running = []

    def start(self, step, kind, client, name, size, sha):
        d = Download(len(self.downloads) + 1, step, kind, client, name, size, sha,
                     self.dir / f"{len(self.downloads) + 1}.body")
        url = f"http://{VIP}:{VIP_PORT}{FILES_URI}{name}"
        # a stall of stall_s (no byte at all) ends the download as a timeout:
        # that is how a client finds out its proxy died
        argv = [CURL, "--silent", "--show-error", "--interface", client,
                "--connect-timeout", str(CONNECT_TIMEOUT_S), "--speed-limit", "1",
                "--speed-time", str(self.stall_s), "--max-time", str(self.max_s),
                "--output", str(d.out_path), "--write-out", WRITE_OUT, url]
        d.proc = self.netns.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, text=True)
        d.started = time.monotonic()
        self.downloads.append(d)
        self._running.append(d)
        return d

    def reap(self):
        """The downloads that ended since the last call."""
        ended = []
        for d in list(self._running):
            if d.proc.poll() is None:
                continue
            out, err = d.proc.communicate()
            d.finish(out, err)
            self._running.remove(d)
            ended.append(d)
        return ended

    def running(self):
        return list(self._running)

    def kill_all(self):
        """Kill what still runs; reap() then reports each as an error."""
        for d in self._running:
            if d.proc.poll() is None:
                d.proc.kill()
        for d in self._running:
            d.proc.wait()

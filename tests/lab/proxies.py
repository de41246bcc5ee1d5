# SPDX-License-Identifier: BSD-3-Clause
"""The proxies: each set up as an operator would (glb-proxy-setup with the
module and iptables extension built from this tree) and running the kind of
server real proxies run, nginx, with its own configuration, pid file and
logs; a large file served slowly (limit_rate), so downloads stay open across
a change, and a health location the scenario can turn to 500."""

import json
import os
import signal
import subprocess
import time

from glbnet.paths import KMOD_DIR, PROXY_DIAG, PROXY_SETUP
from glbnet.util import sh, wait_for

from .topology import GUE_PORT, VIP, VIP_PORT

NGINX = "/usr/sbin/nginx"
HEALTH_URI = "/health"
FILES_URI = "/files/"
PROXY_HEADER = "X-GLB-Proxy"
STATS_FILE = "glb_redirect_stats"
XTABLES_LIBDIR = "/usr/lib/x86_64-linux-gnu/xtables"
TCP_ESTABLISHED = "01"  # /proc/net/tcp's st column
DIAG_DRAINED = 0        # glb-proxy-diag drained: no connection left (4: timed out)

NGINX_CONF = """\
# nginx for lab {name}: one instance in its own network namespace
daemon off;
master_process on;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    # one line per request: when, the client's address and port, the address it
    # reached (the VIP or the proxy's own), status, bytes, seconds taken
    log_format glb '$msec $remote_addr $remote_port $server_addr $status '
                   '$body_bytes_sent $request_time $request_uri';
    access_log {run}/access.log glb;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    types {{ application/octet-stream bin; }}
    sendfile on;
    # one request per connection: a download is a connection
    keepalive_timeout 0;
    server {{
        listen {port} default_server;
        root {www};
        add_header {header} {name} always;
        location {files} {{
            limit_rate {rate};
        }}
        location = {health} {{
            if (-f {run}/unhealthy) {{
                return 500 "{name} unhealthy\\n";
            }}
            return 200 "{name} ok\\n";
        }}
    }}
}}
"""


def load_module():
    """xt_GLBREDIRECT from this tree (glb-proxy-setup then finds it loaded),
    and what it needs. Before any proxy namespace exists, so that each one
    gets its own tunl0."""
    # tun: the director's net_tap port (no udev makes /dev/net/tun otherwise)
    sh("modprobe", "-a", "ipip", "fou", "x_tables", "tun")
    if not os.path.isdir("/sys/module/xt_GLBREDIRECT"):
        sh("insmod", KMOD_DIR / "xt_GLBREDIRECT.ko")


class Proxy:
    def __init__(self, name, addr, netns, workdir, www, rate):
        self.name = name
        self.addr = addr
        self.netns = netns
        self.run_dir = workdir / name
        self.www = www
        self.rate = rate
        self.nginx = None
        self.up = False

    # -- glb-proxy-setup ----------------------------------------------------

    def setup(self):
        """glb-proxy-setup up, as the glb-proxy service runs it, with the
        extension from this tree."""
        env = dict(os.environ, XTABLES_LIBDIR=f"{KMOD_DIR}:{XTABLES_LIBDIR}",
                   GLB_PROXY_VIPS=VIP, GLB_PROXY_PORT=str(GUE_PORT))
        p = subprocess.run(self.netns.argv(PROXY_SETUP, "up"), env=env, capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"{self.name}: glb-proxy-setup up failed ({p.returncode}):\n"
                               f"{p.stdout}{p.stderr}")
        self.up = True

    def remove_glbredirect(self):
        """Delete the GLBREDIRECT rule (only to show the lab fails without it)."""
        env = dict(os.environ, XTABLES_LIBDIR=f"{KMOD_DIR}:{XTABLES_LIBDIR}")
        subprocess.run(self.netns.argv("iptables", "-D", "INPUT", "-p", "udp", "--dport",
                                       str(GUE_PORT), "-j", "GLBREDIRECT"),
                       env=env, check=True, capture_output=True, timeout=60)

    # -- nginx --------------------------------------------------------------

    def start_nginx(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(name=self.name, run=self.run_dir, www=self.www,
                                          port=VIP_PORT, header=PROXY_HEADER, files=FILES_URI,
                                          health=HEALTH_URI, rate=self.rate))
        log = open(self.run_dir / "nginx.out", "w")
        # -e: the error log before the configuration is read (Debian's default
        # is a file this namespace shares with the host's nginx)
        self.nginx = self.netns.popen([NGINX, "-e", self.run_dir / "error.log", "-p",
                                       self.run_dir, "-c", conf], stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

    def wait_listening(self, timeout=30):
        def listening():
            if self.nginx.poll() is not None:
                raise RuntimeError(f"{self.name}: nginx exited with {self.nginx.returncode}:\n"
                                   + (self.run_dir / "nginx.out").read_text()
                                   + (self.run_dir / "error.log").read_text())
            return any(f[3] == "0A" and f[1].endswith(f":{VIP_PORT:04X}")
                       for f in self.tcp_sockets())
        wait_for(listening, f"nginx on {self.name} to listen", timeout, interval=0.1)

    def stop_nginx(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGTERM)
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()

    def forget_connections(self):
        """Destroy every TCP connection of the service (ss -K; the listener
        stays): what a host that died comes back without."""
        self.netns.run("ss", "-K", "-t", "state", "connected", f"( sport = :{VIP_PORT} )",
                       check=False)

    def wait_drained(self, timeout, tick):
        """The operator's answer to "can I take it out now?": glb-proxy-diag
        drained on the proxy's namespace, run while tick() keeps the lab
        going. Returns {"empty", "seconds", "summary", "answer"}."""
        t0 = time.monotonic()
        proc = subprocess.Popen([str(PROXY_DIAG), "--netns", self.netns.name, "drained",
                                 f"{VIP}:{VIP_PORT}", "--timeout", str(int(timeout)), "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        while proc.poll() is None:
            tick()
        out = proc.stdout.read()
        seconds = time.monotonic() - t0
        try:
            answer = json.loads(out)
        except ValueError:
            answer = {"raw": out}
        empty = proc.returncode == DIAG_DRAINED
        summary = (f"empty after {seconds:.1f} s" if empty else
                   f"exit {proc.returncode} after {seconds:.1f} s: {out.strip()[:300]}")
        return {"empty": empty, "seconds": round(seconds, 2), "summary": summary,
                "answer": answer}

    def set_healthy(self, healthy):
        """The health location answers 200, or 500 (a false alarm: the
        downloads keep being served)."""
        flag = self.run_dir / "unhealthy"
        if healthy:
            flag.unlink(missing_ok=True)
        else:
            flag.touch()

    def access_log(self):
        """nginx's requests: dicts of t, client, port, local, status, bytes, seconds, uri."""
        rows = []
        try:
            text = (self.run_dir / "access.log").read_text()
        except FileNotFoundError:
            return rows
        for line in text.splitlines():
            f = line.split()
            if len(f) != 8:
                continue
            rows.append({"t": float(f[0]), "client": f[1], "port": int(f[2]), "local": f[3],
                         "status": int(f[4]), "bytes": int(f[5]), "seconds": float(f[6]),
                         "uri": f[7]})
        return rows

    # -- the kernel's view ----------------------------------------------------

    def tcp_sockets(self):
        """/proc/net/tcp rows split: [sl, local, remote, st, ...]."""
        return [line.split() for line in self.netns.proc_net("tcp").splitlines()[1:]]

    def vip_connections(self):
        """Established connections to the service address (not health checks)."""
        vip = "".join(f"{int(b):02X}" for b in reversed(VIP.split(".")))
        local = f"{vip}:{VIP_PORT:04X}"
        return sum(1 for f in self.tcp_sockets() if f[1] == local and f[3] == TCP_ESTABLISHED)

    def learned_mtu(self, client):
        """The path MTU this proxy's kernel has learned towards client, or None."""
        words = self.netns.run("ip", "route", "get", client).stdout.split()
        return int(words[words.index("mtu") + 1]) if "mtu" in words else None

    def redirect_stats(self):
        """/proc/net/glb_redirect_stats of the proxy's namespace."""
        return {k: int(v) for k, v in (line.split() for line in
                                       self.netns.proc_net(STATS_FILE).splitlines())}


def accepted(stats):
    """Packets GLBREDIRECT let this proxy's own stack have."""
    return sum(v for k, v in stats.items() if k.startswith("accept_"))


def forwarded(stats):
    """Packets GLBREDIRECT sent on to the next proxy: the flows' own and
    path-MTU errors about them."""
    return stats.get("forward", 0) + stats.get("forward_icmp", 0)


def forwarded_icmp(stats):
    return stats.get("forward_icmp", 0)


def make_file(path, size, seed):
    """A file of size pseudo-random bytes (the same for every run with the
    same seed), written once for all proxies; returns its SHA-256."""
    import hashlib
    import random
    rnd = random.Random(seed)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = rnd.randbytes(min(left, 1 << 16))
            f.write(chunk)
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def wait_quiet(proxies, quiet=1.0, limit=10.0):
    """Counters once no proxy has counted a packet for `quiet` seconds."""
    last = {p.name: p.redirect_stats() for p in proxies}
    since = time.monotonic()
    end = since + limit
    while time.monotonic() < end:
        time.sleep(0.1)
        now = {p.name: p.redirect_stats() for p in proxies}
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last

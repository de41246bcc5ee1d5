# SPDX-License-Identifier: BSD-3-Clause
"""The lab the director tests run in: two network namespaces joined by a veth
pair, the director process, and a raw packet port on the test side.

    root namespace: pytest (builds frames with Scapy, computes expectations
    │               with glbmodel, holds a packet socket opened in "test")
    │
    ├── netns glbe2e-dir<pid>                  netns glbe2e-test<pid>
    │   ┌───────────────────────────┐          ┌──────────────────────────┐
    │   │ glb-director (DPDK)       │          │  AF_PACKET socket        │
    │   │  --vdev=net_af_packet0,   │          │  (sends client frames,   │
    │   │         iface=glbd0       │          │   captures GUE output)   │
    │   │      glbd0 ───────────────┼── veth ──┼─── glbd1                 │
    │   │   no address, no IPv6     │          │   no address, no IPv6    │
    │   └───────────────────────────┘          └──────────────────────────┘

Both ends sit in namespaces of their own (forwarding off, no addresses, IPv6
off), so the kernel there neither answers nor forwards anything: no test
packet can leave the machine, and the only frames on the wire are the test's
and the director's.
"""

import ctypes
import ipaddress
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import glbmodel

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = Path(os.environ.get("GLB_SOURCE_ROOT", HERE.parents[1]))
BUILD_ROOT = Path(os.environ.get("GLB_BUILD_ROOT", SOURCE_ROOT / "build"))
DIRECTOR = BUILD_ROOT / "director" / "glb-director"
CLI = BUILD_ROOT / "director" / "glb-director-cli"
VECTORS = Path(os.environ.get("GLB_VECTORS_DIR", SOURCE_ROOT.parent / "shared" / "vectors"))

DIRECTOR_IF, TEST_IF = "glbd0", "glbd1"
# Locally administered MACs, fixed so that failures read the same every run.
DIRECTOR_MAC = "02:00:5e:10:00:d0"
TEST_MAC = "02:00:5e:10:00:d1"
# Jumbo MTU on both ends (as measured on the lab machine); af_packet's own
# frame size, not the MTU, bounds what the director receives.
LAB_MTU = 9000

READY_TIMEOUT = 20.0  # seconds for the director to print "forwarding"
# GLB_DIRECTOR_WRAPPER runs the director under a tool (CI: valgrind on the
# pcap golden test); such a run starts slower, so the wait is stretched.
WRAPPER = os.environ.get("GLB_DIRECTOR_WRAPPER", "").split()
if WRAPPER:
    READY_TIMEOUT *= 6
    STOP_TIMEOUT_SCALE = 6
else:
    STOP_TIMEOUT_SCALE = 1
STOP_TIMEOUT = 15.0   # seconds for it to exit after SIGTERM

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
RCVBUF = 8 << 20  # holds every frame of a test's burst until it is read
SO_RCVBUFFORCE = 33  # SO_RCVBUF without the rmem_max cap (root)


def sh(*cmd, check=True):
    """Run a command; on failure raise with its output."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def compile_table(tables, workdir: Path, name="table"):
    """Write the forwarding table JSON and compile it with glb-director-cli build-config."""
    src = workdir / f"{name}.json"
    out = workdir / f"{name}.bin"
    src.write_text(glbmodel.forwarding_table_json(tables))
    sh(CLI, "build-config", "--quiet", src, out)
    return out


# ---------------------------------------------------------------------------
# Namespaces and the veth pair
# ---------------------------------------------------------------------------


class Lab:
    """Two namespaces and the veth pair between them; close() removes all of it."""

    def __init__(self, tag=None):
        tag = tag or str(os.getpid())
        self.dir_ns = f"glbe2e-dir{tag}"
        self.test_ns = f"glbe2e-test{tag}"
        self.created = []

    @staticmethod
    def remove_stale():
        """Namespaces an earlier, killed run of these tests left behind."""
        for line in sh("ip", "netns", "list").stdout.splitlines():
            m = re.match(r"(glbe2e-(?:dir|test)(\d+))\b", line)
            if m and not Path(f"/proc/{m.group(2)}").exists():
                sh("ip", "netns", "delete", m.group(1), check=False)

    def open(self):
        self.remove_stale()
        try:
            for ns in (self.dir_ns, self.test_ns):
                sh("ip", "netns", "add", ns)
                self.created.append(ns)
            sh("ip", "-n", self.dir_ns, "link", "add", DIRECTOR_IF, "address", DIRECTOR_MAC,
               "mtu", LAB_MTU, "type", "veth", "peer", "name", TEST_IF, "address", TEST_MAC,
               "mtu", LAB_MTU, "netns", self.test_ns)
            for ns, ifname in ((self.dir_ns, DIRECTOR_IF), (self.test_ns, TEST_IF)):
                self.sysctl(ns, f"net.ipv6.conf.{ifname}.disable_ipv6", 1)
                self.sysctl(ns, f"net.ipv4.conf.{ifname}.forwarding", 0)
                # frames must cross the veth exactly as written: no offload
                # may merge or split them
                sh("ip", "netns", "exec", ns, "ethtool", "-K", ifname, "tx", "off", "gro", "off",
                   "tso", "off", "gso", "off", check=False)
                sh("ip", "-n", ns, "link", "set", ifname, "up")
        except BaseException:
            self.close()
            raise
        return self

    @staticmethod
    def sysctl(ns, key, value):
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", f"{key}={value}")

    def close(self):
        # deleting a namespace destroys its end of the veth, and with it the pair
        for ns in reversed(self.created):
            sh("ip", "netns", "delete", ns, check=False)
        self.created = []


# ---------------------------------------------------------------------------
# The test side's packet port
# ---------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def packet_socket_in(ns, ifname):
    """An AF_PACKET socket bound to ifname in namespace ns.

    A socket belongs to the namespace it was created in, so this thread steps
    into ns just long enough to create it, then back.
    """
    with open("/proc/thread-self/ns/net") as own, open(f"/run/netns/{ns}") as target:
        _setns(target.fileno())
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        finally:
            _setns(own.fileno())
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        s.bind((ifname, ETH_P_ALL))
    except BaseException:
        s.close()
        raise
    return s


class PacketPort:
    """Send frames into the director and capture what it sends back."""

    def __init__(self, ns, ifname=TEST_IF):
        self.sock = packet_socket_in(ns, ifname)

    def close(self):
        self.sock.close()

    def _recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return None
        data, addr = self.sock.recvfrom(65535)
        return None if addr[2] == PACKET_OUTGOING else data

    def drain(self):
        while self._recv(0) is not None:
            pass

    def send(self, frames, pace_every=32):
        for i, f in enumerate(frames):
            self.sock.send(bytes(f))
            if (i + 1) % pace_every == 0:
                time.sleep(0.002)  # stay well inside the director's RX ring

    def collect(self, count, timeout=5.0, settle=0.3):
        """Frames received until `count` have arrived (or timeout), then for `settle` s more."""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            f = self._recv(deadline - time.monotonic())
            if f is not None:
                got.append(f)
        quiet = time.monotonic() + settle
        while time.monotonic() < quiet:
            f = self._recv(quiet - time.monotonic())
            if f is not None:
                got.append(f)
        return got

    def exchange(self, frames, count, **kw):
        self.drain()
        self.send(frames)
        return self.collect(count, **kw)


# ---------------------------------------------------------------------------
# The director process
# ---------------------------------------------------------------------------

_starts = 0


class DirectorProcess:
    """A glb-director process: started until it says it forwards, its output
    kept for failure messages, stopped with SIGTERM (it must exit 0), killed
    on any other exit path, its DPDK runtime directory removed.  Subclasses
    build the command line and may watch each output line (_on_line)."""

    def __init__(self, cmd, file_prefix, cwd=SOURCE_ROOT):
        self.cmd = cmd
        self.file_prefix = file_prefix
        self.cwd = cwd
        self.lines = []
        self.env = None  # the environment to start it in (None: this process's)
        self.ready = threading.Event()
        self.proc = None
        self.returncode = None
        self._reader = None

    def start(self):
        if not DIRECTOR.exists():
            raise AssertionError(f"{DIRECTOR} is not built (meson compile -C {BUILD_ROOT})")
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = (f"exited with {self.proc.returncode}" if self.proc.poll() is not None
                       else f"not forwarding after {READY_TIMEOUT:.0f} s")
                self.kill()
                raise AssertionError(f"glb-director {why}\n$ {' '.join(self.cmd)}\n{self.output()}")
        return self

    def _on_line(self, line):
        """Called for every line the director prints."""

    def _read_output(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            self._on_line(line)
            if line.startswith("glb-director: forwarding on"):
                self.ready.set()

    def output(self, last=None):
        time.sleep(0.1)  # let the reader thread catch the last lines
        return "\n".join(self.lines if last is None else self.lines[-last:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, wait; the director must exit 0.  One never started, or
        already stopped or killed (its failure reported then), is left be."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT * STOP_TIMEOUT_SCALE)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"glb-director did not exit {STOP_TIMEOUT:.0f} s "
                                     f"after SIGTERM\n{self.output()}") from None
        self.returncode = self.proc.returncode
        self._reader.join(5)
        self._cleanup_runtime()
        if self.returncode != 0:
            raise AssertionError(f"glb-director exited with {self.returncode} after SIGTERM\n"
                                 f"{self.output()}")
        return self.returncode

    def kill(self):
        """Stop it now, whatever state it is in (teardown, failures)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.returncode is None:
            self.returncode = self.proc.returncode
        self._cleanup_runtime()

    def _cleanup_runtime(self):
        shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


class Director(DirectorProcess):
    """The director on one port (a veth via af_packet, or a pcap pair), in a
    layout of glbmodel.DirectorConfig."""

    # EAL lcore → CPU maps for the layouts (2 CPUs here).  The distributor's
    # worker shares CPU 0 with the main lcore, which mostly sleeps, so the
    # distributor never spins on a descheduled worker.
    EAL_LCORES = {"rtc": "0@0,1@1", "dist": "0@0,1@1,2@0"}

    def __init__(self, conf: glbmodel.DirectorConfig, table_bin: Path, workdir: Path, vdev,
                 netns=None):
        global _starts
        _starts += 1
        self.conf = conf
        self.table_bin = table_bin
        self.tables = glbmodel.read_table_file(table_bin)
        file_prefix = f"glbtest{os.getpid()}x{_starts}"
        self.conf_path = workdir / f"director{_starts}.conf"
        self.conf_path.write_text(conf.to_json())
        cmd = [str(DIRECTOR), "--no-pci", "--no-huge", "-m", "512", "--file-prefix",
               file_prefix, f"--lcores={self.EAL_LCORES[conf.layout]}", f"--vdev={vdev}", "--",
               "--config-file", str(self.conf_path), "--forwarding-table", str(table_bin)]
        cmd = WRAPPER + cmd
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        super().__init__(cmd, file_prefix)

    def port_mac(self, port=0):
        """The MAC the director reports for a port ("port 0: MAC aa:bb:cc:dd:ee:ff")."""
        for line in self.lines:
            m = re.search(rf"port {port}\b.*?((?:[0-9a-fA-F]{{2}}:){{5}}[0-9a-fA-F]{{2}})", line)
            if m:
                return m.group(1).lower()
        return None

# ---------------------------------------------------------------------------
# pcap files, and a director that reads one and writes one (net_pcap)
# ---------------------------------------------------------------------------

PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D
PCAP_SNAPLEN = 65535
LINKTYPE_ETHERNET = 1
_PCAP_HEADER = struct.Struct("<IHHiIII")
_PCAP_RECORD = struct.Struct("<IIII")


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(_PCAP_HEADER.pack(PCAP_MAGIC_USEC, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            frame = bytes(frame)
            f.write(_PCAP_RECORD.pack(1, i, len(frame), len(frame)) + frame)
    return Path(path)


def read_pcap(path):
    """The frames of a little-endian pcap file (a record still being written is left out)."""
    data = Path(path).read_bytes()
    if len(data) < _PCAP_HEADER.size:
        return []
    magic = _PCAP_HEADER.unpack_from(data, 0)[0]
    if magic not in (PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC):
        raise ValueError(f"{path}: not a little-endian pcap file ({magic:#x})")
    frames, off = [], _PCAP_HEADER.size
    while off + _PCAP_RECORD.size <= len(data):
        _, _, incl, orig = _PCAP_RECORD.unpack_from(data, off)
        off += _PCAP_RECORD.size
        if off + incl > len(data):
            break
        if incl != orig:
            raise ValueError(f"{path}: frame {len(frames)} captured {incl} of {orig} bytes")
        frames.append(data[off:off + incl])
        off += incl
    return frames


def run_pcap_director(conf, table_bin, workdir: Path, frames, expect_count, name="pcap",
                      timeout=10.0, settle=0.5):
    """Run a director over a pcap file: frames in, the frames it wrote out.

    The director reads IN once; once OUT holds expect_count frames (or
    timeout) and nothing more arrives for `settle` s, it gets SIGTERM, which
    flushes and closes OUT.  Returns (frames out, the stopped Director).
    """
    rx, tx = workdir / f"{name}-in.pcap", workdir / f"{name}-out.pcap"
    write_pcap(rx, frames)
    tx.unlink(missing_ok=True)
    d = Director(conf, table_bin, workdir, vdev=f"net_pcap0,rx_pcap={rx},tx_pcap={tx}")
    d.start()
    try:
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            n = len(read_pcap(tx)) if tx.exists() else 0
            if n != seen:
                seen, quiet_since = n, time.monotonic()
            elif n >= expect_count and time.monotonic() - quiet_since >= settle:
                break
            time.sleep(0.05)
    finally:
        d.stop()
    return read_pcap(tx), d


def port_counters(director, port=0):
    """The final counters of a port ("port 0: rx N tx N ... drop_malformed N"), as a dict."""
    for line in reversed(director.lines):
        m = re.search(rf"port {port}:((?: \w+ \d+)+)\s*$", line)
        if m:
            words = m.group(1).split()
            return {k: int(v) for k, v in zip(words[0::2], words[1::2])}
    raise AssertionError(f"no final counters for port {port}:\n{director.output()}")


# ---------------------------------------------------------------------------
# Comparing frames
# ---------------------------------------------------------------------------


def _udp_checksum_valid(frame: bytes) -> bool:
    ihl = (frame[14] & 0xF) * 4
    ip, udp = frame[14:14 + ihl], frame[14 + ihl:]
    udp_len = struct.unpack_from(">H", udp, 4)[0]
    pseudo = ip[12:20] + struct.pack(">BBH", 0, glbmodel.IPPROTO_UDP, udp_len)
    data = pseudo + udp[:udp_len]
    if len(data) % 2:
        data += b"\0"
    return glbmodel.ipv4_checksum(data) == 0


def normalise(frame: bytes) -> bytes:
    """SPEC §6 allows the outer UDP checksum to be 0 or valid: a valid one compares as 0."""
    f = bytes(frame)
    if (len(f) >= 14 + 20 + 8 and f[12:14] == b"\x08\x00" and f[23] == glbmodel.IPPROTO_UDP
            and f[14 + (f[14] & 0xF) * 4 + 6:][:2] != b"\0\0" and _udp_checksum_valid(f)):
        off = 14 + (f[14] & 0xF) * 4 + 6
        f = f[:off] + b"\0\0" + f[off + 2:]
    return f


def describe(frame: bytes) -> str:
    """A frame decoded by Scapy (GUE decoded by hand), for failure messages."""
    text = [frame.hex(" ")]
    try:
        p = Ether(frame)
        text.append(p.summary())
        if UDP in p and p[UDP].dport == glbmodel.GUE_PORT:
            g = bytes(p[UDP].payload)
            hlen, proto = g[0] & 0x1F, g[1]
            hops = [str(ipaddress.IPv4Address(g[8 + 4 * i:12 + 4 * i]))
                    for i in range(g[7])]
            text.append(f"  outer {p[IP].src} > {p[IP].dst} id={p[IP].id} flags={p[IP].flags} "
                        f"ttl={p[IP].ttl} chksum={p[IP].chksum:#06x} udp {p[UDP].sport} > "
                        f"{p[UDP].dport} len={p[UDP].len} chksum={p[UDP].chksum:#06x}")
            text.append(f"  gue hlen={hlen} proto={proto} flags={g[2:4].hex()} private="
                        f"{g[4:8].hex()} hops={hops}")
            inner = g[4 + 4 * hlen:]
            cls = IP if proto == 4 else IPv6 if proto == 41 else Raw
            text.append(f"  inner {cls(inner).summary()}")
    except Exception as e:  # a decoder failure must not hide the real mismatch
        text.append(f"(decode failed: {e})")
    return "\n".join(text)


def assert_frames(expected, got, what=""):
    """The captured frames must be exactly the expected ones, in order."""
    exp = [bytes(f) for f in expected]
    norm = [normalise(f) for f in got]
    if norm == exp:
        return
    lines = [f"{what}: expected {len(exp)} frame(s), got {len(got)}"]
    for i in range(max(len(exp), len(got))):
        e = exp[i] if i < len(exp) else None
        g = norm[i] if i < len(norm) else None
        if e == g:
            continue
        if e is not None and g is not None:
            first = next((j for j in range(min(len(e), len(g))) if e[j] != g[j]),
                         min(len(e), len(g)))
            lines.append(f"frame {i}: first difference at byte {first}")
        lines.append(f"frame {i} expected:\n{describe(e) if e is not None else '(none)'}")
        lines.append(f"frame {i} got:\n{describe(got[i]) if g is not None else '(none)'}")
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------------------
# The tests' forwarding table, director configurations and client frames
#
# VIPs in 192.0.2.0/24 and 2001:db8:10::/48, clients in 198.51.100.0/24,
# 203.0.113.0/24 and 2001:db8:c::/48, backends in 10.x: all of it stays
# inside the lab's veth pair.
# ---------------------------------------------------------------------------


def _key(n):
    return bytes((n * 16 + i) & 0xFF for i in range(16))


def _backends(prefix, n, state="active"):
    return [glbmodel.json_backend(f"{prefix}.{i}", state) for i in range(1, n + 1)]


# Table order matters: "first" comes before "second", and both take 192.0.2.30:25.
TABLES = [
    glbmodel.json_table("web", _key(1), _key(2), [
        glbmodel.json_bind("192.0.2.10", "tcp", 80),
        glbmodel.json_bind("192.0.2.10", "tcp", port_start=8000, port_end=8080),
        glbmodel.json_bind("2001:db8:10::10", "tcp", 80),
    ], _backends("10.10.0", 4)),
    glbmodel.json_table("cidr", _key(3), _key(4), [
        glbmodel.json_bind("192.0.2.64/26", "tcp", 443),
    ], _backends("10.11.0", 3)),
    glbmodel.json_table("dns", _key(5), _key(6), [
        glbmodel.json_bind("192.0.2.20", "udp", 53),
        glbmodel.json_bind("2001:db8:10:20::/64", "udp", 53),
    ], _backends("10.12.0", 3)),
    glbmodel.json_table("first", _key(7), _key(8), [
        glbmodel.json_bind("192.0.2.30", "tcp", 25),
    ], _backends("10.13.0", 2)),
    glbmodel.json_table("second", _key(9), _key(10), [
        glbmodel.json_bind("192.0.2.16/28", "tcp", 25),
        glbmodel.json_bind("192.0.2.16/28", "tcp", 587),
    ], _backends("10.14.0", 2)),
    glbmodel.json_table("dead", _key(11), _key(12), [
        glbmodel.json_bind("192.0.2.40", "tcp", 80),
    ], _backends("10.15.0", 2, state="inactive")),
    glbmodel.json_table("odd-prefixes", _key(13), _key(14), [
        glbmodel.json_bind("192.0.2.136/29", "tcp", 443),
        glbmodel.json_bind("2001:db8:10:30::/61", "tcp", 443),
    ], _backends("10.16.0", 5)),
    glbmodel.json_table("any-port", _key(15), _key(16), [
        glbmodel.json_bind("192.0.2.50", "udp", port_start=0, port_end=65535),
    ], _backends("10.17.0", 2)),
    glbmodel.json_table("solo", _key(17), _key(18), [
        glbmodel.json_bind("192.0.2.60", "tcp", 80),
    ], [glbmodel.json_backend("10.18.0.1"), glbmodel.json_backend("10.18.0.2", "inactive")]),
    # Prefixes whose bytes equal the lab's addresses of the other family
    # (c0.00.02 = 192.0.2, 20.01.0d = 2001:0d..): they must match nothing.
    glbmodel.json_table("family-trap", _key(19), _key(20), [
        glbmodel.json_bind("c000:200::/24", "tcp", 9999),
        glbmodel.json_bind("32.1.13.0/24", "tcp", 9999),
    ], _backends("10.19.0", 2)),
]
WEB, CIDR, DNS, FIRST, SECOND, DEAD, ODD, ANY_PORT, SOLO, FAMILY_TRAP = range(10)

VIP_WEB, VIP_WEB6 = "192.0.2.10", "2001:db8:10::10"
VIP_DNS, NET_DNS6 = "192.0.2.20", ipaddress.ip_network("2001:db8:10:20::/64")
VIP_BOTH = "192.0.2.30"       # taken by "first" and "second"
VIP_SECOND = "192.0.2.31"     # taken by "second" only
VIP_DEAD = "192.0.2.40"
VIP_NONE = "192.0.2.200"      # in no bind's prefix
VIP_ANY_PORT = "192.0.2.50"
VIP_SOLO = "192.0.2.60"       # one usable backend

DEFAULT = glbmodel.DirectorConfig()
ALL_FIELDS = glbmodel.DirectorConfig(hash_fields=glbmodel.HASH_FIELDS)
ALT = glbmodel.DirectorConfig(alt_hash_fields=("src_addr", "src_port"))
ECHO_OFF = glbmodel.DirectorConfig(forward_echo=False)
DISTRIBUTOR = glbmodel.DirectorConfig(layout="dist")

ROUTER_MAC = TEST_MAC


def client(i):
    """The i-th client's IPv4 address."""
    return str(ipaddress.ip_address("198.51.100.0") + 1 + i % 250) if i < 250 else \
        str(ipaddress.ip_address("203.0.113.0") + 1 + i % 250)


def client6(i):
    return str(ipaddress.ip_address("2001:db8:c::") + 0x1000 + i)


def eth():
    return Ether(dst=DIRECTOR_MAC, src=ROUTER_MAC)


def tcp4(src, dst, sport, dport, flags="S", **ip):
    return eth() / IP(src=src, dst=dst, **ip) / TCP(sport=sport, dport=dport, flags=flags)


def udp4(src, dst, sport, dport, payload=b"q" * 12, **ip):
    return eth() / IP(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / payload


def tcp6(src, dst, sport, dport, flags="S", **ip):
    return eth() / IPv6(src=src, dst=dst, **ip) / TCP(sport=sport, dport=dport, flags=flags)


def udp6(src, dst, sport, dport, payload=b"q" * 12, **ip):
    return eth() / IPv6(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / payload


def sentinel():
    """A plain forwarded packet: sent after frames that must be dropped."""
    return tcp4("198.51.100.250", VIP_WEB, 54321, 80)

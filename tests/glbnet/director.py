# SPDX-License-Identifier: BSD-3-Clause
"""The glb-director process: its command line, starting it until it
forwards, its counters while it runs (DPDK telemetry) and when it stops."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from .paths import DIRECTOR, SOURCE_ROOT

READY_LINE = "glb-director: forwarding on"
READY_TIMEOUT_S = 20.0  # for "forwarding on"
STOP_TIMEOUT_S = 15.0   # to exit after SIGTERM
RUNTIME_DIR = "/var/run/dpdk"
TELEMETRY_SOCKET = "dpdk_telemetry.v2"
TELEMETRY_REPLY_MAX = 1 << 16


def command(config, table, vdevs, file_prefix, lcores, memory_mb=512, extra_eal=(),
            eal=None):
    """glb-director's command line without hugepages or PCI: lcores is an
    EAL --lcores map ("0@0,1@1"), vdevs the --vdev arguments. eal, when
    given, replaces the memory and device options (--no-pci --no-huge -m
    MEMORY_MB), e.g. for a run on hugepages."""
    if eal is None:
        eal = ["--no-pci", "--no-huge", "-m", str(memory_mb)]
    return [str(DIRECTOR), *eal, "--file-prefix", file_prefix, f"--lcores={lcores}",
            *(f"--vdev={v}" for v in vdevs), *extra_eal,
            "--", "--config-file", str(config), "--forwarding-table", str(table)]


def af_packet_vdev(ifname, index=0, framesz=9216, blocksz=36864):
    """DPDK's af_packet port on a kernel interface; frames up to framesz."""
    return f"net_af_packet{index},iface={ifname},framesz={framesz},blocksz={blocksz}"


def write_config(path, conf):
    """director.conf from a dict of GLB's keys."""
    with open(path, "w") as f:
        json.dump(conf, f, indent=2)
    return path


class DirectorProcess:
    """A glb-director process: started until it says it forwards, its output
    kept (and optionally copied to log_path), stopped with SIGTERM (it must
    exit 0), killed on any other exit path, its DPDK runtime directory
    removed. Subclasses may watch each output line (_on_line)."""

    def __init__(self, cmd, file_prefix, cwd=SOURCE_ROOT, log_path=None,
                 ready_timeout=READY_TIMEOUT_S, stop_timeout=STOP_TIMEOUT_S):
        self.cmd = [str(c) for c in cmd]
        self.file_prefix = file_prefix
        self.cwd = cwd
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.lines = []
        self.env = None  # the environment to start it in (None: this process's)
        self.ready = threading.Event()
        self.proc = None
        self.returncode = None
        self._reader = None
        self._log = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self):
        if not DIRECTOR.exists():
            raise AssertionError(f"{DIRECTOR} is not built (meson compile -C {DIRECTOR.parents[1]})")
        if self.log_path:
            self._log = open(self.log_path, "w", buffering=1)
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.ready_timeout
        while not self.ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = (f"exited with {self.proc.returncode}" if self.proc.poll() is not None
                       else f"not forwarding after {self.ready_timeout:.0f} s")
                self.kill()
                raise AssertionError(f"glb-director {why}\n$ {' '.join(self.cmd)}\n{self.output()}")
        return self

    def _on_line(self, line):
        """Called for every line the director prints."""

    def _read_output(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if self._log:
                self._log.write(line + "\n")
            self._on_line(line)
            if line.startswith(READY_LINE):
                self.ready.set()

    def output(self, last=None):
        time.sleep(0.1)  # let the reader thread catch the last lines
        return "\n".join(self.lines if last is None else self.lines[-last:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reload(self):
        """SIGUSR1: re-read the table file."""
        self.proc.send_signal(signal.SIGUSR1)

    def stats(self):
        """The running director's /glb/stats (telemetry)."""
        return telemetry(self.file_prefix, "/glb/stats")

    def port_stats(self, port=0):
        """The running director's counters of one port, with its PMD's
        (ipackets, imissed, ...): /glb/port,PORT."""
        return telemetry(self.file_prefix, f"/glb/port,{port}")

    def stop(self):
        """SIGTERM, wait; the director must exit 0. One never started, or
        already stopped or killed (its failure reported then), is left be."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"glb-director did not exit {self.stop_timeout:.0f} s "
                                     f"after SIGTERM\n{self.output()}") from None
        self.returncode = self.proc.returncode
        self._finish()
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
        self._finish()

    def _finish(self):
        if self._reader is not None:
            self._reader.join(5)
        if self._log:
            self._log.close()
            self._log = None
        shutil.rmtree(f"{RUNTIME_DIR}/{self.file_prefix}", ignore_errors=True)

    def final_counters(self, port=0):
        return final_counters(self.lines, port)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


# What the director prints when it stops: a line per port that counted
# anything, and its reloads.
FINAL_PORT_LINE = re.compile(r"port (\d+):((?: \w+ \d+)+)\s*$")
FINAL_RELOADS_LINE = re.compile(r"reloads ok (\d+) failed (\d+)\s*$")


def final_ports(lines):
    """Every port's counters the director printed when it stopped, as
    {port: {counter: value}} ("port 0: rx N tx N ... drop_malformed N"); a
    port whose counters are all zero prints none."""
    ports = {}
    for line in lines:
        m = FINAL_PORT_LINE.search(line)
        if m:
            words = m.group(2).split()
            ports[int(m.group(1))] = {k: int(v) for k, v in zip(words[0::2], words[1::2])}
    return ports


def final_reloads(lines):
    """(ok, failed) from the director's last words "reloads ok N failed M",
    or None when it printed none (it did not stop cleanly)."""
    for line in reversed(lines):
        m = FINAL_RELOADS_LINE.search(line)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def final_counters(lines, port=0):
    """The counters the director prints for a port when it stops
    ("port 0: rx N tx N ... drop_malformed N"), as a dict."""
    counters = final_ports(lines).get(port)
    if counters is None:
        raise AssertionError(f"no final counters for port {port} in the director's output:\n"
                             + "\n".join(lines[-40:]))
    return counters


def drops(counters):
    """The sum of a counter dict's drop_* entries."""
    return sum(v for k, v in counters.items() if k.startswith("drop_") and isinstance(v, int))


class TelemetryError(OSError):
    """No director answers on that file prefix, or it answered nonsense."""


def telemetry(file_prefix, cmd, timeout=5.0):
    """Ask a running DPDK process (its EAL --file-prefix) one telemetry
    command ("/glb/stats", "/glb/port,0") and return the value of its answer."""
    path = os.path.join(RUNTIME_DIR, file_prefix, TELEMETRY_SOCKET)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.settimeout(timeout)
        try:
            s.connect(path)
            s.recv(TELEMETRY_REPLY_MAX)  # the greeting: version, pid, max output length
            s.send(cmd.encode())
            reply = s.recv(TELEMETRY_REPLY_MAX)
        except OSError as e:
            raise TelemetryError(f"{path}: {e}") from None
    finally:
        s.close()
    try:
        # the reply's key is the command without its parameter ("/glb/port,1")
        return json.loads(reply)[cmd.split(",", 1)[0]]
    except (ValueError, KeyError) as e:
        raise TelemetryError(f"{path}: {cmd}: unexpected reply {reply[:200]!r}") from e

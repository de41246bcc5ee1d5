# SPDX-License-Identifier: BSD-3-Clause
"""glb-director on DPDK's software ports, for tests that need it at full speed
and no network lab: it receives from a pcap replayed forever and sends to a
sink, and the test reads its counters.

    pcap file ──► net_pcap0 (port 0, rx_pcap=..., infinite_rx=1 or once)
                       │
                  glb-director  (run to completion on one lcore, or a
                       │         distributor and one worker; busy polling)
                       │
                       ▼
                  net_null0 (port 1, no-rx=1: frees what it is given)

Every process started here is killed on every exit path (Director is a
context manager, and kill() is safe to call twice); its DPDK runtime
directory (/var/run/dpdk/PREFIX) is removed with it.
"""

import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from glbnet import director as gdirector
from glbnet.director import DirectorProcess
from glbnet.paths import CLI

CLI_TIMEOUT = 5.0     # seconds for one `glb-director-cli stats` answer

RX_PORT, TX_PORT = 0, 1

_BASE_CONF = {
    "outbound_gateway_mac": "02:00:00:00:00:01",
    "outbound_src_ip": "10.20.255.1",
    # one flow path: from the pcap port to the null port
    "flow_paths": [{"rx_port": RX_PORT, "rx_queue": 0, "tx_port": TX_PORT, "tx_queue": 0}],
}

# The two lcore layouts: (director.conf, EAL --lcores).  The main lcore (0)
# runs the control plane and mostly sleeps; lcore 1 busy-polls on CPU 1.  The
# distributor's worker shares CPU 0 with the main lcore: on 2 CPUs, a worker
# sharing the distributor's CPU starves it (the distributor spins on a
# descheduled worker).
LAYOUTS = {
    "rtc": (dict(_BASE_CONF, lcores={
        "lcore-1": {"rx": True, "tx": True, "work": True, "flow_paths": [0]}}),
        "0@0,1@1"),
    "dist": (dict(_BASE_CONF, lcores={
        "lcore-1": {"rx": True, "tx": True, "dist": True, "flow_paths": [0],
                    "num_dist_workers": 1},
        "lcore-2": {"work": True, "work_source": 1}}),
        "0@0,1@1,2@0"),
}

# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def replace_atomically(src: Path, dst: Path):
    """Copy src over dst the way a table writer must: a temporary file in the
    same directory, renamed into place (a reader never sees half a file)."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


# ---------------------------------------------------------------------------
# final counters printed at exit
# ---------------------------------------------------------------------------


def parse_final_counters(lines):
    """{"ports": {port: {counter: value}}, "reloads_ok": N, "reloads_failed": M}
    from the lines glb-director prints when it stops; None where absent."""
    reloads = gdirector.final_reloads(lines) or (None, None)
    return {"ports": gdirector.final_ports(lines),
            "reloads_ok": reloads[0], "reloads_failed": reloads[1]}


def drops_by_reason(ports):
    """{reason: count} over every port, for the nonzero drop_<reason> counters."""
    out = {}
    for c in ports.values():
        for k, v in c.items():
            if k.startswith("drop_") and v:
                out[k[len("drop_"):]] = out.get(k[len("drop_"):], 0) + v
    return out


def accounting(ports):
    """(received, accounted for) summed over ports: every received packet must
    be transmitted, refused by a full TX queue, too big, without headroom, or
    dropped for a packet reason."""
    total = lambda k: sum(c.get(k, 0) for c in ports.values())  # noqa: E731
    rx = total("rx")
    out = (total("tx") + total("tx_full") + total("too_big") + total("no_headroom")
           + sum(drops_by_reason(ports).values()))
    return rx, out


# ---------------------------------------------------------------------------
# the director process
# ---------------------------------------------------------------------------

_prefix_seq = itertools.count(1)

# What glb-director logs for each table it loads, and for one it refuses.
_LOADED = re.compile(r"table \S+ loaded: .*sha256 ([0-9a-f]{64})")
_REFUSED = "table not loaded"


class Director(DirectorProcess):
    """glb-director replaying rx_pcap (forever, or once) into net_null, in one
    of LAYOUTS."""

    def __init__(self, workdir: Path, table: Path, rx_pcap: Path, layout="rtc", infinite=True):
        conf, lcores = LAYOUTS[layout]
        self.workdir = Path(workdir)
        self.table = Path(table)
        file_prefix = f"glbrl{os.getpid()}x{next(_prefix_seq)}"
        self.conf_path = gdirector.write_config(self.workdir / f"{file_prefix}.conf", conf)
        vdevs = [f"net_pcap0,rx_pcap={rx_pcap}" + (",infinite_rx=1" if infinite else ""),
                 "net_null0,no-rx=1"]
        cmd = gdirector.command(self.conf_path, self.table, vdevs, file_prefix, lcores)
        super().__init__(cmd, file_prefix, cwd=self.workdir)
        self.loaded = []  # sha256 of each table it logged as loaded, in order
        self.refused = 0  # tables it logged as not loaded

    def start(self):
        if not CLI.exists():
            raise AssertionError(f"{CLI} is not built (meson compile -C {CLI.parents[1]})")
        return super().start()

    def _on_line(self, line):
        m = _LOADED.search(line)
        if m:
            self.loaded.append(m.group(1))
        elif _REFUSED in line:
            self.refused += 1

    def signal(self, sig):
        if not self.alive():
            raise AssertionError(f"glb-director is not running (exit {self.proc.poll()})\n"
                                 f"{self.output(60)}")
        self.proc.send_signal(sig)

    def stop(self):
        """SIGTERM; the director must exit 0.  Returns the final counters it
        printed (parse_final_counters)."""
        super().stop()
        return parse_final_counters(self.lines)

    # -- what it says ---------------------------------------------------------

    def wait_reloads(self, n, timeout):
        """Wait until the director has logged n tables loaded or refused in all."""
        deadline = time.monotonic() + timeout
        while len(self.loaded) + self.refused < n:
            if time.monotonic() > deadline or not self.alive():
                raise AssertionError(f"{n} table loads not logged within {timeout} s "
                                     f"({len(self.loaded)} loaded, {self.refused} refused)\n"
                                     f"{self.output(60)}")
            time.sleep(0.001)

    def stats(self):
        """The running director's counters as `glb-director-cli stats --json`
        gives them ({"stats", "ports", "tables"}): unlike the base class's
        (telemetry's /glb/stats alone), so that these tests check the CLI's
        report too."""
        r = subprocess.run([str(CLI), "stats", "--file-prefix", self.file_prefix, "--json"],
                           capture_output=True, text=True, timeout=CLI_TIMEOUT)
        if r.returncode != 0:
            raise AssertionError(f"glb-director-cli stats failed ({r.returncode}): {r.stderr}\n"
                                 f"{self.output(60)}")
        return json.loads(r.stdout)

    def unseen(self):
        """Packets the RX port has delivered (its PMD's ipackets) that the
        director has not counted: in flight, or lost.  Only a hint while
        packets flow: telemetry sums the director's counters (tens of
        microseconds) before it reads the port's, which adds that many
        microseconds of traffic."""
        p = self.stats()["ports"][str(RX_PORT)]
        return p["ipackets"] - p["rx"]

    def wait_stats(self, predicate, timeout, what):
        """Poll stats until predicate(stats) holds; the last stats."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if predicate(s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not seen within {timeout} s; last stats "
                                     f"{json.dumps(s['stats'])}\n{self.output(60)}")
            time.sleep(0.05)

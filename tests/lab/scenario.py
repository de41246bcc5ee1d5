# SPDX-License-Identifier: BSD-3-Clause
"""The lab's scenario: six steps, each from a settled state, with long
downloads started before its change and new connections opened after it,
all finished before the next change (GLB tolerates one change in flight;
SPEC §8). See topology.py for the network and README.md for what each step
proves.

  1 all three active      connections spread over proxy1-3 as route predicts
  2 drain proxy2          its downloads finish on it through second chance;
                          new ones never land on it; empty, it goes inactive
  3 add proxy4            filling, then active: old downloads stay where they
                          were (forwarded by proxy4), new ones reach proxy4
  4 false alarm proxy3    its health fails, the table soft-drains it, none of
                          its downloads breaks; then it is back
  5 proxy1 dies           its link goes down: only its downloads break; the
                          healthcheck's detection time is measured; it returns
  6 restore proxy2        active again: new connections over all four
"""

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from glbnet import director as gdirector
from glbnet.paths import HEALTHCHECK

from . import proxies as px
from . import topology
from .clients import Clients
from .control import ControlPlane
from .topology import CLIENT_MTU, GUE_PORT, PROXIES, PROXY_NET, Topology

RELOAD_TIMEOUT_S = 40.0
EMPTY_TIMEOUT_S = 20.0
# A download "spans" a table change when it began this long before the
# director had the new table and ended this long after: it certainly sent
# packets under both tables.
SPAN_MARGIN_S = 1.0
PROGRESS_EVERY_S = 2.0   # a new line this often when the output is not a terminal
TICK_S = 0.2
LOWER_MTU = 1280   # the clients' link during the drain: below the proxies' 1500-byte segments
CAPTURE_SNAPLEN = 200          # outer headers, GUE, inner headers
CAPTURE_DIRECTOR_PACKETS = 5000


@dataclass
class Profile:
    name: str
    clients: int
    rate: int          # bytes per second per download (nginx limit_rate)
    long_s: float      # a long download's length at that rate
    new_s: float       # a new connection's download
    interval_ms: int   # healthcheck timing
    timeout_ms: int
    trigger: int
    stall_s: int       # curl gives up after this long without a byte


FULL = Profile("full", clients=40, rate=48 * 1024, long_s=14, new_s=3, interval_ms=1000,
               timeout_ms=500, trigger=2, stall_s=6)
QUICK = Profile("quick", clients=20, rate=48 * 1024, long_s=10, new_s=2, interval_ms=1000,
                timeout_ms=500, trigger=2, stall_s=5)


class Step:
    def __init__(self, number, name, title):
        self.number = number
        self.name = name
        self.title = title
        self.t0 = self.t1 = None
        self.stats0 = self.stats1 = None
        self.complete = False

    def forwards(self):
        return {p: px.forwarded(self.stats1[p]) - px.forwarded(self.stats0[p])
                for p in self.stats0}


class Lab:
    def __init__(self, profile, workdir, results, out=sys.stdout, tty=False, sabotage=None):
        self.p = profile
        self.workdir = workdir
        self.results = results
        self.out = out
        self.tty = tty
        self.sabotage = sabotage  # a proxy to run without its GLBREDIRECT rule
        self.topo = Topology(profile.clients)
        self.proxies = {}
        self.control = None
        self.clients = None
        self.steps = []
        self.step = None
        self.files = {}
        self.detection = {}       # what -> ms, from the change to the director's reload
        self.director_final = {}
        self.hc_status = None
        self._last_line = 0.0
        self._line_open = False
        self.death = None         # (proxy, when its link was cut) in step 5
        self.final_stats = {}     # each proxy's GLBREDIRECT counters at the end
        self.director_reloads = {}
        self.captures = []
        self.error = None         # why the scenario stopped before its end
        self.shared_link = {}     # the director's link at the end (check_shared_link)
        self.client_stats = {}    # the clients' TCP retransmissions (client_tcp)
        self.pmtu = {}            # step 2: client -> MTU proxy2 learned towards it
        self.drained = {}         # step 2: what glb-proxy-diag drained said of proxy2

    # -- output -----------------------------------------------------------------

    def say(self, text=""):
        if self._line_open:
            self.out.write("\n")
            self._line_open = False
        self.out.write(text + "\n")
        self.out.flush()

    def heading(self, text):
        self.say(f"\n== {text}")

    def progress(self, force=False):
        now = time.monotonic()
        if not force and not self.tty and now - self._last_line < PROGRESS_EVERY_S:
            return
        self._last_line = now
        mine = [d for d in self.clients.downloads if d.step == self.step.number]
        running = sum(1 for d in mine if not d.done)
        moved = sum(d.bytes_so_far() for d in mine)
        conns = " ".join(f"{n} {p.vip_connections():>2}" for n, p in self.proxies.items())
        fwd = sum(px.forwarded(p.redirect_stats()) for p in self.proxies.values()) - \
            sum(px.forwarded(s) for s in self.step.stats0.values())
        line = (f"  [{self.step.number} {self.step.name}] {now - self.step.t0:5.1f}s  "
                f"open {running:>2}  done {len(mine) - running:>2}/{len(mine):<2}  "
                f"{moved / 1e6:6.2f} MB  conns: {conns}  forwarded {fwd}")
        if self.tty:
            self.out.write("\r" + line.ljust(118))
            self._line_open = True
        else:
            self.out.write(line + "\n")
        self.out.flush()

    # -- waiting, with the clients reaped and progress shown ------------------

    def reap(self):
        for d in self.clients.reap():
            if not d.exact and not self._expected_loss(d):
                self.say(f"  ! {d.describe()}")

    def tick(self):
        self.reap()
        for name, proc in (("glb-director", self.control.director.proc),
                           ("glb-healthcheck", self.control.hc.proc)):
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} (its log is in "
                                   f"{self.results})")
        self.progress()
        time.sleep(TICK_S)

    def wait(self, pred, what, timeout):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise RuntimeError(f"step {self.step.number}: timed out after {timeout:g} s "
                                   f"waiting for {what}")
            self.tick()

    def change(self, what, action):
        """Make a change that must end in a table reload, and wait for the
        director to have the new table; returns the milliseconds it took."""
        before = self.control.reloads()
        t0 = time.monotonic()
        action()
        self.wait(lambda: self.control.reloads() > before, f"the director to reload ({what})",
                  RELOAD_TIMEOUT_S)
        ms = (time.monotonic() - t0) * 1000
        v = self.control.record(what)
        self.control.changes += 1
        self.say(f"  {what}: the director reloaded after {ms:.0f} ms (table {v.index}, "
                 f"{v.sha[:12]})")
        return ms

    # -- downloads ----------------------------------------------------------

    def start_downloads(self, kind):
        name = "long.bin" if kind == "long" else "new.bin"
        size, sha = self.files[name]
        for c in self.topo.clients:
            self.clients.start(self.step.number, kind, c, name, size, sha)
            self.tick_quick()

    def tick_quick(self):
        # spread the curls' start over a moment: twenty execs at once stall the guest
        self.reap()
        time.sleep(0.03)

    def wait_flowing(self, kind="long"):
        """Until every download of kind in this step has received bytes:
        their connections stand on the current table."""
        mine = [d for d in self.clients.downloads if d.step == self.step.number and d.kind == kind]
        self.wait(lambda: all(d.done or d.bytes_so_far() > 0 for d in mine),
                  f"every {kind} download to receive data", 60)

    def wait_done(self, kind=None):
        mine = [d for d in self.clients.downloads if d.step == self.step.number and
                (kind is None or d.kind == kind)]
        self.wait(lambda: all(d.done for d in mine), "the step's downloads to finish",
                  self.p.long_s * 3 + 60)

    # -- steps ----------------------------------------------------------------

    def begin(self, number, name, title):
        self.step = Step(number, name, title)
        self.steps.append(self.step)
        self.heading(f"step {number}/6: {title}")
        self.step.stats0 = {n: p.redirect_stats() for n, p in self.proxies.items()}
        self.step.t0 = time.monotonic()

    def end(self):
        self.wait_done()
        # the last ACKs and FINs of the step's connections: counted in it
        self.step.stats1 = px.wait_quiet(list(self.proxies.values()), quiet=0.5, limit=5)
        self.step.t1 = time.monotonic()
        self.step.complete = True
        self.progress(force=True)
        mine = [d for d in self.clients.downloads if d.step == self.step.number]
        landed = {}
        for d in mine:
            landed[d.proxy or "?"] = landed.get(d.proxy or "?", 0) + 1
        fwd = {p: n for p, n in self.step.forwards().items() if n}
        self.say(f"  step {self.step.number} done in {self.step.t1 - self.step.t0:.1f} s: "
                 f"{len(mine)} downloads, {sum(d.exact for d in mine)} byte-exact; served by "
                 + ", ".join(f"{p} {n}" for p, n in sorted(landed.items()))
                 + "; second-chance forwards: "
                 + (", ".join(f"{p} {n}" for p, n in sorted(fwd.items())) or "none"))

    def step1(self):
        self.begin(1, "spread", "proxy1-3 active: clients land where glb-director-cli route says")
        self.start_downloads("new")
        self.end()

    def step2(self):
        self.begin(2, "drain", "drain proxy2: its downloads finish on it, new ones go elsewhere")
        self.start_downloads("long")
        self.wait_flowing()
        self.change("proxy2 draining", lambda: self.control.set_state("proxy2", "draining"))
        # path-MTU discovery through second chance: the router's errors about
        # proxy2's connections reach their rows' new primaries first
        self.topo.client_link_mtu(LOWER_MTU)
        self.say(f"  router: the clients' link takes {LOWER_MTU}-byte packets now: the "
                 f"proxies' full-size segments come back as fragmentation needed")
        self.start_downloads("new")
        self.wait_done()
        self.pmtu = {d.client: self.proxies["proxy2"].learned_mtu(d.client)
                     for d in self.clients.downloads if d.step == 2 and d.kind == "long"
                     and d.proxy == "proxy2"}
        self.topo.client_link_mtu(CLIENT_MTU)
        self.drained = self.proxies["proxy2"].wait_drained(EMPTY_TIMEOUT_S, self.tick)
        # the kernel's own word, read the other way (/proc/net/tcp)
        self.drained["established_after"] = self.proxies["proxy2"].vip_connections()
        self.say(f"  glb-proxy-diag drained on proxy2: {self.drained['summary']}: taking it out")
        if not self.drained["empty"]:
            raise RuntimeError(f"step 2: proxy2 still holds connections after "
                               f"{EMPTY_TIMEOUT_S:g} s: {self.drained['summary']}")
        self.change("proxy2 inactive", lambda: self.control.set_state("proxy2", "inactive"))
        self.end()

    def step3(self):
        self.begin(3, "add", "add proxy4 (filling, then active): old downloads stay, new ones reach it")
        self.start_downloads("long")
        self.wait_flowing()
        self.change("proxy4 filling", lambda: self.control.set_state("proxy4", "filling"))
        self.start_downloads("new")
        self.wait_done("new")
        self.change("proxy4 active", lambda: self.control.set_state("proxy4", "active"))
        self.end()

    def step4(self):
        self.begin(4, "false-alarm", "false alarm on proxy3: health fails, downloads go on")
        self.start_downloads("long")
        self.wait_flowing()
        ms = self.change("proxy3 health 500 -> marked down",
                         lambda: self.proxies["proxy3"].set_healthy(False))
        self.detection["false_alarm"] = ms
        self.start_downloads("new")
        self.wait_done("new")
        self.change("proxy3 health 200 -> marked up",
                    lambda: self.proxies["proxy3"].set_healthy(True))
        self.end()

    def step5(self):
        self.begin(5, "death", "proxy1 dies (its link goes down): only its downloads break")
        self.start_downloads("long")
        self.wait_flowing()
        self.death = ("proxy1", time.monotonic())
        ms = self.change("proxy1 link down -> marked down", lambda: self.topo.cut("proxy1"))
        self.detection["death"] = ms
        self.start_downloads("new")
        self.wait_done()
        # it comes back as a host that died does: without its TCP state
        self.proxies["proxy1"].forget_connections()
        self.change("proxy1 back (no old connections), link up -> marked up",
                    lambda: self.topo.mend("proxy1"))
        self.end()

    def step6(self):
        self.begin(6, "restore", "proxy2 active again: new connections over all four")
        self.start_downloads("long")
        self.wait_flowing()
        self.change("proxy2 active", lambda: self.control.set_state("proxy2", "active"))
        self.start_downloads("new")
        self.end()

    STEPS = (step1, step2, step3, step4, step5, step6)

    # -- setting up --------------------------------------------------------------

    def build(self):
        self.heading(f"lab: {len(self.topo.all())} namespaces, {self.p.clients} clients, "
                     f"profile {self.p.name}")
        drawing = topology.__doc__.split("\n\n")[1]
        for line in drawing.splitlines():
            self.say(line)
        self.topo.teardown()  # what an interrupted run left
        px.load_module()
        self.topo.build()
        www = self.workdir / "www"
        (www / "files").mkdir(parents=True, exist_ok=True)
        for name, seconds, seed in (("long.bin", self.p.long_s, 1), ("new.bin", self.p.new_s, 2)):
            size = int(self.p.rate * seconds)
            self.files[name] = (size, px.make_file(www / "files" / name, size, seed))
        rate = f"{self.p.rate // 1024}k"
        for name, addr in PROXIES.items():
            p = px.Proxy(name, addr, self.topo.proxies[name], self.workdir, www, rate)
            p.setup()
            p.start_nginx()
            self.proxies[name] = p
        for p in self.proxies.values():
            p.wait_listening()
        if self.sabotage:
            self.proxies[self.sabotage].remove_glbredirect()
            self.say(f"SABOTAGE: {self.sabotage} runs without its GLBREDIRECT rule: fou "
                     f"decapsulates everything, nothing gets a second chance; the lab must fail")
        self.say(f"proxies: glb-proxy-setup up (fou on {GUE_PORT}, VIP on tunl0, GLBREDIRECT), "
                 f"nginx serving {self.files['long.bin'][0] // 1024} KiB and "
                 f"{self.files['new.bin'][0] // 1024} KiB files at {rate}B/s per connection")
        self.start_captures()
        self.control = ControlPlane(self.topo, self.workdir, self.p, self.topo.clients)
        self.control.start(self.results)
        self.clients = Clients(self.topo.client, self.workdir, self.p.stall_s,
                               max_s=int(self.p.long_s * 4 + 30))
        port = gdirector.telemetry(self.control.director.file_prefix, "/glb/port,0")
        self.say(f"director: glb-director on net_tap (dpdk0, shared with the kernel: "
                 f"{'isolated' if port['isolated'] else 'NOT isolated'}, {port['flow_rules']} "
                 f"flow rules), pid {self.control.director.pid}, idle back-off on; healthcheck "
                 f"over the same link: gue + http every {self.p.interval_ms} ms, trigger "
                 f"{self.p.trigger}")
        self.wait_first_round()

    def start_captures(self):
        """pcaps for the post-mortem, on the router: the first packets on the
        director's link, and every second-chance forward (GUE from a proxy)."""
        for name, iface, args in (
                ("director.pcap", "gw-d", ["-c", str(CAPTURE_DIRECTOR_PACKETS)]),
                ("second-chance.pcap", "br0",
                 [f"udp dst port {GUE_PORT} and src net {PROXY_NET}.0/24"])):
            path = self.workdir / name
            proc = self.topo.router.popen(["tcpdump", "-i", iface, "-s", str(CAPTURE_SNAPLEN),
                                           "-U", "-w", path, *args],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.captures.append((proc, path))

    def stop_captures(self):
        for proc, path in self.captures:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if path.exists():
                shutil.copyfile(path, self.results / path.name)

    def wait_first_round(self):
        """The healthcheck's first complete round writes the checked table and reloads."""
        self.step = Step(0, "start", "")
        self.step.t0 = time.monotonic()
        self.step.stats0 = {n: p.redirect_stats() for n, p in self.proxies.items()}
        before = 1  # the director's own first load counts as one
        deadline = time.monotonic() + RELOAD_TIMEOUT_S
        while self.control.reloads() <= before:
            if time.monotonic() > deadline:
                raise RuntimeError("the healthcheck's first round did not reload the director:\n"
                                   + self.control.hc.tail())
            time.sleep(TICK_S)
        self.control.record("the healthcheck's first round")
        self.say("healthcheck: every proxy checked, table written, director reloaded")

    # -- running ----------------------------------------------------------------------

    def run(self):
        """Build, run the steps, stop and collect. A step that cannot go on
        (a timeout, a process that died) ends the scenario: what happened
        until then is still collected and checked (self.error says why)."""
        try:
            self.build()
            try:
                for step in self.STEPS:
                    step(self)
            except (RuntimeError, AssertionError) as e:
                self.error = str(e)
                self.say(f"\nlab: the scenario stopped: {e}")
                if self.step.stats1 is None:
                    self.step.stats1 = {n: p.redirect_stats() for n, p in self.proxies.items()}
                    self.step.t1 = time.monotonic()
                self.clients.kill_all()
                self.reap()
            self.heading("stop: director and healthcheck")
            self.shared_link = self.check_shared_link()
            self.client_stats = self.client_tcp()
            self.final_stats = {n: p.redirect_stats() for n, p in self.proxies.items()}
            st = self.control.director.stats()
            self.director_reloads = {"ok": st["reloads_ok"], "failed": st["reloads_failed"]}
            self.hc_status = self.status_command()
            self.director_final = self.control.stop()
            for line in self.control.director.lines:
                if re.match(r"glb-director: (port \d+: rx|table \d+:|reloads)", line):
                    self.say("  " + line)
        finally:
            if self.clients:
                self.clients.kill_all()
            if self.control:
                self.control.kill()
            for p in self.proxies.values():
                p.stop_nginx()
            self.stop_captures()
            self.keep_logs()
            self.topo.teardown()
        return self.control

    def check_shared_link(self):
        """The director's link at the end: DPDK's port isolated with its rules,
        and the kernel still answering on the link's own address."""
        port = gdirector.telemetry(self.control.director.file_prefix, "/glb/port,0")
        ping = self.topo.router.run("ping", "-c", "2", "-i", "0.2", "-W", "2",
                                    topology.DIRECTOR_ADDR, check=False)
        return {"isolated": bool(port["isolated"]), "flow_rules": port["flow_rules"],
                "kernel_answers_ping": ping.returncode == 0,
                "imissed": port.get("imissed"), "ierrors": port.get("ierrors"),
                "rx_nombuf": port.get("rx_nombuf")}

    def client_tcp(self):
        """The clients' kernel: segments retransmitted, SYNs among them."""
        def table(text, proto):
            rows = [line.split() for line in text.splitlines() if line.startswith(proto + ":")]
            return dict(zip(rows[0][1:], map(int, rows[1][1:]))) if len(rows) >= 2 else {}
        snmp = table(self.topo.client.proc_net("snmp"), "Tcp")
        ext = table(self.topo.client.proc_net("netstat"), "TcpExt")
        return {"segments_out": snmp.get("OutSegs"), "retransmitted": snmp.get("RetransSegs"),
                "syn_retransmitted": ext.get("TCPSynRetrans")}

    def status_command(self):
        p = subprocess.run([str(HEALTHCHECK), "--status", "--json", "--config",
                            str(self.control.hc.conf)], capture_output=True, text=True,
                           timeout=30)
        try:
            return json.loads(p.stdout)
        except ValueError:
            return {"error": f"glb-healthcheck --status: exit {p.returncode}: {p.stderr.strip()}"}

    def keep_logs(self):
        """Everything worth a post-mortem, into the results directory."""
        r = self.results
        for p in self.proxies.values():
            for f in ("access.log", "error.log", "nginx.conf"):
                src = p.run_dir / f
                if src.exists():
                    shutil.copyfile(src, r / f"{p.name}-{f}")
        if self.control and self.control.hc:
            hc = self.control.hc
            for src in (hc.log, hc.src, hc.dst, hc.conf, hc.status_path):
                if src.exists():
                    shutil.copyfile(src, r / src.name)
        tables_dir = self.workdir / "tables"
        if tables_dir.exists():
            shutil.copytree(tables_dir, r / "tables", dirs_exist_ok=True)
        for f in ("director.conf",):
            if (self.workdir / f).exists():
                shutil.copyfile(self.workdir / f, r / f)

    # -- helpers for the checks ---------------------------------------------------

    def _expected_loss(self, d):
        """A download the dead proxy was serving when it died."""
        if self.death is None or d.step != 5:
            return False
        name, t_cut = self.death
        v = self.control.version_at(d.started)
        return v.primary(d.client) == name and d.started < t_cut and \
            (d.ended is None or d.ended > t_cut)


def director_books(counters):
    return counters.get("rx", 0), counters.get("tx", 0), gdirector.drops(counters)

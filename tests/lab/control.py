# SPDX-License-Identifier: BSD-3-Clause
"""The director's side of the lab: glb-director on its one link, shared
with the kernel (flow bifurcation), and
glb-healthcheck checking every proxy, whose reload command compiles the
checked table and signals the director, exactly as an operator runs them.
Every table the director loads is kept, with where each client goes in it
(glb-director-cli route)."""

import json
import os
import shutil
import time

from glbnet import director as gdirector
from glbnet import tables
from glbnet.healthcheck import Daemon
from glbnet.paths import CLI
from glbnet.util import sh

from .proxies import HEALTH_URI
from .topology import (DIRECTOR_ADDR, DIRECTOR_PORT_IF, GUE_PORT, PROXIES, VIP, VIP_PORT,
                       JUMBO_MTU)

FILE_PREFIX = "glblab"
HASH_KEY = "6c61622d686173682d6b65792d303031"  # "lab-hash-key-001"
SEED = "6c61622d736565642d2d2d2d2d303031"      # "lab-seed-----001"
NAMES = {addr: name for name, addr in PROXIES.items()}
# After empty polls the director sleeps this long: the guest's two CPUs are
# shared by eight namespaces' worth of kernel work, nginx, curl and us.
IDLE_SLEEP_US = 100


class Version:
    """A table the director loaded: when the lab saw it, its SHA-256, what
    changed, and each client's (primary, secondary) by proxy name."""

    def __init__(self, index, t, sha, path, label, routes):
        self.index = index
        self.t = t
        self.sha = sha
        self.path = path
        self.label = label
        self.routes = routes

    def primary(self, client):
        return self.routes[client][0]


class ControlPlane:
    def __init__(self, topo, workdir, profile, clients):
        self.topo = topo
        self.workdir = workdir
        self.profile = profile
        self.clients = clients
        self.table_bin = workdir / "table.bin"
        self.tables_dir = workdir / "tables"
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.director = None
        self.hc = None
        self.versions = []
        self.changes = 0
        # the operator's source table: proxy1-3 active, proxy4 not in it yet
        self.states = {"proxy1": "active", "proxy2": "active", "proxy3": "active"}

    # -- the operator's table -------------------------------------------------

    def source(self):
        backends = [tables.backend(PROXIES[name], state, healthy=None, healthchecks={
            "gue": GUE_PORT, "http": VIP_PORT, "http_uri": HEALTH_URI})
            for name, state in self.states.items()]
        p = self.profile
        return tables.document(
            [tables.table("lab", HASH_KEY, SEED, [tables.bind(VIP, "tcp", VIP_PORT)], backends)],
            healthchecks={"interval_ms": p.interval_ms, "timeout_ms": p.timeout_ms,
                          "trigger": p.trigger})

    def set_state(self, name, state):
        """Edit the source table and SIGHUP the healthcheck, as an operator does."""
        self.states[name] = state
        self.hc.set_source(self.source())

    # -- processes ------------------------------------------------------------

    def start(self, log_dir):
        src = tables.write_json(self.workdir / "initial.json", self.source())
        tables.compile_table(src, self.table_bin)
        conf = gdirector.write_config(self.workdir / "director.conf", {
            "outbound_gateway_mac": self.topo.router_mac(),
            "outbound_src_ip": DIRECTOR_ADDR,
            "forward_icmp_ping_responses": True,
            "hash_fields": {"src_addr": True},
            "flow_paths": [{"rx_port": 0, "rx_queue": 0, "tx_port": 0, "tx_queue": 0}],
            "lcores": {"lcore-1": {"rx": True, "tx": True, "work": True, "flow_paths": [0]}},
            "idle_sleep_us": IDLE_SLEEP_US,
            "mtu": JUMBO_MTU,
            # one link for the service and the kernel (SPEC §10)
            "flow_isolate": True,
        })
        # EAL's main lcore (the control loop) and the forwarding lcore each on a CPU
        lcores = "0@0,1@1" if os.cpu_count() >= 2 else "0@0,1@0"
        # net_tap's remote= carries its rte_flow rules as TC flower rules on the
        # veth: what they select goes to DPDK, the rest stays the kernel's
        vdev = f"net_tap0,remote={DIRECTOR_PORT_IF},iface=dtap0"
        cmd = gdirector.command(conf, self.table_bin, [vdev], FILE_PREFIX, lcores, memory_mb=256)
        self.director = gdirector.DirectorProcess(self.topo.director.argv(*cmd), FILE_PREFIX,
                                                  log_path=log_dir / "director.log",
                                                  ready_timeout=60)
        self.director.start()
        self.record("initial table (compiled by the lab)")
        reload_cmd = (f'{CLI} build-config --quiet "$GLB_CHECKED_TABLE" {self.table_bin} '
                      f"&& kill -USR1 {self.director.pid}")
        hc_dir = self.workdir / "healthcheck"
        hc_dir.mkdir(exist_ok=True)
        self.hc = Daemon(hc_dir, self.source(), reload_command=reload_cmd, args=(),
                         netns=self.topo.director)
        self.hc.start()

    def stop(self):
        """Stop both; returns the director's final counters."""
        if self.hc:
            self.hc.stop()
        if self.director:
            self.director.stop()
            return self.director.final_counters()
        return {}

    def kill(self):
        if self.hc:
            self.hc.stop()
        if self.director:
            self.director.kill()

    # -- tables -----------------------------------------------------------------

    def reloads(self):
        return self.director.stats()["reloads_ok"]

    def record(self, label):
        """Keep the table the director has loaded now, with every client's route."""
        st = self.director.stats()
        path = self.tables_dir / f"{len(self.versions):02d}.bin"
        shutil.copyfile(self.table_bin, path)
        sha = sh("sha256sum", path).stdout.split()[0]
        if sha != st["table_sha256"]:
            raise RuntimeError(f"table.bin changed again before the lab could keep it "
                               f"(director has {st['table_sha256'][:12]}, file {sha[:12]})")
        out = sh(CLI, "route", "--json", path, *self.clients).stdout
        routes = {}
        for line in out.splitlines():
            r = json.loads(line)
            first = r["routes"][0]
            routes[r["src"]] = (NAMES[first["primary"]], NAMES[first["secondary"]])
        v = Version(len(self.versions), time.monotonic(), sha, path, label, routes)
        self.versions.append(v)
        return v

    def version_at(self, t):
        """The table the director had at time t (monotonic)."""
        current = self.versions[0]
        for v in self.versions:
            if v.t <= t:
                current = v
        return current

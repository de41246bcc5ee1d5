# SPDX-License-Identifier: BSD-3-Clause
"""The lab's network: seven namespaces in one kernel, nothing in the root
namespace, so no lab packet can leave the machine.

  glblab-client                 glblab-router                        glblab-director
 ┌──────────────────────┐      ┌──────────────────────────────┐     ┌─────────────────────────┐
 │ c0 198.51.100.10-49  │ veth │ gw-c 198.51.100.1            │veth │ dpdk0 10.99.0.2, one    │
 │ curl → 192.0.2.10:80 ├──────┤ route 192.0.2.10 via         ├─────┤ link shared (flow       │
 │ (kernel TCP)         │      │  10.99.0.2              gw-d │◄GUE─┤ bifurcation):           │
 └──────────▲───────────┘      │                              │     │  the service's traffic: │
            │                  │                              │     │  glb-director (DPDK,    │
            │ replies from     │                              │     │  net_tap, isolated)     │
            │ 192.0.2.10 (DSR) │ br0 10.20.0.1/24 (a switch)  │     │  the rest: the kernel,  │
            └──────────────────┤  ├── p1 ── proxy1 10.20.0.11 │     │  glb-healthcheck, ARP   │
                               │  ├── p2 ── proxy2 10.20.0.12 │     └─────────────────────────┘
                               │  ├── p3 ── proxy3 10.20.0.13 │  each proxy (glblab-proxyN):
                               │  └── p4 ── proxy4 10.20.0.14 │  glb-proxy-setup up (fou, VIP
                               └──────────────────────────────┘  on tunl0, GLBREDIRECT), nginx
                                                                 on :80, replies straight back

The director's one link carries both: its rte_flow rules hand DPDK the
service address's traffic (TCP to it, and ICMP about it), and the kernel
keeps the rest, so the router finds the service's next hop by ARP and the
healthcheck probes the proxies over the same link. The router routes
everything else: the director's GUE to the proxies over the switch, a
proxy's second-chance GUE to another proxy over the same switch, and the
proxies' replies (from the service address) back to the clients. A proxy
"dies" when its switch port goes down.
"""

from glbnet.netns import Netns, veth

PREFIX = "glblab-"
VIP = "192.0.2.10"
VIP_PORT = 80
GUE_PORT = 19523

CLIENT_NET = "198.51.100"
CLIENT_GW = f"{CLIENT_NET}.1"
FIRST_CLIENT = 10
MAX_CLIENTS = 200

DIRECTOR_PORT_IF = "dpdk0"
DIRECTOR_MAC = "02:00:5e:00:0d:01"  # locally administered, fixed: every run reads the same
ROUTER_TO_DIRECTOR_MAC = "02:00:5e:00:0d:02"
DIRECTOR_ADDR = "10.99.0.2"         # the director's kernel address and outbound_src_ip,
                                    # and the VIP's next hop
ROUTER_DIRECTOR_ADDR = "10.99.0.1"
PROXY_NET = "10.20.0"
ROUTER_PROXY_ADDR = f"{PROXY_NET}.1"
PROXIES = {f"proxy{i}": f"{PROXY_NET}.{10 + i}" for i in range(1, 5)}

# The director's link and the switch carry jumbo frames: GUE adds 44 bytes
# and nothing on the way should need fragmenting. The clients' link is 1500,
# and drops to 1280 for a while (path-MTU discovery through second chance).
JUMBO_MTU = 9000
CLIENT_MTU = 1500


def client_addresses(n):
    return [f"{CLIENT_NET}.{FIRST_CLIENT + i}" for i in range(n)]


class Topology:
    """The namespaces of the drawing; build() makes them, teardown() removes them."""

    def __init__(self, clients):
        self.clients = client_addresses(clients)
        self.client = Netns(PREFIX + "client")
        self.router = Netns(PREFIX + "router")
        self.director = Netns(PREFIX + "director")
        self.proxies = {name: Netns(PREFIX + name) for name in PROXIES}

    def all(self):
        return [self.client, self.router, self.director, *self.proxies.values()]

    def teardown(self):
        for ns in self.all():
            ns.delete()

    def build(self):
        for ns in self.all():
            ns.create()
            # no IPv6 anywhere: no router solicitations or MLD on the wire
            ns.sysctl({"net.ipv6.conf.all.disable_ipv6": 1,
                       "net.ipv6.conf.default.disable_ipv6": 1})
        self._router()
        self._client()
        self._director()
        for name, addr in PROXIES.items():
            self._proxy(name, addr)

    def _router(self):
        r = self.router
        r.sysctl({"net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 0,
                  "net.ipv4.conf.default.rp_filter": 0,
                  "net.ipv4.conf.all.send_redirects": 0,
                  "net.ipv4.conf.default.send_redirects": 0,
                  # every fragmentation-needed goes to one destination, the
                  # service address: the default of one a second would leave
                  # most of twenty connections without theirs for seconds
                  "net.ipv4.icmp_ratelimit": 0})
        veth(self.client, "c0", r, "gw-c")
        veth(self.director, DIRECTOR_PORT_IF, r, "gw-d", mtu=JUMBO_MTU, a_mac=DIRECTOR_MAC,
             b_mac=ROUTER_TO_DIRECTOR_MAC)
        cmds = ["link add br0 mtu 9000 type bridge", f"addr add {ROUTER_PROXY_ADDR}/24 dev br0",
                "link set br0 up", f"addr add {CLIENT_GW}/24 dev gw-c",
                f"addr add {ROUTER_DIRECTOR_ADDR}/30 dev gw-d"]
        for i, name in enumerate(PROXIES, 1):
            veth(self.proxies[name], "eth0", r, f"p{i}", mtu=JUMBO_MTU)
            cmds += [f"link set p{i} master br0", f"link set p{i} up"]
        cmds += ["link set gw-c up", "link set gw-d up",
                 # the service lives behind the director (ECMP over several, with BGP,
                 # in a real network)
                 f"route add {VIP}/32 via {DIRECTOR_ADDR} dev gw-d"]
        r.ip(*cmds)
        # what the router hands the director must be the packets the client
        # sent: no merged segments (GRO) and finished checksums
        for ifname in ("gw-c", "gw-d"):
            r.offloads_off(ifname)

    def _client(self):
        c = self.client
        c.ip(*[f"addr add {a}/24 dev c0" for a in self.clients], "link set c0 up",
             f"route add {VIP}/32 via {CLIENT_GW} dev c0")
        # kernel TCP leaves the checksum to the NIC; af_packet would hand the
        # director a half-done one
        c.offloads_off("c0", "tx")

    def _director(self):
        d = self.director
        d.sysctl({"net.ipv4.conf.all.forwarding": 0})
        d.ip(f"addr add {DIRECTOR_ADDR}/30 dev {DIRECTOR_PORT_IF}", f"link set {DIRECTOR_PORT_IF} up",
             f"route add default via {ROUTER_DIRECTOR_ADDR}")
        d.offloads_off(DIRECTOR_PORT_IF)

    def _proxy(self, name, addr):
        p = self.proxies[name]
        p.ip(f"addr add {addr}/24 dev eth0", "link set eth0 up",
             f"route add default via {ROUTER_PROXY_ADDR}")

    # -- what the scenario does to it -------------------------------------

    def cut(self, name):
        """The proxy's switch port goes down: nothing reaches it, nothing leaves."""
        self.router.ip(f"link set p{list(PROXIES).index(name) + 1} down")

    def mend(self, name):
        self.router.ip(f"link set p{list(PROXIES).index(name) + 1} up")

    def client_link_mtu(self, mtu):
        """The router's link towards the clients: lower than the proxies'
        segments, it answers each with a fragmentation needed to their
        source, the service address, which the director hashes by the
        quoted flow (SPEC §5)."""
        self.router.ip(f"link set gw-c mtu {mtu}")

    def router_mac(self):
        return ROUTER_TO_DIRECTOR_MAC

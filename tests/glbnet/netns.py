# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces and what lives in them.

A Netns is a named namespace (/run/netns/NAME, as `ip netns` makes them).
Besides running commands in it (`ip netns exec`), this thread can step into
it for a moment (`entered`): a socket created there belongs to it, and
/proc/sys/net and /proc/thread-self/net show its settings and counters, so
sysctls, counters and packet sockets need no process of their own. A child
started while the thread is inside (`spawn`) is born in the namespace, which
is much cheaper than `ip netns exec` where exec costs (the qemu guest).
"""

import ctypes
import os
import re
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

from .util import sh

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
SO_RCVBUFFORCE = 33  # SO_RCVBUF without the rmem_max cap (root)

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def entered(name):
    """This thread inside namespace NAME until the block ends."""
    with open("/proc/thread-self/ns/net") as own, open(f"{NETNS_DIR}/{name}") as target:
        _setns(target.fileno())
        try:
            yield
        finally:
            _setns(own.fileno())


class Netns:
    """A named network namespace."""

    def __init__(self, name):
        self.name = name
        self.path = f"{NETNS_DIR}/{name}"

    def __repr__(self):
        return f"Netns({self.name!r})"

    def exists(self):
        return os.path.exists(self.path)

    def create(self):
        """Add it, loopback up; IPv6 stays as the kernel has it."""
        sh("ip", "netns", "add", self.name)
        self.ip("link set lo up")
        return self

    def delete(self, grace=5.0):
        """Stop every process in it (TERM, then KILL after grace seconds),
        then delete it, which destroys its veths and their peers."""
        if not self.exists():
            return
        deadline = time.monotonic() + grace
        sig = signal.SIGTERM
        while True:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if sig == signal.SIGKILL and time.monotonic() > deadline + grace:
                break  # unkillable (D state): delete anyway, the kernel keeps it alive
            time.sleep(0.1)
            if time.monotonic() > deadline:
                sig = signal.SIGKILL
        sh("ip", "netns", "delete", self.name, check=False)

    def pids(self):
        out = sh("ip", "netns", "pids", self.name, check=False).stdout
        return [int(p) for p in out.split()]

    # -- commands -------------------------------------------------------------

    def argv(self, *args):
        """A command line that runs args in the namespace."""
        return ["ip", "netns", "exec", self.name, *map(str, args)]

    def run(self, *args, check=True, timeout=60, input=None):
        return sh(*self.argv(*args), check=check, timeout=timeout, input=input)

    def popen(self, args, **kw):
        """A long-running process in the namespace, through `ip netns exec`
        (which also gives it this namespace's /sys)."""
        return subprocess.Popen(self.argv(*args), **kw)

    def spawn(self, args, **kw):
        """A process born in the namespace (no `ip netns exec`): for the
        many short commands of a test, such as clients."""
        with entered(self.name):
            return subprocess.Popen([str(a) for a in args], **kw)

    def ip(self, *commands):
        """Run `ip` commands ("link set eth0 up", ...) in the namespace, as one batch."""
        sh("ip", "-n", self.name, "-batch", "-", input="\n".join(commands) + "\n")

    # -- reading and writing the namespace's own files ----------------------

    def sysctl(self, settings):
        """Write sysctls ({"net.ipv4.ip_forward": 1, ...}) in the namespace.
        net.ipv6 keys are skipped when the kernel has no IPv6."""
        with entered(self.name):
            for key, value in settings.items():
                path = "/proc/sys/" + key.replace(".", "/")
                if key.startswith("net.ipv6.") and not os.path.isdir("/proc/sys/net/ipv6"):
                    continue
                with open(path, "w") as f:
                    f.write(f"{value}\n")

    def read_sysctl(self, key):
        with entered(self.name):
            with open("/proc/sys/" + key.replace(".", "/")) as f:
                return f.read().strip()

    def proc_net(self, name):
        """The text of /proc/net/NAME as this namespace sees it."""
        with entered(self.name):
            with open(f"/proc/thread-self/net/{name}") as f:
                return f.read()

    def socket(self, *args, **kw):
        """A socket.socket(...) that belongs to the namespace."""
        with entered(self.name):
            return socket.socket(*args, **kw)

    def packet_socket(self, ifname, rcvbuf=8 << 20, ignore_outgoing=True):
        """An AF_PACKET socket on ifname: frames in and out of the interface."""
        s = self.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
            if ignore_outgoing:
                s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            s.bind((ifname, ETH_P_ALL))
        except BaseException:
            s.close()
            raise
        return s

    def mac(self, ifname):
        out = sh("ip", "-n", self.name, "-o", "link", "show", "dev", ifname).stdout
        m = re.search(r"link/ether ([0-9a-f:]{17})", out)
        if not m:
            raise RuntimeError(f"{self.name}: {ifname} has no MAC address:\n{out}")
        return m.group(1)

    def offloads_off(self, ifname, *features):
        """Turn NIC offloads off (default: tx checksum, GRO, TSO, GSO), so
        that frames cross a veth exactly as written: af_packet hands DPDK a
        half-done checksum, and merged or unsplit segments would not be the
        packets the director or the kernel sent."""
        features = features or ("tx", "gro", "tso", "gso")
        args = [a for f in features for a in (f, "off")]
        self.run("ethtool", "-K", ifname, *args, check=False)


def veth(a, a_if, b, b_if, mtu=None, a_mac=None, b_mac=None):
    """A veth pair from a_if in namespace a to b_if in namespace b."""
    def end(name, mac):
        return [name] + (["address", mac] if mac else []) + (["mtu", str(mtu)] if mtu else [])
    sh("ip", "-n", a.name, "link", "add", *end(a_if, a_mac), "type", "veth", "peer", "name",
       *end(b_if, b_mac), "netns", b.name)


def existing(pattern):
    """Names of the namespaces that match the regular expression (whole name)."""
    out = sh("ip", "netns", "list", check=False).stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    return [n for n in names if re.fullmatch(pattern, n)]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale(pattern):
    """Delete namespaces left by runs that were killed outright: those whose
    name matches pattern, a regular expression with one group, the pid of
    the run that made them, when that process is gone."""
    for name in existing(pattern):
        m = re.fullmatch(pattern, name)
        if m and not pid_alive(int(m.group(1))):
            Netns(name).delete(grace=1.0)

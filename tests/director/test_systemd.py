# SPDX-License-Identifier: BSD-3-Clause
"""The director's side of its systemd unit (Type=notify, ExecReload sends
SIGUSR1): it says READY=1 once it forwards, RELOADING=1 then READY=1 with the
outcome around a reload, and STOPPING=1 on SIGTERM.  The test plays systemd:
it binds the NOTIFY_SOCKET datagram socket and reads what arrives.

Run: /usr/bin/python3 -m pytest -q tests/director/test_systemd.py
"""

import os
import signal
import socket

from glbnet.paths import DIRECTOR, SOURCE_ROOT
from glbnet.util import sh

import dirlab
import glbmodel as m
from dirlab import TABLES, VIP_WEB, client, tcp4

NOTIFY_TIMEOUT_S = 10.0


def next_message(sock):
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        raise AssertionError(f"no sd_notify message within {NOTIFY_TIMEOUT_S} s") from None


def fields(msg):
    return dict(line.split("=", 1) for line in msg.splitlines() if "=" in line)


def test_director_notifies_systemd_of_ready_reload_and_stop(lab, tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(NOTIFY_TIMEOUT_S)
    lab.stop()
    d = dirlab.Director(m.DirectorConfig(), lab.table_bin(TABLES), lab.workdir,
                        vdev=f"net_af_packet0,iface={dirlab.DIRECTOR_IF}",
                        netns=lab.lab.director_ns)
    d.env = dict(os.environ, NOTIFY_SOCKET=str(path))
    try:
        d.start()
        ready = fields(next_message(sock))
        assert ready.get("READY") == "1" and ready.get("STATUS") == "forwarding", ready
        # READY=1 means forwarding: a packet sent now comes out encapsulated
        lab.current, lab.key = d, None
        lab.forward([tcp4(client(1), VIP_WEB, 40001, 80)], "right after READY=1")

        d.proc.send_signal(signal.SIGUSR1)
        assert fields(next_message(sock)) == {"RELOADING": "1"}
        after = fields(next_message(sock))
        assert after.get("READY") == "1" and "reloaded" in after.get("STATUS", ""), after

        d.proc.send_signal(signal.SIGTERM)
        assert fields(next_message(sock)) == {"STOPPING": "1"}
        assert d.stop() == 0, d.output()
    finally:
        lab.current, lab.key = None, None
        d.kill()
        sock.close()


def test_shipped_unit_passes_systemd_analyze_verify(tmp_path):
    """The unit as shipped, pointed at the built binary, has no errors."""
    unit = (SOURCE_ROOT / "director" / "systemd" / "glb-director.service").read_text()
    assert "/usr/bin/glb-director " in unit
    unit = unit.replace("/usr/bin/glb-director ", f"{DIRECTOR} ")
    path = tmp_path / "glb-director.service"
    path.write_text(unit)
    r = sh("systemd-analyze", "verify", str(path), check=False)
    assert r.returncode == 0 and "glb-director" not in r.stdout + r.stderr, r.stdout + r.stderr

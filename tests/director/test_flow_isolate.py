# SPDX-License-Identifier: BSD-3-Clause
"""Flow bifurcation ("flow_isolate", SPEC §10) on a port that cannot isolate:
net_af_packet has no rte_flow.  "true" must refuse to start, naming the port,
its driver and the PMD's reason; "auto" must say it falls back and forward
everything as before.  (Isolation itself, on net_tap whose flow rules the
kernel's TC flower carries, is tested in the qemu guest: test_flow_isolate_vm.)

Run: /usr/bin/python3 -m pytest -q tests/director/test_flow_isolate.py
"""

import dataclasses

import pytest

import dirlab
import glbmodel as m
from dirlab import TABLES, VIP_WEB, client, tcp4

EXIT_SYSTEM = 3  # common/exit_status.h: the port failed


def test_flow_isolate_true_on_a_port_without_rte_flow_fails_naming_port_and_reason(lab):
    lab.stop()
    conf = dataclasses.replace(m.DirectorConfig(), flow_isolate=True)
    d = dirlab.Director(conf, lab.table_bin(TABLES), lab.workdir,
                        vdev=f"net_af_packet0,iface={dirlab.DIRECTOR_IF}",
                        netns=lab.lab.director_ns)
    with pytest.raises(AssertionError) as failed:
        d.start()
    out = d.output()
    assert d.returncode == EXIT_SYSTEM, out
    assert "port 0 (net_af_packet): flow_isolate:" in out, out
    assert "Function not implemented" in out, out
    assert "exited with" in str(failed.value)


def test_flow_isolate_auto_falls_back_says_so_and_forwards(lab):
    conf = dataclasses.replace(m.DirectorConfig(), flow_isolate="auto")
    d = lab.director(conf, TABLES)
    assert any('flow_isolate "auto": cannot isolate' in line and "takes all traffic" in line
               for line in d.lines), d.output()
    lab.forward([tcp4(client(1), VIP_WEB, 40000, 80)], "auto, fallen back")

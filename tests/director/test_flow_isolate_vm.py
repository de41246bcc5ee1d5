# SPDX-License-Identifier: BSD-3-Clause
"""Flow bifurcation for real, in the qemu guest (flow_isolate_vm.py has the
drawing): glb-director on net_tap with remote= shares its veth with the
kernel.  The kernel keeps answering ping and TCP on the link's own address
while the tables' binds go to DPDK and out GUE-encapsulated, and nothing
else reaches DPDK's counters, before and after a reload that removes one
bind and adds another.  (The host kernel has no cls_flower, which net_tap's
flow rules use.)

Run: /usr/bin/python3 -m pytest -q tests/director/test_flow_isolate_vm.py   (as root, ~1 min)
"""

import json
import subprocess

import pytest

from glbnet.paths import BUILD_ROOT, RUN_IN_VM, SOURCE_ROOT

HERE = SOURCE_ROOT / "tests" / "director"
HARNESS_FAILED = 125
VM_TIMEOUT_S = 400
PACKETS = 20  # flow_isolate_vm.py's, per service and phase
PINGS = 2     # echo requests to the UDP service's address per phase


@pytest.fixture(scope="module")
def vm(tmp_path_factory):
    results = tmp_path_factory.mktemp("vm")
    p = subprocess.run([str(RUN_IN_VM), "--smp", "2", "--timeout", str(VM_TIMEOUT_S),
                        "--results", str(results), "--", "env", f"GLB_SOURCE_ROOT={SOURCE_ROOT}",
                        f"GLB_BUILD_ROOT={BUILD_ROOT}", "/usr/bin/python3",
                        str(HERE / "flow_isolate_vm.py")],
                       capture_output=True, text=True, timeout=VM_TIMEOUT_S + 60)
    if p.returncode == HARNESS_FAILED:
        pytest.fail(f"the VM harness cannot run here:\n{p.stderr[-3000:]}")
    try:
        out = json.loads(p.stdout)
    except ValueError:
        pytest.fail(f"no JSON from the guest (exit {p.returncode}):\n{p.stdout[-3000:]}\n"
                    f"{p.stderr[-3000:]}")
    assert "error" not in out, out["error"] + "\n" + "\n".join(out.get("output", []))
    return out


def log(vm):
    return "\n".join(vm["output"])


@pytest.mark.parametrize("phase", ["phase1", "phase2"])
def test_the_kernel_keeps_the_link_ping_and_tcp_to_its_own_address(vm, phase):
    assert vm[phase]["kernel"] == {"ping": True, "tcp": True}, log(vm)


def test_the_port_is_isolated_with_a_rule_per_bind_and_icmp_per_address(vm):
    # table A: tcp 192.0.2.10:80 + icmp, udp 192.0.2.11:53 + icmp
    assert vm["phase1"]["isolated"] == 1 and vm["phase1"]["flow_rules"] == 4, log(vm)


def test_the_tables_traffic_goes_to_dpdk_and_out_as_gue(vm):
    got = vm["phase1"]["gue_by_inner_dst"]
    assert got.get("192.0.2.10") == PACKETS, got
    assert got.get("192.0.2.11") == PACKETS + PINGS, got   # UDP and the echo requests
    assert "192.0.2.12" not in got, got                     # not a bind yet: the kernel's


@pytest.mark.parametrize("phase", ["phase1", "phase2"])
def test_nothing_but_the_tables_traffic_reaches_dpdk(vm, phase):
    # every SYN to the bound address, every datagram, every ping: no ARP, no
    # pings or TCP to the link's own address, no SYN to the unbound address
    assert vm[phase]["dpdk_rx"] == 2 * PACKETS + PINGS, log(vm)


def test_a_reload_moves_the_rules_to_the_new_binds_without_a_restart(vm):
    assert vm["reloaded"], log(vm)
    assert vm["phase2"]["flow_rules"] == 4, log(vm)
    assert "port 0: 4 flow rules (2 new, 2 removed)" in log(vm), log(vm)
    got = vm["phase2"]["gue_by_inner_dst"]
    assert got.get("192.0.2.12") == PACKETS, got
    assert got.get("192.0.2.11") == PACKETS + PINGS, got
    assert "192.0.2.10" not in got, got


def test_the_director_stops_cleanly(vm):
    assert vm["exit"] == 0, log(vm)

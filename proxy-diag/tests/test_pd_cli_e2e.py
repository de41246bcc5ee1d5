# SPDX-License-Identifier: BSD-3-Clause
"""glb-proxy-diag's command line: where the VIPs come from, clear errors
and their exit statuses, --watch, --output, as an operator meets them."""

import json
import os
import signal

import pytest

from pdnet import INVALID, NOBODY, OK, PEERS4, SYSTEM, USAGE, VIP4


def test_help_documents_commands_and_exit_statuses(net):
    p = net.diag("--help", netns=False, check=OK)
    for word in ("summary", "conns", "drained", "--vip", "--netns", "--prometheus", "--watch",
                 "Exit status", "GLB_PROXY_VIPS", "/etc/default/glb-proxy"):
        assert word in p.stdout
    assert net.diag("--version", netns=False, check=OK).stdout.startswith("glb-proxy-diag ")


def test_no_vips_at_all_is_a_clear_error(net, tmp_path):
    defaults = tmp_path / "glb-proxy"
    defaults.write_text('GLB_PROXY_VIPS=""\n')
    p = net.diag("--config", defaults, check=USAGE)
    assert "no VIPs: give --vip ADDR[:PORT], or set GLB_PROXY_VIPS" in p.stderr
    p = net.diag("--config", tmp_path / "missing", check=USAGE)
    assert "no VIPs" in p.stderr


def test_vips_come_from_the_defaults_file(net, port, socks, tmp_path):
    lst = net.listen(VIP4, port)
    socks.append(lst)
    socks += net.pair(lst, VIP4, port, PEERS4[0])
    defaults = tmp_path / "glb-proxy"
    defaults.write_text(f'# settings\nGLB_PROXY_VIPS="{VIP4}:{port}"\nGLB_PROXY_PORT=19523\n')
    doc = net.diag_json("summary", "--config", defaults, "--no-state")
    assert [(e["vip"], e["port"]) for e in doc["vips"]] == [(VIP4, port)]
    # the environment wins over the file, as for glb-proxy-setup
    doc = net.diag_json("summary", "--config", defaults, "--no-state",
                        env={"GLB_PROXY_VIPS": f"{VIP4}:{port + 1}"})
    assert [e["port"] for e in doc["vips"]] == [port + 1]


def test_bad_vip_in_the_defaults_file_is_named(net, tmp_path):
    defaults = tmp_path / "glb-proxy"
    defaults.write_text('GLB_PROXY_VIPS="192.0.2.10 192.0.2.1O"\n')
    p = net.diag("--config", defaults, check=INVALID)
    assert f"GLB_PROXY_VIPS in {defaults}: '192.0.2.1O' is not ADDR" in p.stderr


def test_vip_that_is_not_local_is_refused(net):
    p = net.diag("--vip", "192.0.2.99:80", "--vip", f"{VIP4}:80", check=INVALID)
    assert (f"192.0.2.99 (from the command line) is not an address of network namespace "
            f"{net.proxy.name}: not a VIP served here") in p.stderr
    assert VIP4 + " " not in p.stderr
    # drained above all: a typo must not answer "drained"
    net.diag("drained", "192.0.2.99:80", "--timeout", "0", check=INVALID)


def test_namespace_not_found(net):
    p = net.diag("--vip", VIP4, "--netns", "pdiag-nonexistent", netns=False, check=SYSTEM)
    assert "no network namespace pdiag-nonexistent (`ip netns list` shows them)" in p.stderr
    p = net.diag("--vip", VIP4, "--netns", "/proc/self/ns/uts", netns=False, check=SYSTEM)
    assert "/proc/self/ns/uts is not a network namespace" in p.stderr


def test_no_permission_to_enter_a_namespace(net):
    p = net.diag("--vip", VIP4, user=NOBODY, check=SYSTEM)
    assert f"entering network namespace {net.proxy.name}: Operation not permitted " \
           "(needs root: CAP_SYS_ADMIN)" in p.stderr


def test_unprivileged_user_reads_its_own_namespace(net):
    p = net.diag("--vip", "127.0.0.1", "--json", netns=False, user=NOBODY, check=OK)
    assert json.loads(p.stdout)["counters"]["basis"] == "boot"  # nowhere to keep counters


@pytest.mark.parametrize("args", [
    ["--sort", "bytes", "conns"],
    ["conns", "--top", "-1"],
    ["drained", "--timeout", "soon"],
    ["drained", "--below", "0"],
    ["summary", "--top", "3"],
    ["conns", "--prometheus"],
    ["drained", "--watch", "1"],
    ["summary", "--interval", "1", "--watch", "1"],
    ["--json", "--prometheus"],
    ["--vip", "192.0.2.10:http"],
    ["--vip", "[2001:db8::10"],
    ["--peer", "10.0.0.1/8", "conns"],
    ["status"],
    ["summary", "extra"],
    ["--watch", "0"],
])
def test_bad_command_line_exits_2_with_a_hint(net, args):
    p = net.diag("--vip", VIP4, *args, check=USAGE)
    assert "Run 'glb-proxy-diag --help' for usage." in p.stderr


def test_watch_refreshes_with_rates_until_interrupted(net, port):
    proc = net.diag_popen("summary", "--vip", f"{VIP4}:{port}", "--watch", "0.3", "--json",
                          "--no-state")
    frames = [json.loads(proc.stdout.readline()) for _ in range(3)]
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=5)
    assert proc.returncode == OK
    assert frames[0]["counters"]["basis"] == "boot"
    for f in frames[1:]:
        assert f["counters"]["basis"] == "refresh" and 0.25 < f["counters"]["seconds"] < 5


def test_output_file_is_replaced_whole(net, port, tmp_path):
    out = tmp_path / "glb.prom"
    net.diag("--vip", f"{VIP4}:{port}", "--prometheus", "--output", out, check=OK)
    text = out.read_text()
    assert f'glb_proxy_listeners{{vip="{VIP4}",port="{port}"}} 0' in text
    assert os.listdir(tmp_path) == ["glb.prom"]  # no temporary file left behind
    net.diag("--vip", f"{VIP4}:{port}", "--prometheus", "--output", tmp_path / "no" / "x",
             check=SYSTEM)


def test_state_file_that_cannot_be_written_is_a_warning(net, port, tmp_path):
    p = net.diag("--vip", f"{VIP4}:{port}", "--state-file", tmp_path / "a" / "b" / "c",
                 check=OK)
    assert "warning: cannot keep the counters for the next run" in p.stderr

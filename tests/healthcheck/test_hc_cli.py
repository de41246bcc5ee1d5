# SPDX-License-Identifier: BSD-3-Clause
"""glb-healthcheck's command line: --help, the exit codes it documents, and
input mistakes named by file, entry and field.  No network needed.

Run: /usr/bin/python3 -m pytest -q tests/healthcheck/test_hc_cli.py
"""

import json
import subprocess

import pytest

from glbnet.paths import HEALTHCHECK as HC
from glbnet.paths import SOURCE_ROOT
from hcnet import HASH_KEY, SEED

# common/exit_status.h: the same for every glb program
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_SYSTEM, EXIT_DOWN = 0, 1, 2, 3, 4


def run(*args):
    return subprocess.run([str(HC), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_help_documents_usage_checks_and_exit_codes():
    p = run("--help")
    assert p.returncode == EXIT_OK and p.stderr == ""
    for needle in ("--config", "--once", "--status", "--prometheus", "--check-config",
                   "forwarding_table", "reload_command", "interval_ms", "timeout_ms", "trigger",
                   "gue:", "fou:", "http:", "tcp:", "SIGHUP", "fails open", "Exit status:",
                   "  0  ", "  1  ", "  2  ", "  3  ", "  4  "):
        assert needle in p.stdout, needle
    # Fits a terminal.
    assert max(len(line) for line in p.stdout.splitlines()) <= 80


def test_version():
    p = run("--version")
    assert p.returncode == EXIT_OK and p.stdout.startswith("glb-healthcheck ")


@pytest.mark.parametrize("args", [
    ["--bogus"], ["--prometheus"], ["--json"], ["--once", "--status"], ["--status", "--check-config"],
    ["stray"], ["--table", "x.json"], ["--config"], ["--status", "--json", "--prometheus"],
], ids=lambda a: " ".join(a))
def test_bad_command_line_exits_2(args):
    p = run(*args)
    assert p.returncode == EXIT_USAGE, p.stderr
    assert "--help" in p.stderr and p.stdout == ""


def good_table():
    return {"tables": [{"name": "web", "hash_key": HASH_KEY, "seed": SEED,
                        "binds": [{"ip": "192.0.2.1", "proto": "tcp", "port": 80}],
                        "backends": [{"ip": "10.0.0.1", "state": "active",
                                      "healthchecks": {"http": 80}}]}]}


def write(path, doc):
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def conf_for(tmp_path, src, dst=None, **extra):
    """A config for src; its outputs in tmp_path unless given."""
    doc = {"forwarding_table": {"src": str(src), "dst": dst or str(tmp_path / "out.json")},
           "status_file": str(tmp_path / "status.json"),
           "prometheus_file": str(tmp_path / "metrics.prom")}
    doc.update(extra)
    return write(tmp_path / "hc.conf", doc)


def table_with(change):
    doc = good_table()
    change(doc)
    return doc


TABLE_MISTAKES = [
    ("bad state", lambda d: d["tables"][0]["backends"][0].update(state="up"),
     'table 0 ("web"): backend 0: state: unknown state "up"'),
    ("check port is a string", lambda d: d["tables"][0]["backends"][0]["healthchecks"].update(
        http="80"), 'table 0 ("web"): backend 0: healthchecks: http: must be an integer'),
    ("check port out of range", lambda d: d["tables"][0]["backends"][0]["healthchecks"].update(
        tcp=70000), 'table 0 ("web"): backend 0: healthchecks: tcp: 70000 is not a port'),
    ("http_uri without a slash", lambda d: d["tables"][0]["backends"][0]["healthchecks"].update(
        http_uri="health"),
     'table 0 ("web"): backend 0: healthchecks: http_uri: must start with \'/\''),
    ("IPv6 backend", lambda d: d["tables"][0]["backends"][0].update(ip="2001:db8::1"),
     'table 0 ("web"): backend 0: ip: "2001:db8::1" is IPv6, but backends must be IPv4'),
    ("timeout not below interval", lambda d: d.update(
        healthchecks={"interval_ms": 1000, "timeout_ms": 1000}),
     "healthchecks: timeout_ms: 1000 must be below interval_ms (1000)"),
    ("trigger zero", lambda d: d.update(healthchecks={"trigger": 0}),
     "healthchecks: trigger: must be a positive integer"),
]


@pytest.mark.parametrize("change,message", [m[1:] for m in TABLE_MISTAKES],
                         ids=[m[0] for m in TABLE_MISTAKES])
@pytest.mark.parametrize("mode", ["daemon", "check-config", "once"])
def test_table_mistakes_exit_3_naming_file_entry_and_field(tmp_path, mode, change, message):
    src = write(tmp_path / "src.json", table_with(change))
    conf = conf_for(tmp_path, src)
    args = {"daemon": ["--config", conf], "check-config": ["--check-config", "--config", conf],
            "once": ["--once", "--table", src]}[mode]
    p = run(*args)
    assert p.returncode == EXIT_INVALID, p.stderr
    assert f"glb-healthcheck: {src}: {message}" in p.stderr, p.stderr
    assert not (tmp_path / "out.json").exists()


CONF_MISTAKES = [
    ("not JSON", "{\"forwarding_table\": ", "line 1, column"),
    ("no forwarding_table", {"reload_command": "true"}, "forwarding_table: missing"),
    ("src not a string", {"forwarding_table": {"src": 1, "dst": "/tmp/x"}},
     "forwarding_table: src: must be a string, not an integer"),
    ("dst missing", {"forwarding_table": {"src": "/tmp/x"}}, "forwarding_table: dst: missing"),
    ("empty reload_command", {"forwarding_table": {"src": "/a", "dst": "/b"},
                              "reload_command": ""}, "reload_command: must not be empty"),
    ("reload_command not a string", {"forwarding_table": {"src": "/a", "dst": "/b"},
                                     "reload_command": ["sh"]},
     "reload_command: must be a string, not an array"),
    ("bad reload_timeout_ms", {"forwarding_table": {"src": "/a", "dst": "/b"},
                               "reload_timeout_ms": -1}, "reload_timeout_ms: must be a positive"),
    ("dst is the source", {"forwarding_table": {"src": "/a/t.json", "dst": "/a/t.json"}},
     "forwarding_table: dst: \"/a/t.json\" is the source table itself"),
]


@pytest.mark.parametrize("doc,message", [m[1:] for m in CONF_MISTAKES],
                         ids=[m[0] for m in CONF_MISTAKES])
def test_config_mistakes_exit_3_naming_file_and_key(tmp_path, doc, message):
    conf = write(tmp_path / "hc.conf", doc)
    for args in (["--config", conf], ["--check-config", "--config", conf]):
        p = run(*args)
        assert p.returncode == EXIT_INVALID, p.stderr
        assert f"glb-healthcheck: {conf}: {message}" in p.stderr, p.stderr


def test_unknown_keys_are_warnings_not_errors(tmp_path):
    src = write(tmp_path / "src.json", good_table())
    conf = conf_for(tmp_path, src, statsd_port=8125)
    p = run("--check-config", "--config", conf)
    assert p.returncode == EXIT_OK, p.stderr
    assert f"glb-healthcheck: warning: {conf}: statsd_port: unknown key, ignored" in p.stderr


def test_glb_style_config_option_is_accepted(tmp_path):
    src = write(tmp_path / "src.json", good_table())
    conf = conf_for(tmp_path, src)
    p = run(f"--config={conf}", "--check-config")
    assert p.returncode == EXIT_OK and f"{src}: ok (1 tables)" in p.stdout, p.stderr


def test_missing_files_exit_4(tmp_path):
    p = run("--config", tmp_path / "nope.conf")
    assert p.returncode == EXIT_SYSTEM and "nope.conf: No such file" in p.stderr
    conf = conf_for(tmp_path, tmp_path / "missing.json")
    p = run("--config", conf)
    assert p.returncode == EXIT_SYSTEM and "missing.json: No such file" in p.stderr


def test_status_without_a_daemon_exits_4(tmp_path):
    src = write(tmp_path / "src.json", good_table())
    conf = conf_for(tmp_path, src, status_file=str(tmp_path / "status.json"))
    p = run("--status", "--config", conf)
    assert p.returncode == EXIT_SYSTEM
    assert "status.json: No such file" in p.stderr and "running" in p.stderr


def test_example_config_is_valid(tmp_path):
    example = json.loads((SOURCE_ROOT / "config" / "healthcheck.conf").read_text())
    assert set(example) >= {"forwarding_table", "reload_command"}
    assert "glb-director-cli build-config" in example["reload_command"]
    # Pointed at the example forwarding table instead of /etc/glb.
    example["forwarding_table"] = {"src": str(SOURCE_ROOT / "config" / "forwarding_table.json"),
                                   "dst": str(tmp_path / "checked.json")}
    example["status_file"] = str(tmp_path / "status.json")
    example["prometheus_file"] = str(tmp_path / "metrics.prom")
    p = run("--check-config", "--config", write(tmp_path / "hc.conf", example))
    assert p.returncode == EXIT_OK, p.stderr


@pytest.mark.parametrize("key", ["dst", "status_file", "prometheus_file"])
def test_check_config_fails_when_an_output_directory_is_missing(tmp_path, key):
    """The daemon would start and then fail every write: say so before."""
    src = write(tmp_path / "src.json", good_table())
    missing = str(tmp_path / "no-such-dir" / "out")
    conf = conf_for(tmp_path, src, **{key: missing})
    p = run("--check-config", "--config", conf)
    assert p.returncode == EXIT_SYSTEM, p.stderr
    assert "no-such-dir" in p.stderr and "No such file" in p.stderr, p.stderr


def test_systemd_unit_starts_notifies_and_reloads_with_sighup():
    unit = (SOURCE_ROOT / "healthcheck" / "systemd" / "glb-healthcheck.service").read_text()
    lines = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and
                 not line.startswith("#"))
    assert lines["Type"] == "notify"
    assert lines["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert lines["ExecStart"].split()[1:] == ["--config", "/etc/glb/healthcheck.conf"]
    assert lines["RuntimeDirectory"] == "glb-healthcheck"


def test_a_null_reload_command_means_none_as_in_glb(tmp_path):
    src = write(tmp_path / "src.json", good_table())
    conf = conf_for(tmp_path, src, reload_command=None)
    p = run("--check-config", "--config", conf)
    assert p.returncode == EXIT_OK, p.stderr

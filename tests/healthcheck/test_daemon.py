# SPDX-License-Identifier: BSD-3-Clause
"""glb-healthcheck as a daemon against real servers in network namespaces:
start-up, dampening, failing open, the atomic output, the reload command,
SIGHUP with good and bad files, SIGTERM, status and Prometheus text, and
systemd's readiness protocol.

Run: /usr/bin/python3 -m pytest -q tests/healthcheck/test_daemon.py   (as root)
"""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from glbnet.paths import CLI
from glbnet.paths import HEALTHCHECK as HC
from glbnet.tables import write_json
from glbnet.util import sh, wait_for
from hcnet import BACKENDS, HTTP_PORT, SILENT_PORT, WAIT_S, Daemon, backend, table_doc

B0, B1, B2 = BACKENDS[0], BACKENDS[1], BACKENDS[2]
# Short rounds so that a test sees several; every wait allows far more.
FAST = dict(interval_ms=500, timeout_ms=250)


def two_http(trigger=3, **timing):
    return table_doc([backend(B0, http=HTTP_PORT), backend(B1, http=HTTP_PORT)],
                     trigger=trigger, **(timing or FAST))


def wait_status(d, pred, what):
    """The status file is rewritten just after the event a test waits for: poll it."""
    def ok():
        s = d.status()  # None before the first is written
        return s is not None and pred(s)
    return wait_for(ok, what, WAIT_S)


def streak_before(lines, index, backend_ip, ok):
    """How many check_result lines for backend_ip with result ok/failed come in a
    row right before lines[index]."""
    n = 0
    for e in reversed(lines[:index]):
        if e.get("event") != "check_result" or e.get("backend") != backend_ip:
            continue
        if (e.get("result") == "ok") != ok:
            break
        n += 1
    return n


def test_nothing_is_written_until_every_check_has_a_result(backends, daemons, tmp_path):
    doc = table_doc([backend(B0, http=HTTP_PORT), backend(B1, http=SILENT_PORT)],
                    interval_ms=3000, timeout_ms=1500)
    d = daemons.start(Daemon(tmp_path, doc))
    time.sleep(0.8)
    assert d.output() is None, "written before the silent backend's first result"
    d.wait_event("ready")
    # The first result sets a check's state directly: no trigger needed to start down.
    assert d.healthy() == [True, False]
    assert d.events("check_state", backend=B1, check="http", old="unknown", new="down")


def test_trigger_failures_mark_down_and_trigger_successes_mark_up(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(trigger=3)))
    d.wait_event("ready")
    assert d.healthy() == [True, True]

    backends.http_status(B1, 503)
    down = d.wait_event("check_state", backend=B1, old="up", new="down")[0]
    lines = d.lines()
    i = lines.index(down)
    assert streak_before(lines, i + 1, B1, ok=False) == 3, d.tail()
    assert down["old"] == "up" and down["check"] == "http" and down["port"] == "80"
    assert down["reason"] == "HTTP status 503" and down["level"] == "warn"
    d.wait_healthy([True, False])
    assert d.events("backend_health", backend=B1, old="up", new="down")

    backends.http_status(B1, 200)
    up = d.wait_event("check_state", backend=B1, old="down", new="up")[0]
    lines = d.lines()
    assert streak_before(lines, lines.index(up) + 1, B1, ok=True) == 3, d.tail()
    d.wait_healthy([True, True])


def test_a_table_whose_backends_all_fail_stays_up(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(trigger=2)))
    d.wait_event("ready")
    backends.http_status(B0, 503)
    backends.http_status(B1, 503)
    alarm = d.wait_event("fail_open")[0]
    assert alarm["level"] == "error" and alarm["table"] == "t0"
    # (One may have been written down for a round before the other failed too.)
    d.wait_healthy([True, True])
    d.wait_event("backend_health", backend=B1, fail_open="true")
    # The status files follow the output within the same round.
    wait_status(d, lambda s: s["tables"][0]["failed_open"] is True,
                "failed_open in the status file")
    wait_for(lambda: 'glb_healthcheck_table_failed_open{table="t0"} 1' in d.prom.read_text(),
             "the Prometheus gauge", WAIT_S)

    backends.http_status(B0, 200)
    d.wait_event("fail_open_end")
    d.wait_healthy([True, False])


def test_output_is_the_source_with_healthy_filled_in(backends, daemons, tmp_path):
    doc = two_http()
    doc["tables"][0]["backends"].append(dict(backend(B2), healthy=False))
    doc["tables"][0]["binds"].append({"ip": "2001:db8::1", "proto": "tcp", "port_start": 1,
                                      "port_end": 9})
    d = daemons.start(Daemon(tmp_path, doc))
    d.wait_event("ready")
    out = d.output()
    expected = json.loads(json.dumps(doc))
    for b in expected["tables"][0]["backends"][:2]:
        b["healthy"] = True
    assert out == expected
    assert list(out["tables"][0]) == list(doc["tables"][0]), "key order kept"
    assert d.dst.read_text().endswith("}\n")
    # The director's compiler accepts it.
    p = subprocess.run([str(CLI), "build-config", str(d.dst), str(tmp_path / "t.bin")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_a_reader_never_sees_a_partial_output_file(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(trigger=1, interval_ms=200, timeout_ms=100)))
    d.wait_event("ready")
    stop, bad, versions = threading.Event(), [], set()

    def reader():
        while not stop.is_set():
            try:
                text = d.dst.read_text()
                versions.add(json.dumps(json.loads(text)["tables"][0]["backends"]))
            except (ValueError, KeyError) as e:
                bad.append(f"{e}: {text[:80]!r}")

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(12):
            backends.http_status(B1, 503 if i % 2 == 0 else 200)
            d.wait_event("output_written", count=i + 1)
    finally:
        stop.set()
        t.join()
    assert not bad, bad[:5]
    assert len(versions) == 2, versions
    d.stop()
    assert not list(tmp_path.glob("*.tmp.*")), "temporary files left behind"


def reload_log(tmp_path):
    path = tmp_path / "reloads.log"
    return path.read_text().split() if path.exists() else []


def test_reload_command_runs_once_per_change(backends, daemons, tmp_path):
    # Each run records how many backends the file it was given has down.
    cmd = (f"echo $(grep -c '\"healthy\": false' \"$GLB_CHECKED_TABLE\") "
           f">> {tmp_path / 'reloads.log'}")
    d = daemons.start(Daemon(tmp_path, two_http(trigger=2), reload_command=cmd))
    d.wait_event("reload_done")
    assert reload_log(tmp_path) == ["0"]
    time.sleep(2.0)  # four rounds without a change: no run
    assert reload_log(tmp_path) == ["0"]
    backends.http_status(B1, 503)
    d.wait_event("reload_done", count=2)
    time.sleep(1.0)
    backends.http_status(B1, 200)
    d.wait_event("reload_done", count=3)
    time.sleep(1.5)
    assert reload_log(tmp_path) == ["0", "1", "0"]
    wait_status(d, lambda s: s["counters"]["reloads"]["ok"] == 3 and
                s["counters"]["output_writes"]["ok"] == 3, "3 reloads and 3 writes counted")


def test_a_failed_reload_is_logged_and_run_again_on_the_next_change(backends, daemons,
                                                                    tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(trigger=1), reload_command="exit 7"))
    failed = d.wait_event("reload_failed")[0]
    assert failed["exit_status"] == "7" and failed["level"] == "error"
    time.sleep(1.5)
    assert len(d.events("reload_failed")) == 1, "retried without a change"
    backends.http_status(B1, 503)
    d.wait_event("reload_failed", count=2)
    wait_status(d, lambda s: s["counters"]["reloads"]["failed"] == 2, "2 failed reloads counted")


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_reload_command_past_its_timeout_is_killed(backends, daemons, tmp_path):
    pidfile = tmp_path / "sleep.pid"
    d = daemons.start(Daemon(tmp_path, two_http(), conf_extra={"reload_timeout_ms": 500},
                             reload_command=f"sleep 60 & echo $! > {pidfile}; wait"))
    failed = d.wait_event("reload_failed")[0]
    assert failed["reason"] == "timeout"
    wait_for(lambda: process_gone(int(pidfile.read_text())), "the command's child to die", 10)
    wait_status(d, lambda s: s["counters"]["reloads"]["timeout"] == 1, "a timed out reload")


def test_sighup_with_a_bad_table_keeps_the_old_one_then_takes_a_good_one(backends, daemons,
                                                                        tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http()))
    d.wait_event("ready")
    before = d.dst.read_text()
    bad = two_http()
    bad["tables"][0]["backends"][1]["state"] = "actve"
    write_json(d.src, bad)
    d.signal(signal.SIGHUP)
    d.wait_event("config_rejected")
    problems = [e["problem"] for e in d.events("config_invalid")]
    assert f'{d.src}: table 0 ("t0"): backend 1: state: unknown state "actve"' in problems[0]
    time.sleep(1.0)
    assert d.proc.poll() is None and d.dst.read_text() == before

    good = two_http()
    good["tables"][0]["backends"].append(backend(B2, http=HTTP_PORT))
    write_json(d.src, good)
    d.signal(signal.SIGHUP)
    d.wait_event("config_reloaded")
    d.wait_healthy([True, True, True])
    wait_status(d, lambda s: s["counters"]["config_reloads"] == {"ok": 1, "failed": 1},
                "one good and one bad SIGHUP counted")


def test_sighup_rejects_a_timeout_not_below_the_interval(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http()))
    d.wait_event("ready")
    write_json(d.src, two_http(interval_ms=500, timeout_ms=500))
    d.signal(signal.SIGHUP)
    d.wait_event("config_rejected")
    assert "healthchecks: timeout_ms: 500 must be below interval_ms (500)" in \
        d.events("config_invalid")[0]["problem"]


def test_sighup_with_a_bad_config_keeps_checking(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(trigger=1)))
    d.wait_event("ready")
    d.conf.write_text('{"forwarding_table": {"src": 1}}')
    d.signal(signal.SIGHUP)
    d.wait_event("config_rejected")
    problems = [e["problem"] for e in d.events("config_invalid")]
    assert f"{d.conf}: forwarding_table: src: must be a string, not an integer" in problems
    assert f"{d.conf}: forwarding_table: dst: missing" in problems
    backends.http_status(B1, 503)
    d.wait_healthy([True, False])


def test_sigterm_and_sigint_stop_cleanly(backends, daemons, tmp_path):
    for sig, name in ((signal.SIGTERM, "TERM"), (signal.SIGINT, "INT")):
        d = daemons.start(Daemon(tmp_path, two_http()))
        d.wait_event("ready")
        d.signal(sig)
        assert d.proc.wait(timeout=WAIT_S) == 0, d.tail()
        assert d.events("stop", signal=name)
        d.stop()


PROM_LINE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$')


def test_status_and_prometheus_text(backends, daemons, tmp_path):
    backends.http_status(B1, 500)
    d = daemons.start(Daemon(tmp_path, two_http()))
    d.wait_event("ready")
    wait_status(d, lambda s: s["ready"], "a status file saying ready")
    status = lambda *a: sh(*map(str, (HC, "--status", "--config", d.conf, *a)))  # noqa: E731
    text = status().stdout
    assert re.search(rf"{re.escape(B0)}\s+active\s+up", text), text
    assert re.search(rf"{re.escape(B1)}\s+active\s+DOWN.*HTTP status 500", text), text
    doc = json.loads(status("--json").stdout)
    assert doc["counters"]["checks_sent"]["http"] >= 2
    assert doc["counters"]["check_results"]["http"]["http_status"] >= 1
    prom = status("--prometheus").stdout
    for line in prom.splitlines():
        assert line.startswith("#") or PROM_LINE.match(line), line
    assert f'glb_healthcheck_backend_healthy{{table="t0",backend="{B0}"}} 1' in prom
    assert f'glb_healthcheck_backend_healthy{{table="t0",backend="{B1}"}} 0' in prom
    assert 'glb_healthcheck_check_results_total{check="http",result="http_status"}' in prom
    # The textfile for node_exporter has the same metrics.
    names = lambda t: {l.split("{")[0].split()[0] for l in t.splitlines() if l[:1] != "#"}  # noqa
    assert names(d.prom.read_text()) == names(prom)


def test_systemd_is_told_ready_and_stopping(backends, daemons, tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(WAIT_S)
    try:
        d = daemons.start(Daemon(tmp_path, two_http(), env=dict(os.environ,
                                                                NOTIFY_SOCKET=str(path))))
        assert sock.recv(4096).decode().startswith("READY=1")
        d.signal(signal.SIGHUP)
        msgs = [sock.recv(4096).decode() for _ in range(2)]
        while "STATUS=" in msgs[0] and "RELOADING" not in msgs[0]:
            msgs = msgs[1:] + [sock.recv(4096).decode()]
        assert msgs[0] == "RELOADING=1" and msgs[1].startswith("READY=1"), msgs
        d.signal(signal.SIGTERM)
        while (msg := sock.recv(4096).decode()) != "STOPPING=1":
            assert msg.startswith("READY=1"), msg
    finally:
        sock.close()


def test_a_failed_write_is_retried_every_round_until_it_works(backends, daemons, tmp_path):
    d = Daemon(tmp_path, two_http())
    missing = tmp_path / "not-yet"
    d.dst = missing / "checked.json"
    conf = json.loads(d.conf.read_text())
    conf["forwarding_table"]["dst"] = str(d.dst)
    write_json(d.conf, conf)
    daemons.start(d)
    first = d.wait_event("output_failed")[0]
    assert first["level"] == "error" and first["file"] == str(d.dst)
    d.wait_event("output_failed", count=3)
    assert [e["level"] for e in d.events("output_failed")][1:3] == ["debug", "debug"]
    missing.mkdir()
    d.wait_event("output_recovered")
    d.wait_healthy([True, True])


def test_sighup_rewrites_only_when_the_output_would_change(backends, daemons, tmp_path):
    d = daemons.start(Daemon(tmp_path, two_http(), reload_command="true"))
    d.wait_event("reload_done")
    d.signal(signal.SIGHUP)  # the same table: nothing to write, nothing to reload
    d.wait_event("config_reloaded")
    time.sleep(1.5)
    assert len(d.events("reload_start")) == 1
    changed = two_http()
    changed["tables"][0]["binds"].append({"ip": "192.0.2.99", "proto": "udp", "port": 53})
    write_json(d.src, changed)
    d.signal(signal.SIGHUP)
    d.wait_event("reload_done", count=2)
    assert d.output()["tables"][0]["binds"][-1]["ip"] == "192.0.2.99"
    time.sleep(1.5)
    assert len(d.events("reload_start")) == 2

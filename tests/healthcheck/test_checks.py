# SPDX-License-Identifier: BSD-3-Clause
"""Each check against real servers in a network namespace, with --once:
which answers pass, which fail and why, and that timeouts are kept.

Run: /usr/bin/python3 -m pytest -q tests/healthcheck/test_checks.py   (as root)
"""

import re

import pytest

from hcnet import (BACKENDS, BLACKHOLE, CHECKER_IP, CLOSED_PORT, FOU_PORT, GUE_PORT, HTTP_PORT,
                   NO_GUE_PORT, SILENT_PORT, backend, once_rows, run_once, table_doc)

EXIT_BACKEND_DOWN = 4  # glb-healthcheck --once: a backend is down (common/exit_status.h)

B0, B1 = BACKENDS[0], BACKENDS[1]
TIMEOUT_MS = 400
# A timeout is declared no earlier than timeout_ms, and at most 10% (plus the
# scheduling noise of a busy 2-core machine) later.
LATE_MS = TIMEOUT_MS * 0.1 + 150

CASES = [
    # (name, checks of the backend, address, steering, result, detail contains)
    ("http 200 passes", {"http": HTTP_PORT}, B0, None, "ok", "HTTP status 200"),
    ("http 503 fails with the status", {"http": HTTP_PORT}, B1, ("http", 503), "FAIL",
     "HTTP status 503"),
    ("http 301 is not 2xx", {"http": HTTP_PORT}, B1, ("http", 301), "FAIL", "HTTP status 301"),
    ("http 204 is 2xx", {"http": HTTP_PORT}, B1, ("http", 204), "ok", "HTTP status 204"),
    ("http with nothing listening is refused", {"http": CLOSED_PORT}, B0, None, "FAIL",
     "Connection refused"),
    ("http that is accepted but never answered times out", {"http": SILENT_PORT}, B0, None,
     "FAIL", f"no answer within {TIMEOUT_MS}"),
    ("tcp to a listener passes", {"tcp": HTTP_PORT}, B0, None, "ok", "ok"),
    ("tcp accepted but never answered still passes", {"tcp": SILENT_PORT}, B0, None, "ok", "ok"),
    ("tcp with nothing listening is refused", {"tcp": CLOSED_PORT}, B0, None, "FAIL",
     "Connection refused"),
    ("tcp to a silent host times out", {"tcp": HTTP_PORT}, BLACKHOLE, None, "FAIL",
     f"no answer within {TIMEOUT_MS}"),
    ("gue answered by the decapsulator passes", {"gue": GUE_PORT}, B0, None, "ok", "ok"),
    ("fou answered by the decapsulator passes", {"fou": FOU_PORT}, B0, None, "ok", "ok"),
    ("gue not answered times out", {"gue": GUE_PORT}, B1, ("gue_silent", B1), "FAIL",
     f"no answer within {TIMEOUT_MS}"),
    ("gue to a port without a decapsulator fails at once", {"gue": NO_GUE_PORT}, B0, None,
     "FAIL", "ICMP port unreachable"),
    ("gue to a silent host times out", {"gue": GUE_PORT}, BLACKHOLE, None, "FAIL",
     f"no answer within {TIMEOUT_MS}"),
]


@pytest.mark.parametrize("name,checks,ip,steer,result,detail", CASES, ids=[c[0] for c in CASES])
def test_check_result(backends, tmp_path, name, checks, ip, steer, result, detail):
    if steer and steer[0] == "http":
        backends.http_status(ip, steer[1])
    elif steer and steer[0] == "gue_silent":
        backends.gue_silent(steer[1])
    doc = table_doc([backend(ip, **checks)], interval_ms=2000, timeout_ms=TIMEOUT_MS)
    p = run_once(tmp_path, doc)
    assert p.returncode == (0 if result == "ok" else EXIT_BACKEND_DOWN), p.stdout + p.stderr
    rows = once_rows(p.stdout)
    assert len(rows) == 1, p.stdout
    assert rows[0]["result"] == result, p.stdout
    m = re.fullmatch(r"no answer within (\d+) ms", rows[0]["detail"])
    if detail == f"no answer within {TIMEOUT_MS}" and m:
        # the time actually waited: the timeout, honoured to within 10%
        assert TIMEOUT_MS <= int(m.group(1)) <= TIMEOUT_MS * 1.1, p.stdout
    else:
        assert detail in rows[0]["detail"], p.stdout
    ms = float(rows[0]["ms"])
    if "no answer" in detail:
        assert TIMEOUT_MS <= ms <= TIMEOUT_MS + LATE_MS, f"timeout declared after {ms} ms"
    else:
        assert ms < TIMEOUT_MS, f"a definite answer took {ms} ms"


def test_http_sends_the_uri_and_host(backends, tmp_path):
    doc = table_doc([backend(B0, http=HTTP_PORT, http_uri="/_ping?x=1"),
                     backend(B1, http=HTTP_PORT)])
    p = run_once(tmp_path, doc)
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(backends.requests()) == sorted([[B0, "/_ping?x=1", B0], [B1, "/", B1]])


def test_one_probe_per_address_check_and_port_across_tables(backends, tmp_path):
    same = backend(B0, http=HTTP_PORT, http_uri="/hc", gue=GUE_PORT)
    doc = table_doc([same, backend(B1, http=HTTP_PORT)], [dict(same)], [dict(same)])
    p = run_once(tmp_path, doc)
    assert p.returncode == 0, p.stdout + p.stderr
    assert [r for r in backends.requests() if r[0] == B0] == [[B0, "/hc", B0]]
    assert len([d for port, d in backends.gue_datagrams() if port == GUE_PORT]) == 1
    # ...but every table's backend is reported
    assert len([r for r in once_rows(p.stdout) if r["backend"] == B0]) == 6


def test_a_backend_is_down_when_any_of_its_checks_fails(backends, tmp_path):
    backends.gue_silent(B1)
    doc = table_doc([backend(B0, http=HTTP_PORT, gue=GUE_PORT),
                     backend(B1, http=HTTP_PORT, gue=GUE_PORT)], timeout_ms=TIMEOUT_MS)
    p = run_once(tmp_path, doc)
    assert p.returncode == EXIT_BACKEND_DOWN, p.stdout
    health = {r["backend"]: r["health"] for r in once_rows(p.stdout)}
    assert health == {B0: "up", B1: "DOWN"}
    assert "2 backends: 1 up, 1 down" in p.stdout


def test_backends_without_checks_are_reported_not_checked(backends, tmp_path):
    doc = table_doc([backend(B0, http=HTTP_PORT), dict(backend(B1), healthy=False)])
    p = run_once(tmp_path, doc)
    assert p.returncode == 0, p.stdout
    assert "not checked" in p.stdout and "1 not checked" in p.stdout
    assert backends.requests() == [[B0, "/", B0]]


def test_gue_probe_bytes_match_an_independent_scapy_build(backends, tmp_path):
    from scapy.all import ICMP, IP, Raw  # noqa: E402 (slow import, only here)

    doc = table_doc([backend(B0, gue=GUE_PORT, fou=FOU_PORT)])
    p = run_once(tmp_path, doc)
    assert p.returncode == 0, p.stdout + p.stderr
    got = dict(backends.gue_datagrams())
    assert set(got) == {GUE_PORT, FOU_PORT}
    for port, gue_header in ((GUE_PORT, bytes([1, 4, 0, 0, 0, 0, 0, 0])),
                             (FOU_PORT, bytes([0, 4, 0, 0]))):
        inner = got[port][len(gue_header):]
        echo_id, seq = int.from_bytes(inner[24:26], "big"), int.from_bytes(inner[26:28], "big")
        want = gue_header + bytes(IP(src=CHECKER_IP, dst=B0, id=0, flags="DF", ttl=64) /
                                  ICMP(type=8, code=0, id=echo_id, seq=seq) /
                                  Raw(b"glb-healthcheck\0"))
        assert got[port] == want, f"port {port}:\n got  {got[port].hex()}\n want {want.hex()}"


def test_many_backends_are_checked_at_once_within_the_timeout(backends, tmp_path):
    # Every address x every check type, and silent ones, in one round.
    bs = [backend(ip, http=HTTP_PORT, tcp=HTTP_PORT, gue=GUE_PORT, fou=FOU_PORT)
          for ip in BACKENDS] + [backend(BLACKHOLE, http=HTTP_PORT, gue=GUE_PORT)]
    doc = table_doc(bs, bs[:3], timeout_ms=TIMEOUT_MS)
    p = run_once(tmp_path, doc)
    rows = once_rows(p.stdout)
    assert p.returncode == EXIT_BACKEND_DOWN, p.stdout
    fails = {(r["backend"], r["check"]) for r in rows if r["result"] == "FAIL"}
    assert fails == {(BLACKHOLE, "http:80/"), (BLACKHOLE, "gue:19523")}, p.stdout
    assert max(float(r["ms"]) for r in rows) <= TIMEOUT_MS + LATE_MS

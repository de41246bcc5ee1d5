# SPDX-License-Identifier: BSD-3-Clause
"""What the lab asserts, its final table for a person, and its JSON."""

import json
import re

from . import proxies as px
from .scenario import LOWER_MTU, SPAN_MARGIN_S
from .topology import DIRECTOR_ADDR, PROXIES

# The healthcheck's transitions the scenario causes, in order (step 4, step 5).
EXPECTED_TRANSITIONS = [("proxy3", "up", "down"), ("proxy3", "down", "up"),
                        ("proxy1", "up", "down"), ("proxy1", "down", "up")]
NAMES = {addr: name for name, addr in PROXIES.items()}
# Slack on top of interval x (trigger + 1) + timeout for detecting a death:
# the reload itself and a busy guest.
DETECTION_SLACK_MS = 5000
SHOW = 5  # failures listed per check


class Checks:
    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=""):
        self.results.append({"name": name, "ok": bool(ok), "detail": detail})
        return ok

    def failed(self):
        return [r for r in self.results if not r["ok"]]

    def lines(self):
        return [f"{'ok  ' if r['ok'] else 'FAIL'} {r['name']}"
                + (f": {r['detail']}" if r["detail"] and not r["ok"] else "")
                for r in self.results]


def listing(items):
    items = list(items)
    more = f" (and {len(items) - SHOW} more)" if len(items) > SHOW else ""
    return "; ".join(items[:SHOW]) + more


class Analysis:
    """The lab's records turned into facts: where each download went and
    should have gone, which proxies had to forward in each step."""

    def __init__(self, lab):
        self.lab = lab
        self.cp = lab.control
        self.downloads = lab.clients.downloads
        self.expected_loss = {d.id for d in self.downloads if lab._expected_loss(d)}
        self.predicted = {d.id: self.cp.version_at(d.started).primary(d.client)
                          for d in self.downloads}

    def step_downloads(self, n, kind=None):
        return [d for d in self.downloads if d.step == n and (kind is None or d.kind == kind)]

    def forward_expectations(self, step):
        """(allowed, required) forwarders of a step: a proxy that became the
        primary of a download's row while the download ran, on another
        proxy, receives its packets and must pass them on."""
        allowed, required = set(), set()
        changes = [v for v in self.cp.versions if step.t0 <= v.t <= step.t1]
        for d in self.step_downloads(step.number):
            serving = self.predicted[d.id]
            for v in changes:
                if not (d.started < v.t + SPAN_MARGIN_S and d.ended > v.t - SPAN_MARGIN_S):
                    continue
                new = v.primary(d.client)
                if new == serving:
                    continue
                allowed.add(new)
                if d.kind == "long" and d.id not in self.expected_loss and \
                        d.started < v.t - SPAN_MARGIN_S and d.ended > v.t + SPAN_MARGIN_S:
                    required.add(new)
        return allowed, required


def run_checks(lab):
    c = Checks()
    a = Analysis(lab)
    downloads = a.downloads
    complete = {s.number for s in lab.steps if s.complete}
    c.check(f"the scenario ran its six steps ({len(complete)} completed)",
            lab.error is None and len(complete) == 6, lab.error or "")

    # -- downloads ------------------------------------------------------------
    bad = [d for d in downloads if not d.exact and d.id not in a.expected_loss]
    c.check("every download not on the dead proxy completed byte-exact "
            f"({sum(d.exact for d in downloads)} of {len(downloads)})",
            not bad, listing(d.describe() for d in bad))
    kinds = {}
    for d in bad:
        kinds[d.outcome] = kinds.get(d.outcome, 0) + 1
    c.check("no reset, no timeout, no corrupt body outside the dead proxy's downloads",
            not kinds, ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
    lost = [d for d in downloads if d.id in a.expected_loss]
    if 5 in complete:
        c.check(f"step 5 killed downloads on proxy1 ({len(lost)}), and only those broke",
                lost and all(d.step == 5 for d in lost),
                "no download was on proxy1 when it died: the step proved nothing"
                if not lost else "")

    # -- where they landed ----------------------------------------------------
    wrong = [f"{d.client}:{d.local_port} (step {d.step}, {d.kind}) on {d.proxy}, the table "
             f"said {a.predicted[d.id]}" for d in downloads
             if d.exact and d.proxy != a.predicted[d.id]]
    c.check("every download was served by the primary glb-director-cli route named for its table",
            not wrong, listing(wrong))
    # (a client's port may come round again: match each download to its own line)
    logged = {}
    for name, p in lab.proxies.items():
        for row in p.access_log():
            logged.setdefault((row["client"], row["port"]), []).append((name, row))
    missing = []
    for d in downloads:
        if not d.exact:
            continue
        rows = logged.get((d.client, d.local_port), [])
        match = next((r for r in rows if r[0] == d.proxy and r[1]["status"] == 200 and
                      r[1]["bytes"] == d.size), None)
        if match is None:
            missing.append(f"{d.client}:{d.local_port} said {d.proxy}, nginx logs "
                           + (", ".join(f"{n} {r['status']} {r['bytes']} bytes" for n, r in rows)
                              or "nothing"))
        else:
            rows.remove(match)
    c.check("every completed download is in the access log of the proxy that named itself",
            not missing, listing(missing))

    for n, proxy, what in ((2, "proxy2", "after proxy2 was drained"),
                           (4, "proxy3", "during proxy3's false alarm"),
                           (5, "proxy1", "after proxy1 was marked down")):
        if n in complete:
            on = [f"{d.client}:{d.local_port}" for d in a.step_downloads(n, "new")
                  if d.proxy == proxy]
            c.check(f"no new connection {what} landed on {proxy}", not on, listing(on))
    if 1 in complete:
        spread = {d.proxy for d in a.step_downloads(1)}
        c.check("step 1 spread the clients over proxy1, proxy2 and proxy3 "
                f"({', '.join(sorted(str(s) for s in spread))})",
                spread == {"proxy1", "proxy2", "proxy3"})
    if 3 in complete:
        reach4 = sum(d.proxy == "proxy4" for d in a.step_downloads(3, "new"))
        c.check(f"after proxy4 was added, new connections reached it ({reach4})", reach4 > 0)
    if 6 in complete:
        spread6 = {d.proxy for d in a.step_downloads(6, "new")}
        c.check(f"step 6's new connections spread over all four proxies "
                f"({', '.join(sorted(str(s) for s in spread6))})", spread6 == set(PROXIES))

    # -- second chance ----------------------------------------------------------
    for step in lab.steps:
        allowed, required = a.forward_expectations(step)
        fwd = step.forwards()
        missing = sorted(p for p in required if fwd[p] == 0)
        extra = sorted(f"{p} forwarded {fwd[p]}" for p in fwd if fwd[p] and p not in allowed)
        where = ", ".join(f"{p} {fwd[p]}" for p in sorted(fwd) if fwd[p]) or "none"
        c.check(f"step {step.number} second chance: required by {sorted(required) or 'none'}, "
                f"seen: {where}", not missing,
                f"no forward from {', '.join(missing)}" if missing else "")
        c.check(f"step {step.number} second chance: no forward from a proxy whose rows did "
                f"not change (allowed: {sorted(allowed) or 'none'})", not extra,
                listing(extra))
    if 2 in complete:
        step2 = next(s for s in lab.steps if s.number == 2)
        icmp = {p: px.forwarded_icmp(step2.stats1[p]) - px.forwarded_icmp(step2.stats0[p])
                for p in step2.stats0}
        _, required = a.forward_expectations(step2)
        c.check("step 2 path MTU: the router's fragmentation-needed about proxy2's downloads "
                "was forwarded to it by " + (", ".join(f"{p} ({icmp[p]})" for p in
                                                    sorted(required)) or "nobody"),
                required and all(icmp[p] > 0 for p in required), f"forward_icmp: {icmp}")
        learned = {c_: m for c_, m in lab.pmtu.items() if m == LOWER_MTU}
        c.check(f"step 2 path MTU: proxy2 learned MTU {LOWER_MTU} towards every client of its "
                f"downloads ({len(learned)} of {len(lab.pmtu)})",
                lab.pmtu and len(learned) == len(lab.pmtu), f"learned: {lab.pmtu}")
    if 2 in complete:
        c.check(f"glb-proxy-diag drained said proxy2 was empty ({lab.drained.get('summary')}), "
                f"and /proc/net/tcp agreed", lab.drained.get("empty") and
                lab.drained.get("established_after") == 0, str(lab.drained))
    drops = []
    for name, p in lab.proxies.items():
        drops += [f"{name} {k} {v}" for k, v in lab.final_stats[name].items()
                  if k.startswith("drop_") and v]
    c.check("GLBREDIRECT dropped nothing as malformed on any proxy", not drops, listing(drops))

    # -- the director ---------------------------------------------------------------
    st = lab.director_final
    rx, tx, dr = st.get("rx", 0), st.get("tx", 0), sum(v for k, v in st.items()
                                                        if k.startswith("drop_"))
    c.check(f"director's books: rx {rx} = tx {tx} + counted drops {dr}",
            rx > 0 and rx == tx + dr)
    link = lab.shared_link
    c.check(f"the director's link is shared: DPDK isolated with {link.get('flow_rules')} flow "
            f"rules (the service's TCP and ICMP), the kernel answering the router's ping "
            f"on {DIRECTOR_ADDR} and carrying the healthcheck",
            link.get("isolated") and link.get("flow_rules") == 2 and
            link.get("kernel_answers_ping"), str(link))
    table_packets = director_table_packets(lab.control.director.lines)
    c.check(f"no reply passed the director: all {rx} packets it received were for the "
            f"service (table 0: {table_packets})", rx > 0 and table_packets == rx)
    changes = a.cp.changes
    versions = len(a.cp.versions)
    ok = lab.director_reloads
    c.check(f"director reloads: {ok['ok']} ok, {ok['failed']} failed, for {changes} table "
            f"changes, the first health round and the start ({versions} tables seen)",
            ok["ok"] == versions == changes + 2 and ok["failed"] == 0)

    # -- the healthcheck --------------------------------------------------------------
    seen = [(NAMES.get(e.get("backend"), e.get("backend")), e.get("old"), e.get("new"))
            for e in a.cp.hc.events("backend_health") if e.get("old") in ("up", "down")]
    if lab.error:
        return c
    c.check("healthcheck transitions: " + (", ".join(f"{b} {o}->{n}" for b, o, n in seen)
                                           or "none"),
            seen == EXPECTED_TRANSITIONS,
            f"expected {', '.join(f'{b} {o}->{n}' for b, o, n in EXPECTED_TRANSITIONS)}")
    status = lab.hc_status or {}
    hc_reloads = (status.get("counters") or {}).get("reloads", {})
    c.check(f"healthcheck --status: reload command ran {hc_reloads.get('ok')} times "
            f"({changes} changes + its first round), none failed",
            hc_reloads.get("ok") == changes + 1 and hc_reloads.get("failed") == 0,
            status.get("error", ""))
    tbl = (status.get("tables") or [{}])[0].get("backends", [])
    states = {NAMES.get(b["ip"]): (b["state"], b["healthy"]) for b in tbl}
    want = {n: (s, True) for n, s in a.cp.states.items()}
    c.check("healthcheck --status at the end: " + ", ".join(
        f"{n} {s} {'up' if h else 'down'}" for n, (s, h) in sorted(states.items())),
        states == want)
    p = lab.p
    bound = p.interval_ms * (p.trigger + 1) + p.timeout_ms + DETECTION_SLACK_MS
    death = lab.detection.get("death")
    c.check(f"proxy1's death reached the director in {death:.0f} ms (bound {bound} ms: "
            f"interval x (trigger + 1) + timeout + {DETECTION_SLACK_MS})"
            if death is not None else "proxy1's death was detected",
            death is not None and death <= bound)
    return c


def director_table_packets(lines, table=0):
    """The packets the director counted for a table, from its final output."""
    for line in reversed(lines):
        m = re.search(rf"table {table}: packets (\d+)", line)
        if m:
            return int(m.group(1))
    return None


def by_proxy(downloads):
    out = {}
    for d in downloads:
        out[d.proxy or "?"] = out.get(d.proxy or "?", 0) + 1
    return dict(sorted(out.items()))


def summary(lab, checks):
    """The final table, as lines."""
    a = Analysis(lab)
    lines = ["", "== results", ""]
    lines.append(f"{'proxy':<8} {'served':>7} {'bytes':>10} {'accepted':>9} {'forwarded':>10}"
                 f"   second-chance forwards by step")
    for name, p in lab.proxies.items():
        served = [r for r in p.access_log() if r["local"] != p.addr]
        acc = px.accepted(lab.final_stats[name])
        fwd = px.forwarded(lab.final_stats[name])
        per = " ".join(f"{s.number}:{s.forwards()[name]}" for s in lab.steps)
        lines.append(f"{name:<8} {len(served):>7} {sum(r['bytes'] for r in served) / 1e6:>8.1f}MB"
                     f" {acc:>9} {fwd:>10}   {per}")
    st = lab.director_final
    drops = {k: v for k, v in st.items() if k.startswith("drop_") and v}
    lines.append("")
    lines.append(f"director: rx {st.get('rx', 0)} tx {st.get('tx', 0)} drops "
                 f"{sum(drops.values())}{' ' + str(drops) if drops else ''}; reloads "
                 f"{lab.director_reloads['ok']} ok {lab.director_reloads['failed']} failed")
    det = ", ".join(f"{k.replace('_', ' ')} {v:.0f} ms" for k, v in lab.detection.items())
    seen = len([e for e in lab.control.hc.events("backend_health")
                if e.get("old") in ("up", "down")])
    lines.append(f"healthcheck: {seen} transitions; from a proxy's failure to the director's "
                 f"reload: {det}")
    d = a.downloads
    cs = lab.client_stats
    lines.append(f"clients' TCP: {cs.get('segments_out')} segments sent, {cs.get('retransmitted')} "
                 f"retransmitted ({cs.get('syn_retransmitted')} SYNs); director's port: "
                 f"imissed {lab.shared_link.get('imissed')}, ierrors "
                 f"{lab.shared_link.get('ierrors')}")
    lines.append(f"downloads: {len(d)}, byte-exact {sum(x.exact for x in d)}, broken "
                 f"{sum(not x.exact for x in d)} (expected, on proxy1 when it died: "
                 f"{sum(not x.exact for x in d if x.id in a.expected_loss)})")
    lines.append("")
    for s in lab.steps:
        mine = a.step_downloads(s.number)
        lines.append(f"step {s.number} {s.name:<12} {s.t1 - s.t0:5.1f} s  {len(mine):>3} downloads"
                     f"  {sum(x.exact for x in mine):>3} exact  by proxy "
                     + ", ".join(f"{k} {v}" for k, v in by_proxy(mine).items()))
    lines.append("")
    lines += checks.lines()
    return lines


def to_json(lab, checks, mode):
    a = Analysis(lab)
    d = a.downloads
    st = lab.director_final
    steps = []
    for s in lab.steps:
        mine = a.step_downloads(s.number)
        steps.append({"name": s.name, "title": s.title, "seconds": round(s.t1 - s.t0, 2),
                      "started": len(mine), "completed": sum(x.exact for x in mine),
                      "broken": sum(not x.exact for x in mine), "by_proxy": by_proxy(mine),
                      "second_chance": {p: n for p, n in s.forwards().items()}})
    return {
        "mode": mode,
        "profile": lab.p.name,
        "ok": not checks.failed(),
        "downloads": {"total": len(d), "completed_exact": sum(x.exact for x in d),
                      "broken": sum(not x.exact for x in d),
                      "broken_expected": sum(not x.exact for x in d if x.id in a.expected_loss)},
        "second_chance": {"forwarded": sum(px.forwarded(s) for s in lab.final_stats.values()),
                          "accepted": sum(px.accepted(s) for s in lab.final_stats.values())},
        "director": {"rx": st.get("rx", 0), "tx": st.get("tx", 0),
                     "drops": sum(v for k, v in st.items() if k.startswith("drop_")),
                     "reloads": lab.director_reloads},
        "path_mtu": {"forwarded_icmp": sum(px.forwarded_icmp(s) for s in lab.final_stats.values()),
                     "proxy2_learned": lab.pmtu},
        "director_link": lab.shared_link,
        "proxy2_drained": lab.drained,
        "client_tcp": lab.client_stats,
        "detection_ms": round(lab.detection.get("death", -1)),
        "false_alarm_ms": round(lab.detection.get("false_alarm", -1)),
        "proxies": {n: lab.final_stats[n] for n in lab.proxies},
        "tables": [{"index": v.index, "label": v.label, "sha256": v.sha} for v in a.cp.versions],
        "steps": steps,
        "checks": checks.results,
    }


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

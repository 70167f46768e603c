#!/usr/bin/env python3
"""Turns bench/run's raw.jsonl into results.md and throughput.svg, and puts the table in the README
between the bench markers.  usage: report.py <raw.jsonl> <results folder> <README.md>"""
import json
import os
import re
import statistics
import sys
from datetime import datetime, timezone

from plot import COLOURS, document, machine as describe_machine

raw, out, readme = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(raw) if line.strip()]
# When each part of the run began and on what machine (bench/run's meta rows): the growth step may have been measured
# again later (--growth-only), on another day or machine, and says so. A run without them (a quick one) is described now.
metas = {r["label"]: r["meta"] for r in rows if "meta" in r}
rows = [r for r in rows if "meta" not in r]
now = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": describe_machine(os.environ.get("BENCH_LOAD", ""))}
when, machine = metas.get("run", now)["when"], metas.get("run", now)["machine"]
duration, warmup = os.environ.get("BENCH_DURATION", "?"), os.environ.get("BENCH_WARMUP", "?")


def ms(us):
    return us / 1000


def wrk_row(r):
    w = r["wrk"]
    return w["requests"] / (w["duration_us"] / 1e6), ms(w["p50_us"]), ms(w["p99_us"]), ms(w["p999_us"]), w["errors"]


rounds_run = os.environ.get("BENCH_ROUNDS", "1")

# The targets at 64 connections: (step, database) -> (least × baseline, most p99 ms). Throughput as issue 32 states it
# (SQLite create 0.30×, payments 0.15×; PostgreSQL 0.10× and 0.05×), p99 as issue 14 did.
TARGETS = {("create", "sqlite"): (0.30, 25), ("payment", "sqlite"): (0.15, 30),
           ("create", "postgres"): (0.10, 40), ("payment", "postgres"): (0.05, 60)}
# Issue 32's counts: the SQLite writer's µs per unit of the step's own kind, and PostgreSQL round trips per request.
UNIT_KIND = {"create": "CreatePaymentCode", "payment": "PaymentEndpoint", "pay": "PaymentEndpoint"}
UNIT_TARGET = {"create": 60, "payment": 90, "pay": 90}
TRIPS_TARGET = {"create": 1}
NOTIFY_TARGET = ("payment", "sqlite", 2500, 50)  # payments-only step on SQLite: deliveries/s at least, lag p99 at most


def median_rows(kind_rows):
    """Rows of one (label, kind, connections) over the rounds: medians of the figures, errors summed."""
    groups = {}
    for r in kind_rows:
        groups.setdefault((r["label"], r["kind"], r["connections"]), []).append(r)
    out = []
    for (label, kind, conns), rs in groups.items():
        figures = [wrk_row(r) for r in rs]
        med = [statistics.median(f[i] for f in figures) for i in range(4)]
        out.append({"label": label, "kind": kind, "connections": conns, "rps": med[0], "p50": med[1], "p99": med[2],
                    "p999": med[3], "errors": sum(f[4] for f in figures), "peak_kb": max(r["peak_kb"] for r in rs),
                    "rounds": len(rs)})
    return out


measured = median_rows([r for r in rows if "wrk" in r and not r["label"].startswith("growth")])
baseline = {m["connections"]: m for m in measured if m["label"] == "baseline"}
by_key = {(m["label"], m["kind"], m["connections"]): m for m in measured}


def ratio(value, base):
    return f"{value / base:.2f}" if base else "–"


def target(m):
    t = TARGETS.get((m["kind"], m["label"])) if m["connections"] == 64 else None
    b = baseline.get(m["connections"])
    if not t or not b:
        return ""
    met = m["rps"] / b["rps"] >= t[0] and m["p99"] <= t[1]
    return f">= {t[0]:.2f}x, p99 <= {t[1]} ms: {'met' if met else 'missed'}"


lines = [f"Run {when} on {machine}; {duration} s per measurement after a {warmup} s warm-up, {rounds_run} round(s), "
         "medians over the rounds (the baseline is measured in every round beside the gateways); wrk on the same machine.", "",
         "| Step | Conn. | req/s | × baseline | p50 ms | p99 ms | p99.9 ms | p99 × baseline | errors | peak RSS MB | target |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
for m in measured:
    b = baseline.get(m["connections"])
    name = "baseline (no storage)" if m["label"] == "baseline" else f"{m['kind']} ({m['label']})"
    lines.append(f"| {name} | {m['connections']} | {m['rps']:,.0f} | {ratio(m['rps'], b['rps']) if b else '–'} | {m['p50']:.1f} | "
                 f"{m['p99']:.1f} | {m['p999']:.1f} | {ratio(m['p99'], b['p99']) if b else '–'} | {m['errors']} | "
                 f"{m['peak_kb'] / 1024:.0f} | {target(m)} |")

def count_rows():
    """Rows of one (label, kind, connections) over the rounds with the counts bench/counts.py took: medians."""
    groups = {}
    for r in rows:
        if r.get("counts") and "wrk" in r:
            groups.setdefault((r["label"], r["kind"], r["connections"]), []).append(r)
    out = []
    for (label, kind, conns), rs in groups.items():
        cs = [r["counts"] for r in rs]
        def med(key, sub=None):
            values = [c.get(key) if sub is None else c.get("sqlite_units", {}).get(sub, {}).get(key) for c in cs]
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None
        kinds = sorted({k for c in cs for k in c.get("sqlite_units", {})})
        per_kind = {k: med("us", k) for k in kinds}
        units = {k: med("units", k) for k in kinds}
        # The writer's share of the step: its µs per request times the round's req/s, round by round.
        busy = [r["counts"]["sqlite_writer_us_per_request"] * wrk_row(r)[0] / 1e6 for r in rs
                if r["counts"].get("sqlite_writer_us_per_request") is not None]
        out.append((label, kind, conns, len(rs), med("sqlite_us_per_unit"), med("sqlite_units_per_group"), med("sqlite_commit_ms"),
                    per_kind, units, med("pg_round_trips_per_request"), med("pg_commits_per_request"),
                    med("sqlite_writer_us_per_request"), med("sqlite_commit_share"), statistics.median(busy) if busy else None))
    return out


counted = count_rows()
if counted:
    lines += ["", "Counts (issue 32), from the gateway's own metrics scraped before and after each measurement (`bench/counts.py`), "
              "medians over the rounds. SQLite: the writer's time per unit, savepoint to release, of the step's own unit kind "
              "(`tunai.sqlite.write_unit.duration` by `tunai.unit`; the other kinds that ran in the step, such as the notification "
              "worker's, after it), all units' mean (`write_group.duration` ÷ `write_group.units`), units per COMMIT and a COMMIT's "
              "time; the writer's whole time (its units and its COMMITs) per request answered, the COMMITs' share of it, and the share "
              "of the step the writer was busy (that time per request times the step's req/s): near 100 % the one writer bounds the "
              "step, and a unit made faster is worth only its share. PostgreSQL: round trips per request sent (Npgsql's commands "
              "and batches plus COMMITs), less what the gateway "
              "sends with no request at all (its instance heartbeat, the notification worker's polls: their rate over 2 idle "
              "seconds before the step, times the time between the step's scrapes, each a second after wrk stopped), the notification worker's deliveries included "
              "(PostgresRoundTripTests counts each request kind alone).", "",
              "| Step | Conn. | writer µs per unit of the step's kind | other kinds (µs, units) | all units µs | units per COMMIT | COMMIT ms | writer µs per request (COMMITs' share) | writer busy | PG round trips per request | PG COMMITs per request | target |",
              "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for label, kind, conns, n, us, per_group, commit_ms, per_kind, units, trips, commits, per_request, commit_share, busy in counted:
        own = UNIT_KIND.get(kind)
        mine = per_kind.get(own) if own else None
        others = ", ".join(f"{k} {v:.0f} ({units[k]:.0f})" for k, v in per_kind.items() if k != own and v is not None)
        verdict = ""
        if mine is not None and kind in UNIT_TARGET:
            verdict = f"≤ {UNIT_TARGET[kind]} µs: {'met' if mine <= UNIT_TARGET[kind] else 'missed'}"
        elif trips is not None and kind == "create":
            # A payment step's count includes the notification worker's deliveries: PostgresRoundTripTests decides those.
            verdict = f"≤ {TRIPS_TARGET[kind]} round trips: {'met' if trips <= TRIPS_TARGET[kind] else 'missed'}"
        def f(v, fmt):
            return "–" if v is None else format(v, fmt)
        lines.append(f"| {kind} ({label}) | {conns} | {f(mine, '.1f')} | {others or '–'} | {f(us, '.1f')} | {f(per_group, '.1f')} | "
                     f"{f(commit_ms, '.2f')} | {'–' if per_request is None else f'{per_request:.0f} ({commit_share * 100:.0f} %)'} | "
                     f"{'–' if busy is None else f'{busy * 100:.0f} %'} | {f(trips, '.2f')} | {f(commits, '.2f')} | {verdict} |")
    # Issue 32: create's p99 at the highest connection count, round by round, flat within ±20 % from first to last.
    top = max((m["connections"] for m in measured), default=0)
    for label in sorted({m["label"] for m in measured if m["kind"] == "create" and m["label"] != "baseline"}):
        p99s = [(r.get("round", 1), wrk_row(r)[2]) for r in rows
                if "wrk" in r and r["label"] == label and r["kind"] == "create" and r["connections"] == top]
        if len(p99s) > 1:
            p99s.sort()
            first, last = p99s[0][1], p99s[-1][1]
            lines.append(f"\nCreate p99 at {top} connections, round by round ({label}): " + ", ".join(f"{p:.1f}" for _, p in p99s)
                         + f" ms; last against first {(last / first - 1) * 100:+.0f} % (target within ±20 %: "
                         + ("met" if abs(last / first - 1) <= 0.2 else "missed") + ").")
    # What a tail that grows with the tables could follow, step by step in the order measured (SQLite).
    tail = [r for r in rows if "wrk" in r and r.get("counts", {}).get("sqlite_units_per_group") is not None]
    if tail:
        lines += ["", "SQLite, step by step in the order measured: what the tail could follow (the WAL's size at the step's end, "
                  "checkpoints beside the writer and the slowest one, the writer's page-cache misses and writes per unit, a COMMIT's "
                  "mean time and the bucket bound under which 99 % of them fell) and the "
                  "runtime's (garbage collections' pauses in the step, gen2 collections, the heap after the last one, the JIT's time "
                  "compiling and the methods it compiled in the step):", "",
                  "| Round | Step | Conn. | p99 ms | COMMIT ms | COMMIT p99 ≤ ms | units per COMMIT | WAL MB | checkpoints | checkpoint ms | slowest checkpoint ≤ ms | cache misses per unit | cache writes per unit | GC pause ms | gen2 | heap MB | JIT ms | methods compiled |",
                  "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in tail:
            c = r["counts"]
            def g(key, fmt):
                return "–" if c.get(key) is None else format(c[key], fmt)
            lines.append(f"| {r.get('round', 1)} | {r['kind']} ({r['label']}) | {r['connections']} | {wrk_row(r)[2]:.1f} | "
                         f"{g('sqlite_commit_ms', '.2f')} | {g('sqlite_commit_p99_ms', 'g')} | {g('sqlite_units_per_group', '.1f')} | "
                         f"{g('sqlite_wal_mb', '.1f')} | {g('sqlite_checkpoints', 'd')} | {g('sqlite_checkpoint_ms', '.1f')} | "
                         f"{g('sqlite_checkpoint_max_ms', 'g')} | {g('sqlite_cache_miss_per_unit', '.2f')} | "
                         f"{g('sqlite_cache_write_per_unit', '.2f')} | {g('gc_pause_ms', '.1f')} | {g('gc_gen2', 'd')} | {g('gc_heap_mb', '.1f')} | {g('jit_ms', '.0f')} | {g('jit_methods', 'd')} |")
    # Where the writer's microseconds go: each statement's share of the units' time, per SQLite step at the top count.
    top = max((m["connections"] for m in measured), default=0)
    for (label, kind) in sorted({(r["label"], r["kind"]) for r in rows if "wrk" in r and r.get("counts", {}).get("sqlite_statements")}):
        rs = [r for r in rows if "wrk" in r and r["label"] == label and r["kind"] == kind and r["connections"] == top
              and r.get("counts", {}).get("sqlite_statements")]
        if not rs:
            continue
        own = UNIT_KIND.get(kind)
        def per_round(c):
            units = c.get("sqlite_units", {})
            held = sum(u["units"] * u["us"] for u in units.values())
            own_units = units.get(own, {}).get("units") or 0
            return held, own_units
        names = sorted({n for r in rs for n in r["counts"]["sqlite_statements"]})
        table = []
        for n in names:
            shares, us, calls = [], [], []
            for r in rs:
                held, own_units = per_round(r["counts"])
                st = r["counts"]["sqlite_statements"].get(n)
                if st and held > 0 and own_units > 0:
                    shares.append(st["calls"] * st["us"] / held)
                    us.append(st["us"])
                    calls.append(st["calls"] / own_units)
            if shares:
                table.append((statistics.median(shares), n, statistics.median(us), statistics.median(calls)))
        if not table:
            continue
        table.sort(reverse=True)
        lines += ["", f"Where the writer's time goes ({kind}, {label}, {top} connections; medians over the rounds): each statement "
                  "the writer ran in the step (`tunai.sqlite.statement.duration`: binding, stepping, resetting), its calls per unit "
                  "of the step's kind, its mean time, and its share of all units' time savepoint to release (the notification "
                  "worker's units, where they ran, included); what no statement accounts for is the managed work around them.", "",
                  "| Statement | calls per unit | µs per call | share of units' time |", "| --- | ---: | ---: | ---: |"]
        for share, n, us, calls in table:
            lines.append(f"| {n} | {calls:.2f} | {us:.1f} | {share * 100:.1f} % |")
        lines.append(f"| (outside any statement) | | | {(1 - sum(t[0] for t in table)) * 100:.1f} % |")


def round_ratios(this_label, other_label, kind, conns):
    """This build's req/s over the other's, one ratio per round in which both were measured."""
    def by_round(label):
        return {r.get("round", 1): wrk_row(r)[0] for r in rows
                if "wrk" in r and r["label"] == label and r["kind"] == kind and r["connections"] == conns}
    mine, theirs = by_round(this_label), by_round(other_label)
    return [mine[k] / theirs[k] for k in sorted(mine) if k in theirs and theirs[k]]


# Side by side in the same run: what telemetry costs, and this build against another (--against).
compare = []
for m in measured:
    label = m["label"]
    if ", telemetry off" in label:
        on = by_key.get((label.replace(", telemetry off", ""), m["kind"], m["connections"]))
        if on:
            compare.append(f"- Telemetry on ({on['label']}, {m['kind']}, {m['connections']} connections): "
                           f"{on['rps']:,.0f} req/s against {m['rps']:,.0f} with it off: costs {(1 - on['rps'] / m['rps']) * 100:+.1f} % "
                           f"of throughput; p99 {on['p99']:.1f} against {m['p99']:.1f} ms.")
    elif " @" in label:
        this = by_key.get((label.split(" @")[0], m["kind"], m["connections"]))
        if this:
            # Each round's own ratio too: both builds met the same machine within a round, so the median of those
            # ratios is less moved by a drift between rounds than the ratio of the two medians.
            per_round = round_ratios(this["label"], label, m["kind"], m["connections"])
            paired = f", round by round {statistics.median(per_round) * 100 - 100:+.1f} % (median of {len(per_round)})" if per_round else ""
            compare.append(f"- This build against {label.split(' @')[1]} ({this['label']}, {m['kind']}, {m['connections']} connections): "
                           f"{this['rps']:,.0f} against {m['rps']:,.0f} req/s ({(this['rps'] / m['rps'] - 1) * 100:+.1f} %{paired}); "
                           f"p99 {this['p99']:.1f} against {m['p99']:.1f} ms.")
if compare:
    lines += ["", "Side by side in this run:", ""] + compare

lines += ["", "Pay counts an inquiry and its payment as two requests; payment sends payments only, on codes loaded beforehand. "
          "Notifications (receiver on 127.0.0.1 answering 200; lag = arrival − `payments.paid_at`, the commit time, in ms; "
          "deliveries/s cannot exceed the rate the step offered payments at; medians over the rounds):", "",
          "| Database | Offered by | Conn. | payments | delivered | deliveries/s | lag p50 ms | lag p99 ms | peak RSS MB | target |",
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
offered = {"pay": "inquiry + payment", "payment": "payment only"}
notify_groups = {}
for r in rows:
    if r["kind"] == "notify":
        notify_groups.setdefault((r["label"], r.get("step", "pay"), r["connections"]), []).append(r)
for (label, step, conns), rs in notify_groups.items():
    med = {k: statistics.median(r[k] for r in rs) for k in ("payments", "delivered", "deliveries_per_s", "lag_p50_ms", "lag_p99_ms")}
    t = ""
    if (step, label) == NOTIFY_TARGET[:2] and conns == 64:
        met = med["deliveries_per_s"] >= NOTIFY_TARGET[2] and med["lag_p99_ms"] <= NOTIFY_TARGET[3]
        t = f">= {NOTIFY_TARGET[2]:,}/s, lag p99 <= {NOTIFY_TARGET[3]} ms: {'met' if met else 'missed'}"
    lines.append(f"| {label} | {offered.get(step, step)} | {conns} | {med['payments']:.0f} | {med['delivered']:.0f} | "
                 f"{med['deliveries_per_s']:,.0f} | {med['lag_p50_ms']:g} | {med['lag_p99_ms']:g} | "
                 f"{max(r['peak_kb'] for r in rs) / 1024:.0f} | {t} |")
growth = [r for r in rows if r["label"].startswith("growth")]
if growth:
    rounds = max(r.get("round", 1) for r in growth)
    lines += ["", f"Growth (SQLite; codes loaded in one transaction straight into the file; both sizes run side by side and "
              f"are measured in turn, {rounds} round(s); medians over the rounds, each compared with the same step and "
              "connection count on the smallest set)"
              + (f"; measured again alone, {metas['growth-meta']['when']} on {metas['growth-meta']['machine']}"
                 if "growth-meta" in metas else "") + ":", "",
              "| Codes stored | load s | step | Conn. | req/s | p50 ms | p99 ms | p99.9 ms | p99 vs smallest | p99 of each round ms | errors | target |",
              "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"]
    groups = {}
    for r in growth:
        groups.setdefault((r["kind"] != "inquiry", r["connections"], r["stored"], r["kind"]), []).append(r)
    first = {}
    for (_, conns, stored, kind), rs in sorted(groups.items()):
        figures = [wrk_row(r) for r in rs]
        med = [statistics.median(f[i] for f in figures) for i in range(4)]
        errors = sum(f[4] for f in figures)
        first.setdefault((kind, conns), med[2])
        each = ", ".join(f"{f[2]:.1f}" for f in figures)
        lines.append(f"| {stored:,} | {rs[0]['load_seconds']} | {kind} | {conns} | {med[0]:,.0f} | {med[1]:.1f} | {med[2]:.1f} | "
                     f"{med[3]:.1f} | {(med[2] / first[(kind, conns)] - 1) * 100:+.0f} % | {each} | {errors} | "
                     f"{'' if med[2] == first[(kind, conns)] else ('p99 within +20 %: ' + ('met' if med[2] <= first[(kind, conns)] * 1.2 else 'missed'))} |")
table = "\n".join(lines) + "\n"
with open(os.path.join(out, "results.md"), "w") as f:
    f.write("# Benchmark results\n\nWritten by `bench/run`; see `bench/README.md` for what each step does.\n\n" + table)

# The chart: req/s (left) and p99 (right) against connections, one line per series, log-scaled y axes.
series = {}
for m in measured:
    name = "baseline" if m["label"] == "baseline" else f"{m['kind']} ({m['label']})"
    series.setdefault(name, []).append((m["connections"], m["rps"], m["p50"], m["p99"]))
colours = [COLOURS[i % len(COLOURS)] for i in range(len(series))]
# PostgreSQL lines dashed, so a database reads at a glance whatever the colour.
dashes = ['stroke-dasharray="6 3" ' if name.endswith("(postgres)") else "" for name in series]
conns = sorted({c for points in series.values() for c, *_ in points})
import math


def panel(x0, title, index, unit):
    values = [p[index] for points in series.values() for p in points if p[index] > 0]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = max(hi, lo + 1)
    w, h, top = 380, 260, 40
    def px(c): return x0 + 50 + (conns.index(c) / max(1, len(conns) - 1)) * (w - 70)
    def py(v): return top + h - (math.log10(v) - lo) / (hi - lo) * h
    parts = [f'<text x="{x0 + w / 2}" y="20" text-anchor="middle" font-weight="bold">{title}</text>']
    for d in range(lo, hi + 1):
        parts.append(f'<line x1="{x0 + 50}" x2="{x0 + w - 20}" y1="{py(10 ** d):.1f}" y2="{py(10 ** d):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{x0 + 45}" y="{py(10 ** d) + 4:.1f}" text-anchor="end">{10 ** d:g}{unit}</text>')
    for c in conns:
        parts.append(f'<text x="{px(c):.1f}" y="{top + h + 18}" text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{x0 + w / 2}" y="{top + h + 36}" text-anchor="middle">connections</text>')
    for colour, dash, (name, points) in zip(colours, dashes, series.items()):
        pts = " ".join(f"{px(p[0]):.1f},{py(max(p[index], 10 ** lo)):.1f}" for p in sorted(points))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" {dash}stroke-width="2"/>')
        parts += [f'<circle cx="{px(p[0]):.1f}" cy="{py(max(p[index], 10 ** lo)):.1f}" r="3" fill="{colour}"/>' for p in points]
    return parts


body = panel(0, "Throughput (req/s)", 1, "") + panel(400, "p99 latency (ms)", 3, "")
# The legend: four entries a row, as many rows as it takes.
for i, (colour, dash, name) in enumerate(zip(colours, dashes, series)):
    x, y = 60 + (i % 4) * 180, 348 + (i // 4) * 18
    body.append(f'<line x1="{x}" x2="{x + 16}" y1="{y + 6}" y2="{y + 6}" stroke="{colour}" {dash}stroke-width="3"/>')
    body.append(f'<text x="{x + 22}" y="{y + 10}">{name}</text>')
bottom = 348 + max(1, (len(series) + 3) // 4) * 18
body.append(f'<text x="400" y="{bottom + 19}" text-anchor="middle" fill="#666">{machine}; {when}</text>')
svg = document(body, bottom + 29)
with open(os.path.join(out, "throughput.svg"), "w") as f:
    f.write(svg)

if readme == "/dev/null":
    sys.exit(0)
text = open(readme).read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + table + end, text, flags=re.S)
    open(readme, "w").write(text)

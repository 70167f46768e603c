#!/usr/bin/env python3
"""Turns bench/run's raw.jsonl into results.md and throughput.svg, and puts the table in the README
between the bench markers.  usage: report.py <raw.jsonl> <results folder> <README.md>"""
import json
import os
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone

raw, out, readme = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(raw) if line.strip()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
machine = f"{cores} cores, {cpu}, shared with other builds and test runs while measuring"
when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
duration, warmup = os.environ.get("BENCH_DURATION", "?"), os.environ.get("BENCH_WARMUP", "?")


def ms(us):
    return us / 1000


def wrk_row(r):
    w = r["wrk"]
    return w["requests"] / (w["duration_us"] / 1e6), ms(w["p50_us"]), ms(w["p99_us"]), ms(w["p999_us"]), w["errors"]


baseline = {r["connections"]: wrk_row(r) for r in rows if r["label"] == "baseline"}


def ratio(value, base):
    return f"{value / base:.2f}" if base else "–"


lines = [f"Run {when} on {machine}; {duration} s per measurement after a {warmup} s warm-up; wrk on the same machine.", "",
         "| Step | Conn. | req/s | × baseline | p50 ms | p99 ms | p99.9 ms | p99 × baseline | errors | peak RSS MB |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    if "wrk" not in r or r["label"].startswith("growth"):
        continue
    rps, p50, p99, p999, errors = wrk_row(r)
    b = baseline.get(r["connections"])
    name = "baseline (no storage)" if r["label"] == "baseline" else f"{r['kind']} ({r['label']})"
    lines.append(f"| {name} | {r['connections']} | {rps:,.0f} | {ratio(rps, b[0]) if b else '–'} | {p50:.1f} | {p99:.1f} | "
                 f"{p999:.1f} | {ratio(p99, b[2]) if b else '–'} | {errors} | {r['peak_kb'] / 1024:.0f} |")
lines += ["", "Pay counts an inquiry and its payment as two requests; payment sends payments only, on codes loaded beforehand. "
          "Notifications (receiver on 127.0.0.1 answering 200; lag = arrival − `payments.paid_at`, the commit time, in ms; "
          "deliveries/s cannot exceed the rate the step offered payments at):", "",
          "| Database | Offered by | Conn. | payments | delivered | deliveries/s | lag p50 ms | lag p99 ms | peak RSS MB |",
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
offered = {"pay": "inquiry + payment", "payment": "payment only"}
for r in rows:
    if r["kind"] == "notify":
        step = r.get("step", "pay")  # rows written before the payments-only step had no step
        lines.append(f"| {r['label']} | {offered.get(step, step)} | {r['connections']} | {r['payments']} | {r['delivered']} | "
                     f"{r['deliveries_per_s']:,.0f} | {r['lag_p50_ms']} | {r['lag_p99_ms']} | {r['peak_kb'] / 1024:.0f} |")
growth = [r for r in rows if r["label"].startswith("growth")]
if growth:
    rounds = max(r.get("round", 1) for r in growth)
    lines += ["", f"Growth (SQLite; codes loaded in one transaction straight into the file; both sizes run side by side and "
              f"are measured in turn, {rounds} round(s); medians over the rounds, each compared with the same step and "
              "connection count on the smallest set):", "",
              "| Codes stored | load s | step | Conn. | req/s | p50 ms | p99 ms | p99.9 ms | p99 vs smallest | p99 of each round ms | errors |",
              "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
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
                     f"{med[3]:.1f} | {(med[2] / first[(kind, conns)] - 1) * 100:+.0f} % | {each} | {errors} |")
table = "\n".join(lines) + "\n"
with open(os.path.join(out, "results.md"), "w") as f:
    f.write("# Benchmark results\n\nWritten by `bench/run`; see `bench/README.md` for what each step does.\n\n" + table)

# The chart: req/s (left) and p99 (right) against connections, one line per series, log-scaled y axes.
series = {}
for r in rows:
    if "wrk" in r and not r["label"].startswith("growth"):
        name = "baseline" if r["label"] == "baseline" else f"{r['kind']} ({r['label']})"
        series.setdefault(name, []).append((r["connections"],) + wrk_row(r)[:3])
colours = ["#444", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
colours = [colours[i % len(colours)] for i in range(len(series))]
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
svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="{bottom + 29}" font-family="sans-serif" font-size="11">'
       '<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>\n")
with open(os.path.join(out, "throughput.svg"), "w") as f:
    f.write(svg)

text = open(readme).read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + table + end, text, flags=re.S)
    open(readme, "w").write(text)

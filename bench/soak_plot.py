#!/usr/bin/env python3
"""Draws bench/soak's samples (the CSV Tunai.Chaos --soak writes) as one small chart per resource against time, in
the throughput chart's style (bench/plot.py).  usage: soak_plot.py <soak.csv> <soak.svg> <title>"""
import csv
import os
import sys
from datetime import datetime, timezone

from plot import COLOURS, document, machine

source, target, title = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(source)))
minutes = [int(r["seconds"]) / 60 for r in rows]
# (column, panel title, divisor to the unit shown); a column the database does not have (empty) is left out.
panels = [(c, t, d) for c, t, d in [("rss_kb", "RSS (MiB)", 1024), ("open_fds", "open file descriptors", 1), ("threads", "threads", 1),
                                    ("wal_bytes", "SQLite WAL (MiB)", 1024 * 1024), ("pg_connections", "PostgreSQL connections", 1),
                                    ("payments", "payments acknowledged", 1)]
          if any(r[c] for r in rows)]
w, h, top = 380, 160, 40


def panel(i, column, name, divisor):
    x0, y0 = (i % 2) * 400, (i // 2) * (h + 70)
    values = [float(r[column]) / divisor if r[column] else 0 for r in rows]
    hi = max(values) * 1.1 or 1
    last = max(minutes) or 1
    def px(m): return x0 + 50 + m / last * (w - 70)
    def py(v): return y0 + top + h - v / hi * h
    parts = [f'<text x="{x0 + w / 2}" y="{y0 + 20}" text-anchor="middle" font-weight="bold">{name}</text>']
    for k in range(5):
        v = hi * k / 4
        parts.append(f'<line x1="{x0 + 50}" x2="{x0 + w - 20}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{x0 + 45}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    for k in range(0, int(last) + 1, max(1, int(last) // 5)):
        parts.append(f'<text x="{px(k):.1f}" y="{y0 + top + h + 16}" text-anchor="middle">{k}</text>')
    parts.append(f'<text x="{x0 + w / 2}" y="{y0 + top + h + 32}" text-anchor="middle">minutes</text>')
    pts = " ".join(f"{px(m):.1f},{py(v):.1f}" for m, v in zip(minutes, values))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="{COLOURS[1 + i % (len(COLOURS) - 1)]}" stroke-width="2"/>')
    return parts


body = [part for i, p in enumerate(panels) for part in panel(i, *p)]
bottom = ((len(panels) + 1) // 2) * (h + 70)
when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
body.append(f'<text x="400" y="{bottom + 20}" text-anchor="middle" font-weight="bold">{title}</text>')
body.append(f'<text x="400" y="{bottom + 38}" text-anchor="middle" fill="#666">{machine(os.environ.get("SOAK_LOAD", ""))}; {when}</text>')
with open(target, "w") as f:
    f.write(document(body, bottom + 48))

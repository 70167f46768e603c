#!/usr/bin/env python3
"""Notification figures for bench/run: lag from the payment's commit (payments.paid_at, unix ms) to the
receiver's arrival time, and deliveries per second over the span from the first payment to the last delivery.

  notify_stats.py wait  <sqlite file> <deliveries.tsv> <timeout s>
  notify_stats.py stats <sqlite file> <deliveries.tsv> <codes.tsv> <connections> <peak kB>
"""
import json
import sqlite3
import sys
import time


def pending(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        return c.execute("SELECT count(*) FROM notifications WHERE status = 'PENDING'").fetchone()[0]


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    mode, db, deliveries = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "wait":
        deadline = time.time() + float(sys.argv[4])
        while pending(db) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)  # the receiver writes the last line after answering
        return
    codes = [line.split("\t")[0] for line in open(sys.argv[4]) if line.strip()]
    arrived = {}
    for line in open(deliveries):
        ms, code = line.rstrip("\n").split("\t")
        arrived.setdefault(code, int(ms))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        paid = dict(c.execute(
            f"SELECT code, paid_at FROM payments WHERE code IN ({','.join('?' * len(codes))})", codes).fetchall())
    lags = [arrived[code] - paid[code] for code in paid if code in arrived]
    span = (max(arrived[code] for code in paid if code in arrived) - min(paid.values())) / 1000 if lags else 0
    print(json.dumps({
        "label": "sqlite", "kind": "notify", "connections": int(sys.argv[5]), "peak_kb": int(sys.argv[6]),
        "payments": len(paid), "delivered": len(lags),
        "deliveries_per_s": round(len(lags) / span, 1) if span else 0,
        "lag_p50_ms": percentile(lags, 50), "lag_p99_ms": percentile(lags, 99),
    }))


main()

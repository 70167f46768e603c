#!/usr/bin/env python3
"""What a measured step cost the gateway's storage, from two scrapes of its Prometheus /metrics (before and after the
step) and the requests the step sent: on SQLite the writer's time per unit, by unit kind (tunai.sqlite.write_unit.duration)
and over all units (tunai.sqlite.write_group.duration over tunai.sqlite.write_group.units, the issue's measure), with
what a growing tail could follow: checkpoints' time, the WAL's size at the end, and the writer's page-cache misses and
writes per unit, each statement's calls and time (tunai.sqlite.statement.duration), and the writer's whole time (units
and COMMITs) per request; the runtime's collections, their
pauses and the heap (System.Runtime's dotnet.gc.*); on
PostgreSQL the round trips per request (Npgsql's commands and batches, db.client.operation.duration, plus the COMMITs
the gateway sent, tunai.postgres.commits), less what it sends with no request (given two more scrapes around an idle
window, its milliseconds and those between the step's scrapes: that rate over the step's window is taken off). Prints a JSON object (empty when the
gateway serves no metrics)."""
import json
import re
import sys
from collections import defaultdict

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
# The one label each series is told apart by (the rest are summed over).
KEYS = ("tunai_unit", "tunai_cache", "tunai_statement", "gc_heap_generation")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read(path):
    series = defaultdict(float)
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return series
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or line.startswith("#"):
            continue
        labels = dict(LABEL.findall(m.group(3) or ""))
        try:
            # A histogram's buckets are told apart by their bound (le), cumulative as Prometheus writes them.
            key = labels.get("le", "") if m.group(1).endswith("_bucket") else next((labels[k] for k in KEYS if labels.get(k)), "")
            series[(m.group(1), key)] += float(m.group(4))
        except ValueError:
            pass
    return series


def main():
    before, after, requests = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3])
    if not after:
        print("{}")
        return

    def delta(name, unit=None):
        keys = [k for k in after if k[0] == name and (unit is None or k[1] == unit)]
        return sum(after[k] - before.get(k, 0.0) for k in keys)

    def quantile(histogram, q):
        """The upper bound, in ms, of the bucket holding the q-quantile of the step's observations (None without any)."""
        buckets = sorted((float(le), delta(f"{histogram}_bucket", le)) for name, le in after
                         if name == f"{histogram}_bucket" and le and le != "+Inf")
        total = delta(f"{histogram}_count")
        if total <= 0:
            return None
        for bound, seen in buckets:
            if seen >= q * total - 1e-9:
                return round(bound * 1e3, 2)
        return float("inf")

    counts = {}
    units = {}
    for name, unit in after:
        if name == "tunai_sqlite_write_unit_duration_seconds_count" and unit:
            n = delta(name, unit)
            if n > 0:
                units[unit] = {"units": int(n), "us": round(delta("tunai_sqlite_write_unit_duration_seconds_sum", unit) / n * 1e6, 1)}
    if units:
        counts["sqlite_units"] = units
    grouped = delta("tunai_sqlite_write_group_units_sum")
    if grouped > 0:
        counts["sqlite_us_per_unit"] = round(delta("tunai_sqlite_write_group_duration_seconds_sum") / grouped * 1e6, 1)
        groups = delta("tunai_sqlite_commit_duration_seconds_count")
        if groups > 0:
            counts["sqlite_units_per_group"] = round(grouped / groups, 1)
            counts["sqlite_commit_ms"] = round(delta("tunai_sqlite_commit_duration_seconds_sum") / groups * 1e3, 2)
    # What bounds SQLite's throughput: the writer's whole time (its units and its COMMITs) per request answered in the
    # step, and the COMMITs' share of it. Times the step's req/s it is the share of the step the writer was busy.
    # The requests the gateway answered between the scrapes (ASP.NET Core's own count; /metrics is not among them).
    served = delta("http_server_request_duration_seconds_count")
    writer_s = delta("tunai_sqlite_write_group_duration_seconds_sum") + delta("tunai_sqlite_commit_duration_seconds_sum")
    if grouped > 0 and served > 0 and writer_s > 0:
        counts["sqlite_writer_us_per_request"] = round(writer_s / served * 1e6, 1)
        counts["sqlite_commit_share"] = round(delta("tunai_sqlite_commit_duration_seconds_sum") / writer_s, 3)
    # A tail follows the slow ones, not the mean: the bucket bound under which 99 % of the step's COMMITs fell, and the
    # bound of the slowest checkpoint (the buckets' upper bounds, so "at most").
    if commit_p99 := quantile("tunai_sqlite_commit_duration_seconds", 0.99):
        counts["sqlite_commit_p99_ms"] = commit_p99
    if slowest := quantile("tunai_sqlite_checkpoint_duration_seconds", 1.0):
        counts["sqlite_checkpoint_max_ms"] = slowest
    checkpoints = delta("tunai_sqlite_checkpoint_duration_seconds_count")
    if checkpoints > 0:
        counts["sqlite_checkpoints"] = int(checkpoints)
        counts["sqlite_checkpoint_ms"] = round(delta("tunai_sqlite_checkpoint_duration_seconds_sum") / checkpoints * 1e3, 2)
    wal = [v for (name, _), v in after.items() if name == "tunai_sqlite_wal_size_bytes"]
    if wal:
        counts["sqlite_wal_mb"] = round(max(wal) / 2**20, 1)
    if grouped > 0 and any(name == "tunai_sqlite_writer_cache_pages_total" for name, _ in after):
        for outcome in ("miss", "write"):
            pages = delta("tunai_sqlite_writer_cache_pages_total", outcome)
            counts[f"sqlite_cache_{outcome}_per_unit"] = round(pages / grouped, 2)
    # Where a unit's microseconds go: each statement the writer ran (tunai.sqlite.statement.duration, by verb and
    # table), its calls in the step and its mean time.
    statements = {}
    for name, label in after:
        if name == "tunai_sqlite_statement_duration_seconds_count" and label:
            n = delta(name, label)
            if n > 0:
                statements[label] = {"calls": int(n),
                                     "us": round(delta("tunai_sqlite_statement_duration_seconds_sum", label) / n * 1e6, 2)}
    if statements:
        counts["sqlite_statements"] = statements
    # The runtime's side of a tail: collections of each generation, their pauses, and the heap after the last one.
    if any(name == "dotnet_gc_pause_time_seconds_total" for name, _ in after):
        counts["gc_pause_ms"] = round(delta("dotnet_gc_pause_time_seconds_total") * 1e3, 1)
        for generation in ("gen0", "gen1", "gen2"):
            counts[f"gc_{generation}"] = int(delta("dotnet_gc_collections_total", generation))
        heap = sum(v for (name, _), v in after.items() if name == "dotnet_gc_last_collection_heap_size_bytes")
        counts["gc_heap_mb"] = round(heap / 2**20, 1)
    # The JIT's work in the step: methods compiled and the time spent compiling them (the runtime's own counts). A
    # gateway still compiling (tiered compilation moving hot methods up) spends a core's share on it during the step.
    if any(name == "dotnet_jit_compilation_time_seconds_total" for name, _ in after):
        counts["jit_ms"] = round(delta("dotnet_jit_compilation_time_seconds_total") * 1e3, 1)
        counts["jit_methods"] = int(delta("dotnet_jit_compiled_methods_total"))
    operations = delta("db_client_operation_duration_seconds_count")
    commits = delta("tunai_postgres_commits_total")
    # Round trips are counted over the requests the gateway answered (served, above), not the ones wrk saw answered: wrk
    # stops with requests in flight, at the warm-up's end and the step's, whose round trips can fall between the scrapes
    # though wrk counts neither (at 64 connections a create came out at 1.007).
    if served > 0:
        requests = served
        counts["requests_served"] = int(served)
    if (operations > 0 or commits > 0) and requests > 0:
        background = 0.0
        if len(sys.argv) >= 8:
            idle_before, idle_after = read(sys.argv[4]), read(sys.argv[5])
            idle = sum(idle_after[k] - idle_before.get(k, 0.0) for k in idle_after
                       if k[0] in ("db_client_operation_duration_seconds_count", "tunai_postgres_commits_total"))
            per_second = max(0.0, idle) / (float(sys.argv[6]) / 1e3)
            background = per_second * float(sys.argv[7]) / 1e3
            counts["pg_background_per_s"] = round(per_second, 1)
            counts["pg_round_trips_with_background_per_request"] = round((operations + commits) / requests, 3)
        counts["pg_round_trips_per_request"] = round((operations + commits - background) / requests, 2)
        counts["pg_commits_per_request"] = round(commits / requests, 2)
        # Physical connections Npgsql opened in the step (each one's start-up is not a request's round trip).
        counts["pg_connections_opened"] = int(delta("db_client_connection_npgsql_create_time_seconds_count"))
    print(json.dumps(counts, separators=(",", ":")))


if __name__ == "__main__":
    main()

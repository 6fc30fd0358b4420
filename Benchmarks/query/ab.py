#!/usr/bin/env python3
"""Compares two lakeq binaries query by query, interleaved (A, B, A, B, …) so that both see
the same machine load: medians and the ratio B/A.

    python3 Benchmarks/query/ab.py OLD NEW --lake DIR/lake [--threads 1] [--runs 7] [--sql FILE]

Queries: one per line after a `-- Qn:` comment (the format of ../shared/bench/queries.sql,
the default).
"""
import argparse
import os
import statistics
import subprocess
import time


def queries(path):
    out, name = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("-- Q") and ":" in line:
            name = line[3:line.index(":")]
        elif line and not line.startswith("--") and name:
            out.append((name, line.rstrip(";")))
            name = None
    return out


def run(binary, lake, threads, sql):
    t = time.perf_counter()
    p = subprocess.run([binary, "--lake", lake, "--threads", str(threads), "--format", "csv", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{binary} failed on {sql}: {p.stderr.decode()}")
    return elapsed, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--lake", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sql", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench/queries.sql"))
    ap.add_argument("--queries", default="")
    args = ap.parse_args()
    if not os.path.exists(args.sql):
        args.sql = "/work/shared/bench/queries.sql"
    wanted = set(args.queries.split(",")) if args.queries else None
    print(f"load before: {os.getloadavg()}")
    print(f"{'query':6} {'A':>9} {'B':>9} {'B/A':>6}  same")
    ratios = []
    for name, sql in queries(args.sql):
        if wanted and name not in wanted:
            continue
        _, oa = run(args.a, args.lake, args.threads, sql)
        _, ob = run(args.b, args.lake, args.threads, sql)
        ta, tb = [], []
        for _ in range(args.runs):
            ta.append(run(args.a, args.lake, args.threads, sql)[0])
            tb.append(run(args.b, args.lake, args.threads, sql)[0])
        ma, mb = statistics.median(ta), statistics.median(tb)
        ratios.append(mb / ma)
        print(f"{name:6} {ma:9.4f} {mb:9.4f} {mb / ma:6.2f}  {'yes' if oa == ob else 'NO'}", flush=True)
    geo = statistics.geometric_mean(ratios) if ratios else 0
    print(f"geomean B/A {geo:.3f}; load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares two lakeq binaries query by query, interleaved (A, B, A, B, …) so that both see
the same machine load: medians and the ratio B/A, and each side's median peak RSS.

    python3 Benchmarks/query/ab.py OLD NEW --lake DIR/lake [--threads 1] [--runs 7] [--sql FILE]

Each run is pinned to the first --threads CPUs (as anchors.py pins its engines); --no-pin
turns that off.

Queries: one per line after a `-- Qn:` comment (the format of ../shared/bench/queries.sql,
the default).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import binaries  # noqa: E402  (Benchmarks/report/binaries.py)


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


PIN = []


def run(binary, lake, threads, sql):
    """(wall seconds, stdout, peak RSS in MiB) of one whole lakeq process."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(PIN + [binary, "--lake", lake, "--threads", str(threads), "--format", "csv", sql],
                             stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        p.stdout.close()
        _, status, usage = os.wait4(p.pid, 0)  # reaps it: the child's own peak RSS
        elapsed = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{binary} failed on {sql}: {err.read().decode()}")
    return elapsed, out, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--lake", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sql", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench/queries.sql"))
    ap.add_argument("--queries", default="")
    ap.add_argument("--no-pin", dest="pin", action="store_false")
    args = ap.parse_args()
    if args.pin and shutil.which("taskset"):
        PIN[:] = ["taskset", "-c", ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:args.threads])]
    if not os.path.exists(args.sql):
        args.sql = "/work/shared/bench/queries.sql"
    wanted = set(args.queries.split(",")) if args.queries else None
    for binary in (args.a, args.b):  # both mapped as if read from disk (see binaries.py)
        binaries.settle(shutil.which(binary) or binary)
    print(f"load before: {os.getloadavg()}")
    print(f"{'query':6} {'A':>9} {'B':>9} {'B/A':>6}  {'A MiB':>7} {'B MiB':>7}  same")
    ratios = []
    for name, sql in queries(args.sql):
        if wanted and name not in wanted:
            continue
        _, oa, _ = run(args.a, args.lake, args.threads, sql)
        _, ob, _ = run(args.b, args.lake, args.threads, sql)
        ta, tb, ra, rb = [], [], [], []
        for _ in range(args.runs):
            t, _, r = run(args.a, args.lake, args.threads, sql)
            ta.append(t); ra.append(r)
            t, _, r = run(args.b, args.lake, args.threads, sql)
            tb.append(t); rb.append(r)
        ma, mb = statistics.median(ta), statistics.median(tb)
        ratios.append(mb / ma)
        print(f"{name:6} {ma:9.4f} {mb:9.4f} {mb / ma:6.2f}  {statistics.median(ra):7.1f} {statistics.median(rb):7.1f}  "
              f"{'yes' if oa == ob else 'NO'}", flush=True)
    geo = statistics.geometric_mean(ratios) if ratios else 0
    print(f"geomean B/A {geo:.3f}; load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Join and window queries, lakeq side by side with DuckDB and Polars in one run.

    lakeq gen --rows 10000000 --out /tmp/joinlake        # events, shows, users (Delta)
    python3 Benchmarks/query/joins.py --lakeq .build/release/lakeq --lake /tmp/joinlake \\
        --threads 1 [--runs 5] [--engines lakeq,duckdb,polars] [--json out.json]

Every engine reads the same Parquet files. Each engine runs in its own process (so thread
settings hold and its peak RSS is its own, from getrusage); one warm-up, then --runs timed
runs, median reported, with the ratio to DuckDB and the results compared (rows sorted,
doubles to 6 significant digits).
"""
import argparse
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
from report import same_rows  # noqa: E402  (the report's comparison: numbers to 1e-5 relative)

QUERIES = {
    "J1 events x shows by genre":
        "SELECT s.genre, count(*) AS n, avg(e.watch) AS avg_watch FROM events e JOIN shows s ON e.show = s.show "
        "GROUP BY s.genre ORDER BY s.genre",
    "J2 events x users by plan, country":
        "SELECT u.plan, u.country, count(*) AS n, sum(e.watch) AS total FROM events e JOIN users u ON e.user_id = u.user_id "
        "GROUP BY u.plan, u.country ORDER BY u.plan, u.country",
    "W1 top 3 shows per country":
        "SELECT country, show, n FROM (SELECT country, show, count(*) AS n, row_number() OVER (PARTITION BY country "
        "ORDER BY count(*) DESC, show) AS rn FROM events GROUP BY country, show) WHERE rn <= 3 ORDER BY country, n DESC, show",
    "W2 weekly retention by signup cohort":
        "WITH active AS (SELECT date_trunc('year', u.signup_date) AS cohort, date_trunc('week', e.date) AS week, "
        "count(DISTINCT e.user_id) AS users FROM events e JOIN users u ON e.user_id = u.user_id GROUP BY 1, 2) "
        "SELECT cohort, week, users, users / first_value(users) OVER (PARTITION BY cohort ORDER BY week) AS retention "
        "FROM active ORDER BY cohort, week",
    "C1 CTE with two aggregations joined":
        "WITH views AS (SELECT show, count(*) AS n, avg(watch) AS w FROM events GROUP BY show), "
        "done AS (SELECT show, count(*) AS c FROM events WHERE completed GROUP BY show) "
        "SELECT v.show, v.n, d.c, d.c / v.n AS rate FROM views v JOIN done d ON v.show = d.show "
        "ORDER BY rate DESC, v.show LIMIT 10",
}


def polars_query(pl, name, ev, sh, us):
    if name.startswith("J1"):
        return (ev.join(sh, on="show").group_by("genre").agg(pl.len().alias("n"), pl.col("watch").mean().alias("avg_watch"))
                .sort("genre"))
    if name.startswith("J2"):
        return (ev.join(us, on="user_id").group_by("plan", "country_right")
                .agg(pl.len().alias("n"), pl.col("watch").sum().alias("total")).sort("plan", "country_right"))
    if name.startswith("W1"):
        g = ev.group_by("country", "show").agg(pl.len().alias("n"))
        g = g.sort(["country", "n", "show"], descending=[False, True, False]).with_columns(
            pl.int_range(pl.len()).over("country").alias("rn"))
        return g.filter(pl.col("rn") < 3).select("country", "show", "n").sort(["country", "n", "show"], descending=[False, True, False])
    if name.startswith("W2"):
        j = ev.join(us, on="user_id").with_columns(
            pl.col("signup_date").dt.truncate("1y").alias("cohort"), pl.col("date").dt.truncate("1w").alias("week"))
        a = j.group_by("cohort", "week").agg(pl.col("user_id").n_unique().alias("users")).sort("cohort", "week")
        return a.with_columns((pl.col("users") / pl.col("users").first().over("cohort")).alias("retention"))
    if name.startswith("C1"):
        v = ev.group_by("show").agg(pl.len().alias("n"), pl.col("watch").mean().alias("w"))
        d = ev.filter(pl.col("completed")).group_by("show").agg(pl.len().alias("c"))
        j = v.join(d, on="show").with_columns((pl.col("c") / pl.col("n")).alias("rate"))
        return j.sort(["rate", "show"], descending=[True, False]).head(10).select("show", "n", "c", "rate")
    raise KeyError(name)


def files(lake, table):
    return sorted(f for f in glob.glob(f"{lake}/{table}/**/*.parquet", recursive=True) if "/_delta_log/" not in f)


def worker(engine, args):
    """Runs every query in this process; prints JSON with times, rows and peak RSS."""
    out = {"engine": engine, "queries": {}}
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute(f"SET threads = {args.threads}")
        con.execute("SET TimeZone = 'UTC'")
        for t in ("events", "shows", "users"):
            con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({files(args.lake, t)!r}, hive_partitioning = {str(t == 'events').lower()})")
        def run(name, sql):
            parts = re.split(r"('(?:[^']|'')*')", sql)
            quoted = "".join(p if p.startswith("'") else re.sub(r'(?<!")\bshow\b(?!")', '"show"', p) for p in parts)
            return con.execute(quoted).fetchall()
    elif engine == "polars":
        os.environ["POLARS_MAX_THREADS"] = str(args.threads)
        import polars as pl
        ev = pl.scan_parquet(files(args.lake, "events"), hive_partitioning=True)
        sh = pl.scan_parquet(files(args.lake, "shows"))
        us = pl.scan_parquet(files(args.lake, "users"))
        def run(name, sql):
            return [tuple(r) for r in polars_query(pl, name, ev, sh, us).collect().rows()]
    else:
        raise SystemExit(f"unknown engine {engine}")
    for name, sql in QUERIES.items():
        run(name, sql)  # warm-up
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            rows = run(name, sql)
            times.append(time.perf_counter() - t)
        out["queries"][name] = {"median": statistics.median(times), "rows": [list(map(norm, r)) for r in rows]}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, default=str))


def norm(v):
    if isinstance(v, float):
        return float(f"{v:.6g}")
    if hasattr(v, "isoformat"):
        s = v.isoformat()
        return s[:10] if s.endswith("T00:00:00") or s.endswith(" 00:00:00") else s
    return v


def run_lakeq(args):
    out = {"engine": "lakeq", "queries": {}}
    peak = 0
    for name, sql in QUERIES.items():
        cmd = ["/usr/bin/time", "-f", "%M", args.lakeq, "query", "--lake", args.lake, "--threads", str(args.threads), "--format", "jsonl", sql]
        subprocess.run(cmd[3:], capture_output=True)  # warm-up
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if p.returncode != 0:
                raise SystemExit(f"lakeq failed on {name}: {p.stderr}")
            peak = max(peak, int(p.stderr.strip().splitlines()[-1]))
        rows = [list(map(lambda v: norm(float(v)) if isinstance(v, float) else (v[:10] if isinstance(v, str) and v.endswith("T00:00:00Z") else v),
                         json.loads(line).values())) for line in p.stdout.splitlines()]
        out["queries"][name] = {"median": statistics.median(times), "rows": rows}
    out["peak_rss_mb"] = peak / 1024
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lakeq")
    ap.add_argument("--lake", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--engines", default="lakeq,duckdb,polars")
    ap.add_argument("--json")
    ap.add_argument("--worker")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args)
        return
    results = {}
    load = os.getloadavg()
    for e in args.engines.split(","):
        if e == "lakeq":
            results[e] = run_lakeq(args)
            continue
        p = subprocess.run([sys.executable, __file__, "--worker", e, "--lake", args.lake, "--threads", str(args.threads),
                            "--runs", str(args.runs)], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{e} failed: {p.stderr[-1500:]}", file=sys.stderr)
            continue
        results[e] = json.loads(p.stdout.strip().splitlines()[-1])
    engines = list(results)
    print(f"lake={args.lake} threads={args.threads} runs={args.runs}; load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'query':40}" + "".join(f"{e:>22}" for e in engines))
    base = results.get("duckdb")
    for name in QUERIES:
        line = f"{name:40}"
        for e in engines:
            m = results[e]["queries"][name]["median"]
            ratio = f" (x{m / base['queries'][name]['median']:.2f})" if base and e != "duckdb" else ""
            same = ""
            if base and e != "duckdb":
                same = "" if same_rows(results[e]["queries"][name]["rows"], base["queries"][name]["rows"]) else " !"
            line += f"{m:>12.3f}{ratio:>9}{same:>1}"
        print(line)
    print(f"{'peak RSS (MB)':40}" + "".join(f"{results[e]['peak_rss_mb']:>22.0f}" for e in engines))
    print("(xN = time / DuckDB's; ! = rows differ from DuckDB's)")
    if args.json:
        json.dump({"threads": args.threads, "load": load, "results": results}, open(args.json, "w"), indent=1, default=str)


if __name__ == "__main__":
    main()

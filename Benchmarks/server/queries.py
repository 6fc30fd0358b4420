#!/usr/bin/env python3
r"""The public queries through `lakeq serve` beside DuckDB in-process (issue 14's serve target,
issue 13's Q6 target).

    python3 Benchmarks/server/queries.py [--data /tmp/lakebench/serve-d10m] [--bloom /tmp/lakebench/bloom]
        [--threads 1,2] [--runs 5] [--queries Q2,Q5] [--lakeq .build/release/lakeq] [--json OUT]

For each thread count N: starts `lakeq serve --threads N --cache-bytes 0` over DATA/lake (the
result cache is off, so every request runs its query; the service still keeps Delta snapshots
and Parquet footers open across requests, which is what "no process start, metadata cached"
means), pinned to the first N CPUs, and opens one DuckDB connection in this process with
`SET threads = N` over the same Parquet files the way ../shared/bench/anchors.py does
(imported, not copied: `anchors.DuckDB`). Then per query of queries.sql: one warm-up each, then
--runs timed runs alternating lakeq and DuckDB (so both see the same machine load); lakeq's time
is one `POST /v1/query` on a keep-alive connection, JSON answer, from sending the request to
the last byte of the answer; DuckDB's is `anchors.DuckDB.run` (the query to an Arrow table),
this process pinned to the same N CPUs while it runs. Results are compared as anchors.py
compares them. Besides wall time, CPU time: the server's (from /proc) and this process's
while DuckDB runs (robust to a loaded machine, where wall time partly measures waiting for a core).

The Q6 row on the bloom lake (--bloom; made by Benchmarks/bloom_q6.sh with `lakeq gen`:
bloom filters on user_id) runs with its own service and DuckDB over that lake.

DATA must hold DATA/lake/events as a Delta table. The 10M-row one used in Benchmarks/README.md
is gen_events.py's Hive lake (Benchmarks/run) hard-linked into a new directory and given a Delta
log by delta-rs (`--make-delta-from DIR/lake/events` does that: no data is copied).
Prints `uptime` load before and after; a Markdown table per thread count with geometric means.
"""
import argparse
import http.client
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def find_bench():
    for d in (os.environ.get("ANCHORS_DIR"), os.path.join(REPO, "..", "shared", "bench"),
              os.path.join(REPO, "..", "..", "shared", "bench"), "/work/shared/bench"):
        if d and os.path.isfile(os.path.join(d, "anchors.py")):
            return os.path.abspath(d)
    sys.exit("anchors.py not found: set ANCHORS_DIR to the directory of ../shared/bench")


BENCH = find_bench()
sys.path.insert(0, BENCH)
import anchors  # noqa: E402  (../shared/bench/anchors.py)

ALL_CPUS = sorted(os.sched_getaffinity(0))


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    """CPU seconds process `pid`'s live threads have run (schedstat: nanoseconds, not the
    10 ms ticks of /proc/PID/stat; the service's threads live as long as it does)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass                              # a thread that just ended
    return total / 1e9


class Server:
    """`lakeq serve` over `lake`, pinned to `cpus`, with an admin key that sees PII in clear."""

    def __init__(self, lakeq, lake, threads, cpus, workdir, extra=()):
        keys = os.path.join(workdir, "keys.json")
        if os.path.exists(keys):
            os.remove(keys)
        self.key = subprocess.run([lakeq, "keys", "add", "bench", "--role", "admin", "--pii", "--keys", keys],
                                  check=True, capture_output=True, text=True).stdout.strip().split()[-1]
        self.port = free_port()
        self.log = open(os.path.join(workdir, f"serve-{threads}.log"), "wb")
        cmd = ["taskset", "-c", ",".join(map(str, cpus)), lakeq, "serve", "--lake", lake, "--keys", keys,
               "--addr", f"127.0.0.1:{self.port}", "--threads", str(threads), "--cache-bytes", "0",
               "--audit-log", "none", "--log-level", "warning", "--no-dashboard", *extra]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit(f"lakeq serve did not start (see {self.log.name})")
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        self.headers = {"Authorization": "Bearer " + self.key, "Content-Type": "application/json",
                        "Connection": "keep-alive"}

    def query(self, sql):
        """(wall seconds from request to last byte, answer bytes) of one POST /v1/query."""
        body = json.dumps({"sql": sql, "format": "json"}).encode()
        t0 = time.perf_counter()
        self.conn.request("POST", "/v1/query", body=body, headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        elapsed = time.perf_counter() - t0
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {data[:500].decode('utf-8', 'replace')}")
        return elapsed, data

    def stop(self):
        self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def lakeq_rows(data):
    doc = json.loads(data)
    if doc.get("truncated"):
        raise RuntimeError("the JSON answer was truncated at the row limit")
    return [c["name"] for c in doc["columns"]], [[anchors.canon_json_value(v) for v in r] for r in doc["rows"]]


def measure(server, duck, cpus, name, sql_lakeq, sql_duck, runs):
    """One query: warm-up, then `runs` alternating timed runs. A dict of medians and the check."""
    def run_duck():
        os.sched_setaffinity(0, cpus)
        try:
            c0, t0 = time.process_time(), time.perf_counter()
            out = duck.run(sql_duck)
            return time.perf_counter() - t0, time.process_time() - c0, out
        finally:
            os.sched_setaffinity(0, ALL_CPUS)

    def run_lakeq():
        c0 = cpu_seconds(server.proc.pid)
        wall, data = server.query(sql_lakeq)
        return wall, cpu_seconds(server.proc.pid) - c0, data

    _, _, ldata = run_lakeq()
    _, _, dout = run_duck()
    lw, lc, dw, dc = [], [], [], []
    for _ in range(runs):
        w, c, ldata = run_lakeq()
        lw.append(w)
        lc.append(c)
        w, c, dout = run_duck()
        dw.append(w)
        dc.append(c)
    lcols, lrows = lakeq_rows(ldata)
    dcols, drows = anchors.DuckDB.rows(dout)
    diff = anchors.compare({"columns": dcols, "rows": drows}, {"columns": lcols, "rows": lrows},
                           anchors.has_order_by(sql_lakeq))
    return {"query": name, "lakeq_s": statistics.median(lw), "duckdb_s": statistics.median(dw),
            "lakeq_cpu_s": statistics.median(lc), "duckdb_cpu_s": statistics.median(dc),
            "lakeq_times_s": lw, "duckdb_times_s": dw, "rows": len(lrows), "same": diff == "", "diff": diff}


def run_lake(args, data, names, threads, label):
    """Every query of `names` on DATA/lake at `threads`: a list of measure() dicts."""
    queries = anchors.load_queries(args.sql)
    cpus = ALL_CPUS[:threads]
    workdir = tempfile.mkdtemp(prefix="lakeq-serve-bench-")
    server = Server(args.lakeq, os.path.join(data, "lake"), threads, cpus, workdir, args.serve_arg)
    os.sched_setaffinity(0, cpus)          # DuckDB's threads start pinned, as in anchors.py
    duck = anchors.DuckDB(data, threads)
    os.sched_setaffinity(0, ALL_CPUS)
    out = []
    try:
        for q in names:
            _, sql = queries[q]
            r = measure(server, duck, cpus, q + label, sql, anchors.REWRITES["duckdb"].get(q, sql), args.runs)
            out.append(r)
            print(f"  {threads} thread(s) {r['query']}: lakeq {r['lakeq_s'] * 1000:.1f} ms, DuckDB {r['duckdb_s'] * 1000:.1f} ms"
                  + ("" if r["same"] else f"  RESULTS DIFFER: {r['diff']}"), file=sys.stderr, flush=True)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def table(rows, threads):
    lines = [f"| query ({threads} thread{'s' if threads > 1 else ''}) | lakeq serve ms | DuckDB ms | ratio | lakeq CPU ms | DuckDB CPU ms | CPU ratio | results |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['query']} | {r['lakeq_s'] * 1000:.1f} | {r['duckdb_s'] * 1000:.1f} | "
                     f"{r['lakeq_s'] / r['duckdb_s']:.2f}x | {r['lakeq_cpu_s'] * 1000:.0f} | {r['duckdb_cpu_s'] * 1000:.0f} | "
                     f"{r['lakeq_cpu_s'] / r['duckdb_cpu_s']:.2f}x | {'ok' if r['same'] else 'DIFFER'} |")
    main = [r for r in rows if "bloom" not in r["query"]]
    lines.append(f"| **geomean** (Q1–Q12) | {geomean([r['lakeq_s'] for r in main]) * 1000:.1f} | "
                 f"{geomean([r['duckdb_s'] for r in main]) * 1000:.1f} | "
                 f"**{geomean([r['lakeq_s'] / r['duckdb_s'] for r in main]):.2f}x** | | | "
                 f"{geomean([r['lakeq_cpu_s'] / r['duckdb_cpu_s'] for r in main if r['duckdb_cpu_s'] > 0]):.2f}x | |")
    return "\n".join(lines)


def make_delta(source, data):
    """DATA/lake/events: hard links of SOURCE's Parquet files (a Hive-partitioned directory)
    plus a Delta log written by delta-rs's convert_to_deltalake (one commit, file statistics)."""
    import deltalake
    from deltalake import Field, Schema
    from deltalake.schema import PrimitiveType
    target = os.path.join(data, "lake", "events")
    if os.path.isdir(os.path.join(target, "_delta_log")):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    subprocess.run(["cp", "-al", source, target], check=True)
    deltalake.convert_to_deltalake(target, partition_by=Schema([Field("date", PrimitiveType("date"))]),
                                   partition_strategy="hive")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/lakebench/serve-d10m", help="directory holding lake/events (a Delta table)")
    ap.add_argument("--make-delta-from", help="a Hive-partitioned events directory to hard-link into DATA with a Delta log")
    ap.add_argument("--bloom", default="/tmp/lakebench/bloom", help="the bloom-filter lake of bloom_q6.sh ('' to skip)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--queries", default="")
    ap.add_argument("--lakeq", default=os.path.join(REPO, ".build", "release", "lakeq"))
    ap.add_argument("--sql", default=os.path.join(BENCH, "queries.sql"))
    ap.add_argument("--json", help="write every figure here")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="one more argument for `lakeq serve` (repeatable; e.g. --serve-arg=--dictionary-cache-bytes --serve-arg=0)")
    args = ap.parse_args()
    if args.make_delta_from:
        make_delta(args.make_delta_from, args.data)
    if not os.path.isdir(os.path.join(args.data, "lake", "events", "_delta_log")):
        sys.exit(f"{args.data}/lake/events is not a Delta table (see --make-delta-from)")
    if not shutil.which("taskset"):
        sys.exit("needs taskset (util-linux)")
    names = args.queries.split(",") if args.queries else list(anchors.load_queries(args.sql))
    doc = {"load_before": os.getloadavg(), "lakeq": args.lakeq, "data": args.data, "runs": args.runs, "threads": {}}
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {load()}; {len(ALL_CPUS)} CPUs; "
          f"lakeq {args.lakeq} {' '.join(args.serve_arg)}; DuckDB {__import__('duckdb').__version__}; medians of {args.runs}")
    for threads in [int(t) for t in args.threads.split(",")]:
        rows = run_lake(args, args.data, names, threads, "")
        if args.bloom and (not args.queries or "Q6" in names):
            if os.path.isdir(os.path.join(args.bloom, "lake", "events", "_delta_log")):
                rows += run_lake(args, args.bloom, ["Q6"], threads, " (bloom lake)")
            else:
                print(f"no bloom lake at {args.bloom} (Benchmarks/bloom_q6.sh makes it): Q6 bloom row skipped", file=sys.stderr)
        doc["threads"][threads] = rows
        print()
        print(table(rows, threads))
        print(f"\n{load()}")
    doc["load_after"] = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    bad = [r["query"] for rows in doc["threads"].values() for r in rows if not r["same"]]
    if bad:
        print("RESULTS DIFFER: " + ", ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

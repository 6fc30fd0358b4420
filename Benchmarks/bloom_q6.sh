#!/usr/bin/env bash
# Q6 of ../shared/bench (a user_id point lookup) on a lake with bloom filters, lakeq against
# DuckDB on the same files, at 1 and 2 threads; the same lake without bloom filters for
# reference. Uses the shared anchors.py (DuckDB timed in-process, lakeq as a whole process,
# both pinned to the CPUs of the thread count; medians of RUNS timed runs after a warm-up).
#
#   Benchmarks/bloom_q6.sh [DATA_DIR] [LAKEQ_BINARY]
#
# DATA_DIR (default /tmp/lakebench/bloom) gets DATA_DIR/lake/events written by `lakeq gen`
# (ROWS rows, default 10M; bloom filters on user_id and event_id) and
# DATA_DIR/nobloom/lake/events (--bloom-filter none). Env: ROWS, RUNS (default 5), THREADS.
# Prints `uptime` first: the machine is shared, note its load beside the figures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data="${1:-/tmp/lakebench/bloom}"
lakeq="${2:-$root/.build/release/lakeq}"
rows="${ROWS:-10000000}"
runs="${RUNS:-5}"
anchors="${ANCHORS:-$root/../../shared/bench/anchors.py}"
[ -f "$anchors" ] || anchors=/work/shared/bench/anchors.py
[ -x "$lakeq" ] || { echo "no lakeq binary at $lakeq (swift build -c release)" >&2; exit 1; }

if [ ! -d "$data/lake/events/_delta_log" ]; then
    "$lakeq" gen --rows "$rows" --out "$data/lake" >&2
    "$lakeq" gen --rows "$rows" --out "$data/nobloom/lake" --bloom-filter none >&2
fi
q6="SELECT event_id, show, watch FROM events WHERE user_id = 424242 ORDER BY event_id"
echo "load: $(uptime)"
"$lakeq" explain --lake "$data/lake" "$q6" | grep -E "row groups|rows:"
printf '%-8s %-10s %12s %12s %8s\n' threads lake lakeq_ms duckdb_ms ratio
for threads in ${THREADS:-1 2}; do
    for which in lake nobloom; do
        dir="$data"; [ "$which" = nobloom ] && dir="$data/nobloom"
        out="$(mktemp)"
        python3 "$anchors" --data "$dir" --threads "$threads" --engines duckdb --lakeq "$lakeq" --queries Q6 --runs "$runs" --json "$out" >/dev/null
        python3 - "$out" "$threads" "$which" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def median(engine):
    q = doc["engines"].get(engine, {}).get("queries", {}).get("Q6", {})
    return q.get("median_s")
l, d = median("lakeq"), median("duckdb")
fmt = lambda x: "%.1f" % (x * 1000) if x is not None else "?"
ratio = "%.2fx" % (l / d) if l and d else "?"
same = doc.get("comparison")
print("%-8s %-10s %12s %12s %8s" % (sys.argv[2], sys.argv[3], fmt(l), fmt(d), ratio))
PY
        rm -f "$out"
    done
done

# CPU time per query (user + system), medians: robust to a loaded machine, where wall time
# mostly measures waiting for a core (lakeq runs as a fresh process each time, DuckDB in one
# warm process, as in anchors.py).
echo "CPU time per Q6 (median of $runs):"
printf '%-8s %-10s %12s %12s %8s\n' threads lake lakeq_cpu_ms duckdb_cpu_ms ratio
for threads in ${THREADS:-1 2}; do
    cpus="0-$((threads - 1))"
    for which in lake nobloom; do
        dir="$data/lake"; [ "$which" = nobloom ] && dir="$data/nobloom/lake"
        python3 - "$lakeq" "$dir" "$threads" "$cpus" "$runs" "$which" "$q6" <<'PY'
import os, resource, statistics, subprocess, sys, time
lakeq, lake, threads, cpus, runs, which, q6 = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7]
def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
lq = []
for i in range(runs + 1):
    before = child_cpu()
    subprocess.run(["taskset", "-c", cpus, lakeq, "--lake", lake, "--threads", str(threads), q6], check=True, stdout=subprocess.DEVNULL)
    if i: lq.append(child_cpu() - before)
import duckdb
os.sched_setaffinity(0, {int(c) for c in range(threads)})
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
sql = q6.replace("show", '"show"').replace("FROM events", f"FROM read_parquet('{lake}/events/*/*.parquet', hive_partitioning = true)")
dd = []
for i in range(runs + 1):
    t0 = time.process_time()
    con.execute(sql).fetchall()
    if i: dd.append(time.process_time() - t0)
l, d = statistics.median(lq), statistics.median(dd)
print("%-8s %-10s %12.1f %12.1f %8s" % (threads, which, l * 1000, d * 1000, "%.2fx" % (l / d) if d > 0 else "?"))
PY
    done
done
echo "load after: $(uptime)"

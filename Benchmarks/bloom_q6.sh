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

#!/usr/bin/env bash
# `lakeq optimize` on ~1,000 small files (issue 9's "must show"), in three parts:
#
#  1. Results: a copy of the table is optimized alone; the 12 public queries
#     (../shared/bench/queries.sql) give the same answers before and after (doubles compared to
#     1e-9 relative: sums run in file order), and every partition ends with at most
#     ceil(partition bytes / target) files. delta-rs's `optimize.compact` runs on another copy
#     with the same target, for the time ratio.
#  2. Concurrency: optimize runs while another process keeps appending small batches with
#     `lakeq ingest`; afterwards every appended row is there exactly once (count and sum of
#     event_id), and delta-rs reads the table with the same count and sum.
#  3. Vacuum: with the retention passed, `lakeq vacuum` deletes exactly the compacted files.
#
#   Benchmarks/optimize_compare.sh [ROWS] [TARGET_BYTES]   (defaults: 1000000, 262144)
#
# Data under ${BENCH_DIR:-/tmp/lakebench}/optimize; needs a release build, python3 with
# deltalake, pyarrow and numpy.
set -euo pipefail
ROWS=${1:-1000000}
TARGET=${2:-262144}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN:-$HERE/../shared/bench/gen_events.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_events.py
QUERIES=$(dirname "$GEN")/queries.sql
LAKEQ=$HERE/.build/release/lakeq
[ -x "$LAKEQ" ] || { echo "build first: swift build -c release" >&2; exit 1; }
DIR=${BENCH_DIR:-/tmp/lakebench}/optimize
rm -rf "$DIR/lake" "$DIR/alone" "$DIR/rs" "$DIR/more"
# REUSE=1 starts from the small-file table of an earlier run (kept in $DIR/pristine).
[ "${REUSE:-0}" = 1 ] && [ -d "$DIR/pristine/events" ] || rm -rf "$DIR/pristine"
mkdir -p "$DIR"
[ -f "$DIR/src/events.csv" ] || python3 "$GEN" --rows "$ROWS" --seed 7 --out "$DIR/src" --formats csv >/dev/null
# The appender's batches: other events, ids far above the table's.
[ -f "$DIR/src2/events.csv" ] || python3 "$GEN" --rows 20000 --seed 8 --out "$DIR/src2" --formats csv >/dev/null
mkdir -p "$DIR/more"
python3 - "$DIR/src2/events.csv" "$DIR/more" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
header, rows = lines[0], lines[1:]
cols = header.split(",")
i = cols.index("event_id")
for k in range(20):   # 20 files of 1,000 rows, event_id shifted by 100M
    with open(f"{sys.argv[2]}/more{k:02d}.csv", "w") as f:
        f.write(header + "\n")
        for r in rows[k * 1000:(k + 1) * 1000]:
            v = r.split(",")
            v[i] = str(int(v[i]) + 100_000_000)
            f.write(",".join(v) + "\n")
PY

# The events are in time order, so a batch spans one or two days: ~1,000 commits of ROWS/1000
# rows make ~1,000 small files, as a stream committing every second or so would.
BATCH=$(( ROWS / 1000 ))
if [ ! -d "$DIR/pristine/events" ]; then
  "$LAKEQ" ingest "$DIR/src/events.csv" --table events --lake "$DIR/pristine" --schema "$HERE/examples/events.schema.json" \
    --partition-by date --batch-rows "$BATCH" >/dev/null
fi
cp -a "$DIR/pristine" "$DIR/lake"
files() { "$LAKEQ" describe "$1" --json | python3 -c 'import sys, json; d = json.load(sys.stdin); print(d["files"], d["rows"], d["bytes"])'; }
echo "table: $(files "$DIR/lake/events") (files rows bytes), target $TARGET bytes"
cp -a "$DIR/lake" "$DIR/alone"
cp -a "$DIR/lake" "$DIR/rs"
uptime

# 1. Alone: results and the file-count bound.
run_queries() {
  local lake=$1 out=$2
  : > "$out"
  grep -v '^--' "$QUERIES" | while IFS= read -r q; do
    [ -n "$q" ] || continue
    "$LAKEQ" --lake "$lake" --format csv "$q" >> "$out"
    echo "--" >> "$out"
  done
}
run_queries "$DIR/alone" "$DIR/before.csv"
python3 - "$DIR/alone/events" > "$DIR/partition_bytes.json" <<'PY'
import sys, json
import pyarrow as pa
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1])
by = {}
for a in pa.table(t.get_add_actions(flatten=True)).to_pylist():
    d = str(a["partition.date"]); by[d] = by.get(d, 0) + a["size_bytes"]
print(json.dumps(by))
import os; sys.stdout.flush(); os._exit(0)
PY
# Both engines' wall clock and CPU (user + system) seconds: on a shared machine CPU is steadier.
/usr/bin/time -f "lakeq optimize: %e s wall, %U + %S s cpu" -o "$DIR/lakeq.time" \
  "$LAKEQ" optimize events --lake "$DIR/alone" --target-file-bytes "$TARGET"
run_queries "$DIR/alone" "$DIR/after.csv"
python3 - "$DIR/before.csv" "$DIR/after.csv" <<'PY'
import sys
a, b = open(sys.argv[1]).read().split("\n"), open(sys.argv[2]).read().split("\n")
assert len(a) == len(b), "different line counts"
def same(x, y):
    if x == y: return True
    xs, ys = x.split(","), y.split(",")
    if len(xs) != len(ys): return False
    for p, q in zip(xs, ys):
        if p == q: continue
        try:
            fp, fq = float(p), float(q)
        except ValueError:
            return False
        if abs(fp - fq) > 1e-9 * max(1.0, abs(fp)): return False
    return True
bad = [(x, y) for x, y in zip(a, b) if not same(x, y)]
print("12 queries before/after optimize:", "IDENTICAL" if not bad else f"DIFFER {bad[:3]}")
sys.exit(1 if bad else 0)
PY
python3 - "$DIR/alone/events" "$DIR/partition_bytes.json" "$TARGET" <<'PY'
import sys, json, math, os
import pyarrow as pa
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]); before = json.load(open(sys.argv[2])); target = int(sys.argv[3])
count = {}
for a in pa.table(t.get_add_actions(flatten=True)).to_pylist():
    d = str(a["partition.date"]); count[d] = count.get(d, 0) + 1
over = {d: (n, math.ceil(before[d] / target)) for d, n in count.items() if n > math.ceil(before[d] / target)}
print(f"files after: {sum(count.values())} in {len(count)} partitions; bound ceil(bytes/target) per partition:",
      "HELD" if not over else f"EXCEEDED {over}")
sys.stdout.flush(); os._exit(1 if over else 0)
PY
/usr/bin/time -f "delta-rs optimize.compact (python process): %e s wall, %U + %S s cpu" -o "$DIR/rs.time" \
python3 - "$DIR/rs/events" "$TARGET" <<'PY'
import sys, time, os
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1])
s = time.time()
m = t.optimize.compact(target_size=int(sys.argv[2]))
print(f"delta-rs optimize.compact: {time.time() - s:.2f} s in the call, files removed {m['numFilesRemoved']}, added {m['numFilesAdded']}")
sys.stdout.flush(); os._exit(0)
PY
cat "$DIR/lakeq.time" "$DIR/rs.time"
uptime

# 2. Concurrent appends while optimizing.
read -r count0 sum0 < <("$LAKEQ" --lake "$DIR/lake" --format csv "select count(*), sum(event_id) from events" | tail -1 | tr ',' ' ')
(
  for f in "$DIR"/more/more*.csv; do
    "$LAKEQ" ingest "$f" --table events --lake "$DIR/lake" >/dev/null
  done
) &
appender=$!
sleep 0.5
"$LAKEQ" optimize events --lake "$DIR/lake" --target-file-bytes "$TARGET" --json | tee "$DIR/optimize.json"
wait $appender
read -r count1 sum1 < <("$LAKEQ" --lake "$DIR/lake" --format csv "select count(*), sum(event_id) from events" | tail -1 | tr ',' ' ')
read -r more_count more_sum < <(python3 - "$DIR"/more/more*.csv <<'PY'
import sys
n = s = 0
for p in sys.argv[1:]:
    lines = open(p).read().splitlines()
    i = lines[0].split(",").index("event_id")
    for l in lines[1:]:
        n += 1; s += int(l.split(",")[i])
print(n, s)
PY
)
echo "rows before $count0, appended during optimize $more_count, after $count1 (want $((count0 + more_count)))"
[ "$count1" = "$((count0 + more_count))" ] && [ "$sum1" = "$((sum0 + more_sum))" ] && echo "concurrent appends: ALL KEPT, NONE DUPLICATED" || { echo "concurrent appends: MISMATCH"; exit 1; }
"$LAKEQ" history events --lake "$DIR/lake" | sed -n 1,5p
python3 - "$DIR/lake/events" "$count1" "$sum1" <<'PY'
import sys, os
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table()
ok = t.num_rows == int(sys.argv[2]) and sum(t.column("event_id").to_pylist()) == int(sys.argv[3])
print("delta-rs reads the optimized table:", t.num_rows, "rows", "AGREES" if ok else "DISAGREES")
sys.stdout.flush(); os._exit(0 if ok else 1)
PY

# 3. Vacuum after the retention.
removed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["files_removed"])' "$DIR/optimize.json")
sleep 1
deleted=$("$LAKEQ" vacuum events --lake "$DIR/lake" --retention-hours 0 --allow-short-retention | tail -1)
echo "vacuum: $deleted (optimize removed $removed files)"
"$LAKEQ" --lake "$DIR/lake" --format csv "select count(*) from events" | tail -1
uptime

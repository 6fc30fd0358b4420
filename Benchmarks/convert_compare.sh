#!/usr/bin/env bash
# CSV → one Parquet file (ZSTD, row groups of ROW_GROUP rows): lakeq convert vs pyarrow
# (csv.read_csv + pq.write_table) vs DuckDB (COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)),
# each at 1 and 2 threads, timed with hyperfine (median wall; user+sys CPU of the median run
# shown as mean user/sys). Prints rows/s and lakeq's speed ratio against each engine, the
# output sizes, and an equality check of lakeq's file against the CSV (DuckDB EXCEPT both ways).
#
#   Benchmarks/convert_compare.sh [CSV] [RUNS]   (defaults: /tmp/lakebench/c10m/events.csv, 5)
#
# Outputs go to ${BENCH_DIR:-/tmp/lakebench}/convert-out. Needs a release build, hyperfine,
# python3 with pyarrow and duckdb. THREADS_LIST="1 2" by default; 1-thread runs use taskset -c 0.
set -euo pipefail
CSV=${1:-/tmp/lakebench/c10m/events.csv}
RUNS=${2:-5}
ROW_GROUP=${ROW_GROUP:-1048576}
THREADS_LIST=${THREADS_LIST:-"1 2"}
HERE=$(cd "$(dirname "$0")/.." && pwd)
LAKEQ=$HERE/.build/release/lakeq
[ -x "$LAKEQ" ] || { echo "build first: swift build -c release" >&2; exit 1; }
OUT=${BENCH_DIR:-/tmp/lakebench}/convert-out
mkdir -p "$OUT"
ROWS=$(($(wc -l < "$CSV") - 1))
cat "$CSV" > /dev/null   # warm the page cache for every engine alike

cat > "$OUT/pa.py" <<'PY'
import sys, pyarrow as pa, pyarrow.csv as pc, pyarrow.parquet as pq
csv, out, threads, rg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pa.set_cpu_count(threads); pa.set_io_thread_count(threads)
t = pc.read_csv(csv)
pq.write_table(t, out, compression="zstd", row_group_size=rg)
PY
cat > "$OUT/duck.py" <<'PY'
import sys, duckdb
csv, out, threads, rg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = duckdb.connect(); con.execute(f"SET threads={threads}")
con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rg})")
PY

echo "csv=$CSV rows=$ROWS size=$(du -h "$CSV" | cut -f1) row_group=$ROW_GROUP runs=$RUNS"
declare -A MED
for T in $THREADS_LIST; do
  if [ "$T" = 1 ]; then PIN="taskset -c 0"; else PIN=""; fi
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/t$T.json" \
    -n lakeq   "$PIN env LAKEQ_THREADS=$T $LAKEQ convert $CSV $OUT/lakeq-t$T.parquet --compression zstd --row-group-rows $ROW_GROUP --threads $T" \
    -n pyarrow "$PIN python3 $OUT/pa.py $CSV $OUT/pyarrow-t$T.parquet $T $ROW_GROUP" \
    -n duckdb  "$PIN python3 $OUT/duck.py $CSV $OUT/duckdb-t$T.parquet $T $ROW_GROUP" > "$OUT/t$T.txt"
  python3 - "$OUT/t$T.json" "$ROWS" "$T" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]; rows = int(sys.argv[2]); t = sys.argv[3]
med = {r["command"]: r["median"] for r in res}
for r in res:
    print(f"threads={t} {r['command']:8s} median {r['median']:6.2f}s  (min {r['min']:.2f} max {r['max']:.2f})  "
          f"cpu user {r['user']:.2f}s sys {r['system']:.2f}s  {rows / r['median']:>12,.0f} rows/s")
for other in ("pyarrow", "duckdb"):
    print(f"threads={t} lakeq vs {other}: {med[other] / med['lakeq']:.2f}x faster (wall median ratio)")
PY
done

echo "sizes (bytes):"
for f in "$OUT"/*.parquet; do printf '  %-28s %12d\n' "$(basename "$f")" "$(stat -c %s "$f")"; done
T1=$(echo $THREADS_LIST | cut -d' ' -f1)
python3 - "$OUT/lakeq-t$T1.parquet" "$OUT/pyarrow-t$T1.parquet" "$CSV" <<'PY'
import sys, os, duckdb
lq, pa, csv = sys.argv[1:4]
print(f"lakeq/pyarrow size ratio: {os.path.getsize(lq) / os.path.getsize(pa):.3f}")
con = duckdb.connect(); con.execute("SET TimeZone='UTC'")
n_pq = con.sql(f"SELECT count(*) FROM read_parquet('{lq}')").fetchall()[0][0]
n_csv = con.sql(f"SELECT count(*) FROM read_csv('{csv}')").fetchall()[0][0]
a = con.sql(f"SELECT count(*) FROM (SELECT * FROM read_parquet('{lq}') EXCEPT ALL SELECT * FROM read_csv('{csv}'))").fetchall()[0][0]
b = con.sql(f"SELECT count(*) FROM (SELECT * FROM read_csv('{csv}') EXCEPT ALL SELECT * FROM read_parquet('{lq}'))").fetchall()[0][0]
print(f"equality (DuckDB): rows parquet={n_pq} csv={n_csv}; parquet EXCEPT ALL csv = {a}; csv EXCEPT ALL parquet = {b} -> {'EQUAL' if a == b == 0 and n_pq == n_csv else 'DIFFERENT'}")
PY

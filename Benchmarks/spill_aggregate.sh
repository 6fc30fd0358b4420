#!/usr/bin/env bash
# Hash aggregation past --memory-limit (issue 14, "Memory"): a GROUP BY with 50M distinct
# keys, run with --memory-limit 1GiB (spills to disk) and without (the default, 80% of RAM,
# all in memory); reports time, peak RSS (/usr/bin/time -v), the bytes spilled (EXPLAIN
# ANALYZE) and checks both answers are equal and equal DuckDB's.
#
#   Benchmarks/spill_aggregate.sh [LAKEQ_BINARY] [ROWS]      (defaults .build/release/lakeq, 50000000)
#
# The Parquet file (ROWS rows, ROWS distinct keys in a scrambled order, a value column) is
# written once with DuckDB into $SPILL_BENCH_DIR (default /tmp/lakebench/spill) and reused.
set -euo pipefail
BIN=${1:-.build/release/lakeq}
ROWS=${2:-50000000}
DIR=${SPILL_BENCH_DIR:-/tmp/lakebench/spill}
LAKE=$DIR/lake-$ROWS
FILE=$LAKE/keys/data.parquet
THREADS=${THREADS:-2}
mkdir -p "$LAKE/keys"
if [ ! -f "$FILE" ]; then
  echo "writing $FILE ($ROWS distinct keys) with DuckDB..."
  # k = i * 7919 mod ROWS is a permutation of 0..ROWS-1 when gcd(7919, ROWS) = 1.
  python3 - "$FILE" "$ROWS" <<'PY'
import sys, duckdb
path, n = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"COPY (SELECT (i * 7919) % {n} AS k, i % 1000 AS v FROM range({n}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
PY
fi
# The inner GROUP BY holds ROWS groups (key, count, sum, min, max); the outer one reduces
# them to checksums so the result itself is small.
SQL="SELECT count(*) AS groups, sum(c) AS rows, sum(s) AS total, sum(k * mn) AS mix, max(mx) AS top FROM (SELECT k, count(*) AS c, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM keys GROUP BY k)"
echo "load: $(uptime)"
run() {  # label, extra flags...
  local label=$1; shift
  local err; err=$(mktemp)
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v "$BIN" --lake "$LAKE" --threads "$THREADS" --format csv "$@" "$SQL" > "$DIR/out-$label.csv" 2> "$err" || { cat "$err"; exit 1; }
  t1=$(date +%s.%N)
  local rss; rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$err")
  printf "%-14s time %6.2f s   peak RSS %6d MiB   answer %s\n" "$label" "$(echo "$t1 - $t0" | bc)" $((rss / 1024)) "$(tail -1 "$DIR/out-$label.csv")"
  rm -f "$err"
}
run in-memory
run limit-1GiB --memory-limit 1GiB
"$BIN" explain --analyze --lake "$LAKE" --threads "$THREADS" --memory-limit 1GiB "$SQL" | grep -i "spilled" | sed 's/^ */explain analyze (1GiB): /'
DUCK=$(python3 - "$SQL" "$FILE" <<'PY'
import sys, time, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t0 = time.time()
row = con.execute(sys.argv[1].replace("FROM keys", "FROM read_parquet('%s')" % sys.argv[2])).fetchall()[0]
print(",".join(str(x) for x in row))
print("duckdb time %.2f s (in-process, default settings)" % (time.time() - t0), file=sys.stderr)
PY
)
echo "duckdb answer  $DUCK"
if [ "$(tail -1 "$DIR/out-in-memory.csv")" = "$(tail -1 "$DIR/out-limit-1GiB.csv")" ] && [ "$(tail -1 "$DIR/out-limit-1GiB.csv")" = "$DUCK" ]; then
  echo "OK: the answers with and without the limit are equal, and equal DuckDB's"
else
  echo "MISMATCH"; exit 1
fi

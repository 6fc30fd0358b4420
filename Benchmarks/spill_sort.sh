#!/usr/bin/env bash
# ORDER BY past --memory-limit (issue 14, "Memory"): sorts the 10M-row events lake with a
# small limit (spills sorted runs to disk, k-way merges them) and without (the default, 80%
# of RAM, one in-memory sort); reports wall time and peak RSS (/usr/bin/time -v) of both,
# the bytes spilled (EXPLAIN ANALYZE), and checks both outputs are byte-identical (md5 of
# the CSV, ties included: the sort is stable with or without spilling).
#
#   Benchmarks/spill_sort.sh [LAKEQ_BINARY] [LAKE] [LIMIT]
#       (defaults .build/release/lakeq, /tmp/lakebench/d10m-perfagg/lake, 256MiB)
#
# The lake is the one Benchmarks/run generates (`lakeq gen`, 10M rows); SQL and thread count
# can be changed with SORT_SQL and THREADS. The whole result passes through the CLI as CSV,
# so both CSV runs' RSS includes the 10M-row result and its text; the EXPLAIN ANALYZE runs
# show the query without the formatting.
set -euo pipefail
BIN=${1:-.build/release/lakeq}
LAKE=${2:-/tmp/lakebench/d10m-perfagg/lake}
LIMIT=${3:-256MiB}
THREADS=${THREADS:-2}
SQL=${SORT_SQL:-SELECT event_id, user_id, watch FROM events ORDER BY user_id, watch}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "load: $(uptime)"
echo "query: $SQL   (threads $THREADS)"
run() {  # label, extra flags...
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v "$BIN" --lake "$LAKE" --threads "$THREADS" --format csv "$@" "$SQL" > "$OUT/$label.csv" 2> "$OUT/$label.err" || { cat "$OUT/$label.err"; exit 1; }
  t1=$(date +%s.%N)
  local rss; rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/$label.err")
  local sum; sum=$(md5sum < "$OUT/$label.csv" | cut -c1-32)
  printf "%-16s time %6.2f s   peak RSS %6d MiB   rows %s   md5 %s\n" "$label" "$(echo "$t1 - $t0" | bc)" $((rss / 1024)) "$(($(wc -l < "$OUT/$label.csv") - 1))" "$sum"
  echo "$sum" > "$OUT/$label.md5"
  rm -f "$OUT/$label.csv"
}
# The same query through EXPLAIN ANALYZE: the result is still collected but not formatted,
# so peak RSS shows the sort's own memory rather than the CLI's 10M-row CSV text.
analyze() {  # label, extra flags...
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v "$BIN" explain --analyze --lake "$LAKE" --threads "$THREADS" "$@" "$SQL" > "$OUT/$label.plan" 2> "$OUT/$label.err" || { cat "$OUT/$label.err"; exit 1; }
  t1=$(date +%s.%N)
  local rss; rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/$label.err")
  printf "%-16s time %6.2f s   peak RSS %6d MiB   (explain analyze, no output)\n" "$label" "$(echo "$t1 - $t0" | bc)" $((rss / 1024))
  grep -i "spilled" "$OUT/$label.plan" | sed "s/^ */  /"
}
run in-memory
run "limit-$LIMIT" --memory-limit "$LIMIT" --temp-directory "$OUT"
analyze in-memory
analyze "limit-$LIMIT" --memory-limit "$LIMIT" --temp-directory "$OUT"
if [ "$(cat "$OUT/in-memory.md5")" = "$(cat "$OUT/limit-$LIMIT.md5")" ]; then
  echo "OK: the outputs with and without the limit are identical"
else
  echo "MISMATCH"; exit 1
fi

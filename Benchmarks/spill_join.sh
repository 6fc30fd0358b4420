#!/usr/bin/env bash
# Hash joins past --memory-limit (issue 14, "Memory"): two joins of the 10M-row lake run with a
# limit that forces a grace hash join (build and probe partitioned to disk, joined partition by
# partition) and without one (the default, 80% of RAM, all in memory); reports wall time and
# peak RSS (/usr/bin/time -v) both ways, the spill (EXPLAIN ANALYZE), and checks the checksums
# are equal both ways and equal DuckDB's.
#
#   Benchmarks/spill_join.sh [LAKEQ_BINARY] [LAKE] [LIMIT]
#     defaults: .build/release/lakeq, /tmp/lakebench/d10m-perfagg/lake, 32MiB; THREADS=2 RUNS=3
#
#   self:  a self-join on event_id of the first 4M events (unique keys, 4M build rows)
#   users: every event joined with its user's event count (GROUP BY user_id, ~1M build rows,
#          10M probe rows)
set -euo pipefail
BIN=${1:-.build/release/lakeq}
LAKE=${2:-/tmp/lakebench/d10m-perfagg/lake}
LIMIT=${3:-32MiB}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
declare -A SQL
SQL[self]="SELECT count(*) AS n, sum(a.user_id) AS users, sum(b.bitrate_kbps) AS bitrate, sum(length(b.\"show\")) AS show_chars FROM (SELECT event_id, user_id FROM events WHERE event_id <= 4000000) a JOIN (SELECT event_id, bitrate_kbps, \"show\" FROM events WHERE event_id <= 4000000) b ON a.event_id = b.event_id"
SQL[users]="SELECT count(*) AS n, sum(u.n) AS per_user, sum(e.bitrate_kbps) AS bitrate, sum(length(e.country)) AS country_chars FROM events e JOIN (SELECT user_id, count(*) AS n FROM events GROUP BY user_id) u ON e.user_id = u.user_id"
echo "binary $BIN, lake $LAKE, limit $LIMIT, threads $THREADS, $RUNS runs each (median)"
echo "load: $(uptime)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
status=0
for q in self users; do
  for mode in in-memory "limit-$LIMIT"; do
    flags=()
    [ "$mode" != in-memory ] && flags=(--memory-limit "$LIMIT")
    : > "$OUT/times"; : > "$OUT/rss"
    for _ in $(seq "$RUNS"); do
      t0=$(date +%s.%N)
      /usr/bin/time -v "$BIN" --lake "$LAKE" --threads "$THREADS" --format csv "${flags[@]}" "${SQL[$q]}" > "$OUT/$q-$mode.csv" 2> "$OUT/err" || { cat "$OUT/err"; exit 1; }
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc >> "$OUT/times"
      awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$OUT/err" >> "$OUT/rss"
    done
    printf "%-6s %-16s time %6.2f s   peak RSS %6d MiB   checksum %s\n" "$q" "$mode" "$(median < "$OUT/times")" "$(median < "$OUT/rss")" "$(tail -1 "$OUT/$q-$mode.csv")"
  done
  "$BIN" explain --analyze --lake "$LAKE" --threads "$THREADS" --memory-limit "$LIMIT" "${SQL[$q]}" | grep -A1 "HashJoin" | grep "spilled" | sed "s/^ *| /$q explain analyze ($LIMIT): /"
  duck=$(python3 - "${SQL[$q]}" "$LAKE" <<'PY'
import sys, duckdb
sql, lake = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lake}/events/**/*.parquet', hive_partitioning = true)")
print(",".join(str(x) for x in con.execute(sql).fetchall()[0]))
PY
)
  if [ "$(tail -1 "$OUT/$q-in-memory.csv")" = "$(tail -1 "$OUT/$q-limit-$LIMIT.csv")" ] && [ "$(tail -1 "$OUT/$q-in-memory.csv")" = "$duck" ]; then
    echo "$q OK: equal checksums with and without the limit, and equal DuckDB's ($duck)"
  else
    echo "$q MISMATCH (duckdb $duck)"; status=1
  fi
done
exit $status

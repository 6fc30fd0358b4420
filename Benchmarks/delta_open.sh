#!/usr/bin/env bash
# Time to open a Delta table (`lakeq describe T`: snapshot only, no data file read) at 10, 100
# and 1,000 commits, made by lakeq itself (so with the checkpoints it writes every 10 commits):
#
#   flat-N  `lakeq gen` (30 files) then commits that add no file (a batch of only bad rows,
#           quarantined): the table's state stays the same, only the log grows;
#   grow-N  `lakeq gen` then commits of one one-row file each: the state grows by a file per commit;
#   json-N  flat-N with its checkpoints and _last_checkpoint deleted: what opening costs when
#           every JSON commit must be replayed (lakeq before checkpoints, or a log nobody checkpoints).
#
# Then delta-rs (python deltalake) opens flat-1000 and grow-1000 (as they are, and with the JSON
# commits before the last checkpoint deleted) and must see version 1000 with lakeq's file count.
#
#   Benchmarks/delta_open.sh [RUNS]     (default 30 runs per table, medians reported)
#
# Needs a release build (swift build -c release), hyperfine, python3 with deltalake.
set -euo pipefail
RUNS=${1:-30}
HERE=$(cd "$(dirname "$0")/.." && pwd)
LAKEQ=$HERE/.build/release/lakeq
[ -x "$LAKEQ" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
DIR=${BENCH_DIR:-/tmp/lakebench}/delta-open
# REUSE=1 measures the tables of an earlier run again instead of rebuilding them.
if [ "${REUSE:-0}" != 1 ] || [ ! -d "$DIR/tables/grow-1000" ]; then
  rm -rf "$DIR"
  REUSE=0
fi
mkdir -p "$DIR/tables"
HEADER=event_id,user_id,show,show_type,genre,season,episode,event_time,watch,duration,completed,device,country,rating,bitrate_kbps

# Builds family $1 up to version 1000, copying the table at versions 10, 100 and 1000.
build() {
  local family=$1 lake=$DIR/$1-src
  "$LAKEQ" gen --rows 10000 --out "$lake" >/dev/null       # version 1 (30 files)
  local csv=$lake/in.csv
  for v in $(seq 2 1000); do
    if [ "$family" = flat ]; then
      # user_id 0 breaks the table's stored rule (min 1): the row is quarantined, the commit adds nothing.
      printf '%s\n%d,0,S,movie,Drama,,,2026-01-05T10:00:00Z,10,100,false,tv,US,4,3000\n' "$HEADER" "$v" > "$csv"
      "$LAKEQ" ingest "$csv" --table events --lake "$lake" --force --max-bad-fraction 1 >/dev/null
    else
      printf '%s\n%d,42,S,movie,Drama,,,2026-01-05T10:00:00Z,10,100,false,tv,US,4,3000\n' "$HEADER" "$((20000000 + v))" > "$csv"
      "$LAKEQ" ingest "$csv" --table events --lake "$lake" --force >/dev/null
    fi
    case $v in 10|100|1000) cp -a "$lake/events" "$DIR/tables/$family-$v" ;; esac
  done
}

if [ "$REUSE" != 1 ]; then
  start=$(date +%s)
  build flat
  build grow
  for n in 10 100 1000; do
    cp -a "$DIR/tables/flat-$n" "$DIR/tables/json-$n"
    rm -f "$DIR/tables/json-$n"/_delta_log/*.checkpoint.parquet "$DIR/tables/json-$n/_delta_log/_last_checkpoint"
  done
  echo "tables built in $(( $(date +%s) - start )) s under $DIR/tables ($(ls "$DIR/tables/flat-1000/_delta_log" | grep -c checkpoint.parquet) checkpoints in flat-1000)"
fi
uptime

# Wall-clock medians (hyperfine) and CPU time (perf stat task-clock, when perf is there): on a
# shared machine the CPU time is the steadier figure.
printf '%-10s %8s %6s %12s %12s %12s\n' table commits files median_ms mean_ms cpu_ms
for family in flat grow json; do
  for n in 10 100 1000; do
    t=$DIR/tables/$family-$n
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$DIR/$family-$n.json" "$LAKEQ describe $t" >/dev/null 2>&1
    files=$("$LAKEQ" describe "$t" --json | python3 -c 'import sys, json; print(json.load(sys.stdin)["files"])')
    cpu=$( (command -v perf >/dev/null && perf stat -r "$RUNS" -x, -e task-clock "$LAKEQ" describe "$t" 2>&1 >/dev/null | cut -d, -f1) || echo "-")
    python3 - "$DIR/$family-$n.json" "$family" "$n" "$files" "$cpu" <<'PY'
import sys, json
r = json.load(open(sys.argv[1]))["results"][0]
cpu = sys.argv[5]
try: cpu = f"{float(cpu):12.2f}"
except ValueError: cpu = f"{cpu:>12}"
print(f"{sys.argv[2]:<10} {sys.argv[3]:>8} {sys.argv[4]:>6} {r['median']*1000:12.2f} {r['mean']*1000:12.2f} {cpu}")
PY
  done
done
uptime

echo "delta-rs:"
for family in flat grow; do
  t=$DIR/tables/$family-1000
  cleaned=$DIR/tables/$family-1000-cleaned
  cp -a "$t" "$cleaned"
  last=$(python3 -c 'import sys, json; print(json.load(open(sys.argv[1]))["version"])' "$cleaned/_delta_log/_last_checkpoint")
  for f in "$cleaned"/_delta_log/*.json; do
    v=$((10#$(basename "$f" .json)))
    [ "$v" -lt "$last" ] && rm "$f"
  done
  for table in "$t" "$cleaned"; do
    want_files=$("$LAKEQ" describe "$table" --json | python3 -c 'import sys, json; print(json.load(sys.stdin)["files"])')
    python3 - "$table" "$want_files" <<'PY'
import sys, os, time
from deltalake import DeltaTable
t0 = time.time()
t = DeltaTable(sys.argv[1])
ms = (time.time() - t0) * 1000
n = len(t.file_uris())
ok = t.version() == 1000 and n == int(sys.argv[2])
print(f"  {os.path.basename(sys.argv[1])}: version={t.version()} files={n} (lakeq: {sys.argv[2]}) open_ms={ms:.1f} {'OK' if ok else 'MISMATCH'}")
sys.stdout.flush()
os._exit(0 if ok else 1)
PY
  done
done

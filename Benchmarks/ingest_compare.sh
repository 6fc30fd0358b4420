#!/usr/bin/env bash
# CSV → date-partitioned Parquet: lakeq ingest (validation on, Delta commit, quarantine) vs
# DuckDB COPY … PARTITION_BY vs pyarrow read_csv + write_dataset. Prints rows/s per engine.
#
#   Benchmarks/ingest_compare.sh [ROWS] [THREADS] [RUNS]   (defaults: 10000000, all cores, 5)
#
# Each engine runs RUNS times (hyperfine, after one warm-up, its output removed before every
# run); the medians are compared. This machine's speed drifts, so single runs mislead.
#
# Data goes to ${BENCH_DIR:-/tmp/lakebench}/ingest-ROWS (kept between runs); needs a release
# build (swift build -c release) and python3 with duckdb, pyarrow, numpy.
set -euo pipefail
ROWS=${1:-10000000}
THREADS=${2:-$(nproc)}
RUNS=${3:-5}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN:-$HERE/../shared/bench/gen_events.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_events.py
DATA=${BENCH_DIR:-/tmp/lakebench}/ingest-$ROWS
LAKEQ=$HERE/.build/release/lakeq
[ -x "$LAKEQ" ] || { echo "build first: swift build -c release" >&2; exit 1; }
if [ ! -f "$DATA/events.csv" ]; then
  python3 "$GEN" --rows "$ROWS" --seed 1 --out "$DATA" --bad-rate 0.001 --formats csv >/dev/null
fi
CSV=$DATA/events.csv
LINES=$(($(wc -l < "$CSV") - 1))
OUT=$DATA/out
cat "$CSV" > /dev/null   # warm the page cache for every engine alike
echo "rows(lines)=$LINES threads=$THREADS csv=$(du -h "$CSV" | cut -f1) runs=$RUNS"
mkdir -p "$OUT"

cat > "$OUT/duck.py" <<'PY'
import sys, duckdb
csv, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect(); con.execute(f"SET threads={threads}"); con.execute("SET TimeZone='UTC'")
# ignore_errors: DuckDB's nearest equivalent to skipping bad rows (it does not quarantine them).
con.execute(f"""COPY (SELECT *, CAST(event_time AS DATE) AS date FROM read_csv('{csv}', header=true, ignore_errors=true,
  columns={{'event_id':'BIGINT','user_id':'BIGINT','show':'VARCHAR','show_type':'VARCHAR','genre':'VARCHAR','season':'INTEGER',
  'episode':'INTEGER','event_time':'TIMESTAMPTZ','watch':'DOUBLE','duration':'DOUBLE','completed':'BOOLEAN','device':'VARCHAR',
  'country':'VARCHAR','rating':'INTEGER','bitrate_kbps':'INTEGER'}}))
  TO '{out}' (FORMAT parquet, PARTITION_BY (date))""")
PY
cat > "$OUT/pa.py" <<'PY'
import sys, pyarrow as pa, pyarrow.csv as pc, pyarrow.compute as pcc, pyarrow.dataset as ds
csv, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
pa.set_cpu_count(threads); pa.set_io_thread_count(threads)
bad = [0]
def skip(row): bad[0] += 1; return 'skip'
# Types inferred (a typed read fails on the first bad value); date from the text, bad → null.
t = pc.read_csv(csv, parse_options=pc.ParseOptions(invalid_row_handler=skip),
                convert_options=pc.ConvertOptions(column_types={'event_time': pa.string()}))
day = pcc.strptime(pcc.utf8_slice_codeunits(t['event_time'], 0, 10), format='%Y-%m-%d', unit='s', error_is_null=True)
t = t.append_column('date', pcc.cast(day, pa.date32()))
ds.write_dataset(t, out, format='parquet', partitioning=['date'], partitioning_flavor='hive',
                 existing_data_behavior='overwrite_or_ignore', max_partitions=4096)
PY

# One thread: every engine pinned to one CPU (their thread settings alone leave helper threads).
if [ "$THREADS" = 1 ]; then PIN="taskset -c 0 "; else PIN=""; fi
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/ingest.json" \
  --prepare "rm -rf $OUT/lakeq" --prepare "rm -rf $OUT/duckdb" --prepare "rm -rf $OUT/pyarrow" \
  -n lakeq   "${PIN}env LAKEQ_THREADS=$THREADS $LAKEQ ingest $CSV --table events --lake $OUT/lakeq --schema $HERE/examples/events.schema.json --partition-by date --threads $THREADS" \
  -n duckdb  "${PIN}python3 $OUT/duck.py $CSV $OUT/duckdb $THREADS" \
  -n pyarrow "${PIN}python3 $OUT/pa.py $CSV $OUT/pyarrow $THREADS" > "$OUT/ingest.txt"

# The last lakeq run's table: what it committed and quarantined.
"$LAKEQ" --lake "$OUT/lakeq" --format csv "select count(*) from events" | tail -1 | sed 's/^/lakeq committed rows: /'
echo "lakeq quarantined rows: $(cat "$OUT"/lakeq/_quarantine/events/*.jsonl | wc -l)"
python3 - "$OUT/ingest.json" "$LINES" "$THREADS" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]; rows = int(sys.argv[2]); t = sys.argv[3]
med = {r["command"]: r["median"] for r in res}
notes = {"lakeq": "validation on, Delta commit, quarantine", "duckdb": "ignore_errors, no rule checks",
         "pyarrow": "types inferred; only rows with a wrong field count skipped"}
for r in res:
    print(f"threads={t} {r['command']:8s} median {r['median']:6.2f}s (min {r['min']:.2f} max {r['max']:.2f})  "
          f"{rows / r['median']:>11,.0f} rows/s  cpu user {r['user']:.2f}s  ({notes[r['command']]})")
for other in ("duckdb", "pyarrow"):
    print(f"threads={t} lakeq vs {other}: {med[other] / med['lakeq']:.2f}x (peer median / lakeq median)")
PY

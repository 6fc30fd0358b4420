#!/usr/bin/env bash
# Whole-process decode comparison: `lakeq scan` against pyarrow.parquet.read_table, on the
# 10M-row viewing-events dataset (single ZSTD file and the SNAPPY Hive lake).
#
#   Benchmarks/compare_scan.sh [DATA_DIR] [LAKEQ_BINARY]
#
# DATA_DIR defaults to /tmp/lakebench/d10m (make it with
#   python3 /work/shared/bench/gen_events.py --rows 10000000 --seed 1 --out /tmp/lakebench/d10m --formats lake,single);
# LAKEQ_BINARY defaults to .build/release/lakeq of the package root. Needs hyperfine,
# taskset and python3 with pyarrow. Env: RUNS (default 5), THREADS (default "1 2").
# One CPU: both pinned to CPU 0 and single-threaded. N threads: pinned to CPUs 0..N-1,
# lakeq --threads N, pyarrow use_threads=True (it sizes its pool from the affinity mask).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data="${1:-/tmp/lakebench/d10m}"
lakeq="${2:-$root/.build/release/lakeq}"
runs="${RUNS:-5}"
[ -f "$data/events.parquet" ] || { echo "no dataset at $data (see the header of $0)" >&2; exit 1; }
[ -x "$lakeq" ] || { echo "no lakeq binary at $lakeq (swift build -c release)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }

dicts="['show','show_type','genre','device','country']"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

median() {  # median of hyperfine's JSON export
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.3f' % r['median'])" "$1"
}

printf '%-8s %-8s %10s %10s %8s\n' dataset threads lakeq_s pyarrow_s ratio
for threads in ${THREADS:-1 2}; do
    cpus="0-$((threads - 1))"
    use_threads=$([ "$threads" = 1 ] && echo False || echo True)
    for which in single lake; do
        if [ "$which" = single ]; then
            path="$data/events.parquet"; extra=""
        else
            path="$data/lake/events"; extra="partitioning='hive', "
        fi
        py="import pyarrow.parquet as pq; pq.read_table('$path', ${extra}read_dictionary=$dicts, use_threads=$use_threads)"
        hyperfine -N -w 1 -r "$runs" --export-json "$tmp/l.json" \
            "taskset -c $cpus $lakeq scan $path --threads $threads" >/dev/null
        hyperfine -w 1 -r "$runs" --export-json "$tmp/p.json" \
            "taskset -c $cpus python3 -c \"$py\"" >/dev/null
        l=$(median "$tmp/l.json"); p=$(median "$tmp/p.json")
        printf '%-8s %-8s %10s %10s %8s\n' "$which" "$threads" "$l" "$p" \
            "$(python3 -c "print('%.2fx' % ($l / $p))")"
    done
done

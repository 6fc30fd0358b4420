#!/usr/bin/env bash
# Decode speed of a nested column: sessions with a list of playback segments
# (list<struct<start int64, end int64, bitrate_kbps int32>>, 0-7 per session) written by
# pyarrow, `lakeq scan` against pyarrow.parquet.read_table, both pinned to one CPU.
#
#   Benchmarks/nested_decode.sh [FILE] [LAKEQ_BINARY]
#
# FILE (default /tmp/lakebench/segments.parquet, ROWS sessions, default 1M) is written when
# missing. Needs hyperfine, taskset, python3 with numpy and pyarrow. Env: ROWS, RUNS (default 7).
# Prints wall medians (hyperfine) and CPU-time medians (robust on a loaded machine) and `uptime`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
file="${1:-/tmp/lakebench/segments.parquet}"
lakeq="${2:-$root/.build/release/lakeq}"
runs="${RUNS:-7}"
if [ ! -f "$file" ]; then
    mkdir -p "$(dirname "$file")"
    python3 - "$file" "${ROWS:-1000000}" <<'PY'
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
offsets = np.concatenate([[0], np.cumsum(rng.integers(0, 8, n))]).astype(np.int32)
m = int(offsets[-1])
seg = pa.StructArray.from_arrays([pa.array(rng.integers(0, 7200, m), pa.int64()), pa.array(rng.integers(0, 7200, m), pa.int64()),
                                  pa.array(rng.integers(200, 8000, m).astype(np.int32))], names=["start", "end", "bitrate_kbps"])
t = pa.table({"session_id": pa.array(np.arange(n), pa.int64()), "user_id": pa.array(rng.integers(0, 1_000_000, n), pa.int64()),
              "segments": pa.ListArray.from_arrays(pa.array(offsets), seg)})
pq.write_table(t, path, row_group_size=131072)
PY
fi
echo "load: $(uptime)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
hyperfine -N -w 1 -r "$runs" --export-json "$tmp/l.json" "taskset -c 0 $lakeq scan $file --columns segments --threads 1" >/dev/null
hyperfine -w 1 -r "$runs" --export-json "$tmp/p.json" \
    "taskset -c 0 python3 -c \"import pyarrow.parquet as pq; pq.read_table('$file', columns=['segments'], use_threads=False)\"" >/dev/null
# pyarrow's interpreter start and import are subtracted (measured alone), so only the read counts.
hyperfine -w 1 -r "$runs" --export-json "$tmp/i.json" "taskset -c 0 python3 -c \"import pyarrow.parquet\"" >/dev/null
python3 - "$tmp/l.json" "$tmp/p.json" "$tmp/i.json" <<'PY'
import json, sys
l, p, i = (json.load(open(a))["results"][0] for a in sys.argv[1:4])
for k in ("median", "user", "system"): p[k] -= i[k]
print("wall median: lakeq %.3f s, pyarrow %.3f s, ratio %.2fx" % (l["median"], p["median"], l["median"] / p["median"]))
print("cpu (mean user+sys): lakeq %.3f s, pyarrow %.3f s, ratio %.2fx" % (l["user"] + l["system"], p["user"] + p["system"], (l["user"] + l["system"]) / (p["user"] + p["system"])))
PY
echo "load after: $(uptime)"

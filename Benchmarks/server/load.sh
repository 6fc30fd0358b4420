#!/usr/bin/env bash
# Load on `lakeq serve` beside ROAPI on the same `lakeq gen` lake, with wrk on loopback:
#   1. POST /v1/query with Q2, uncached (the service runs with --cache-bytes 0: every request
#      runs the query; tables and footers stay open), and ROAPI's POST /api/sql with Q2;
#   2. a cached analytics call (GET /v1/analytics/top-shows), served from the result cache;
#   3. POST /v1/events, 16 clients sending 1,000 events per request;
# each at 1, 16 and 64 connections (events at 16), then the service's RSS, and SIGTERM during
# load and during intake (exit status, the table reads, no half request).
#
#   bash Benchmarks/server/load.sh [--rows 1000000] [--seconds 10] [--out /tmp/lakeq-load]
#       [--lakeq BIN] [--serve-arg ARG]... [--q2-only]
# (--lakeq: another binary than .build/release/lakeq; --serve-arg: one more argument for the
# uncached Q2 service, e.g. --serve-arg --dictionary-cache-bytes --serve-arg 0; --q2-only: stop
# after the Q2 runs.)
#
# Needs a release build (swift build -c release), wrk (apt-get install wrk) and roapi
# (pip install roapi). Prints one table; writes raw wrk output under OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=1000000
SECONDS_PER_RUN=10
OUT=/tmp/lakeq-load
LAKEQ=$(pwd)/.build/release/lakeq
SERVE_ARGS=()
Q2_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS="$2"; shift 2 ;;
        --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --lakeq) LAKEQ="$2"; shift 2 ;;
        --serve-arg) SERVE_ARGS+=("$2"); shift 2 ;;
        --q2-only) Q2_ONLY=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$LAKEQ" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
command -v roapi >/dev/null || { echo "needs roapi (pip install roapi)" >&2; exit 1; }
mkdir -p "$OUT"
PRISTINE="$OUT/lake-$ROWS"
if [ ! -d "$PRISTINE/events/_delta_log" ]; then
    rm -rf "$PRISTINE"
    "$LAKEQ" gen --rows "$ROWS" --out "$PRISTINE" >/dev/null
fi
# Every run starts from the generated lake (event intake adds commits and files).
LAKE="$OUT/run"
rm -rf "$LAKE"; cp -a "$PRISTINE" "$LAKE"
KEYS="$OUT/keys.json"
rm -f "$KEYS"
KEY=$("$LAKEQ" keys add load --role admin --keys "$KEYS")
Q2='SELECT show, avg(watch) AS avg_watch FROM events GROUP BY show ORDER BY avg_watch DESC, show LIMIT 10'
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$1/$2" && return 0; sleep 0.1; done; echo "port $1 never answered" >&2; exit 1; }

# wrk Lua scripts: method, body and headers.
cat > "$OUT/q2.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"sql": "$Q2"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
EOF
cat > "$OUT/roapi.lua" <<EOF
wrk.method = "POST"
wrk.body = "$Q2"
EOF
cat > "$OUT/cached.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $KEY"
EOF
python3 - "$OUT/events.json" <<'EOF'
import json, sys, random
random.seed(7)
shows = ["Eternal Rain", "Glass Detectives", "The Long Night", "Comma, Inc."]
out = []
for i in range(1000):
    duration = float(20 + i % 100)
    watch = round(random.random() * duration, 3)
    day = 15  # live intake: the events of one day (one partition per commit)
    out.append({"event_id": 10_000_000 + i, "user_id": 1 + (i * 7919) % 1_000_000, "show": shows[i % 4],
                "show_type": "series" if i % 3 == 0 else "movie", "genre": "Drama",
                "season": 1 + i % 10 if i % 3 == 0 else None, "episode": 1 + i % 24 if i % 3 == 0 else None,
                "event_time": f"2026-01-{day:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i:06d}Z",
                "watch": watch, "duration": duration, "completed": watch >= 0.9 * duration,
                "device": ["tv", "mobile", "web", "tablet", "console"][i % 5], "country": ["US", "GB", "DE", "IS"][i % 4],
                "rating": None if i % 7 else 1 + i % 5, "bitrate_kbps": 235 + (i * 31) % 15000})
json.dump(out, open(sys.argv[1], "w"))
EOF
cat > "$OUT/events.lua" <<EOF
local f = io.open("$OUT/events.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
EOF

# CPU seconds a process has used (user + system).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# One wrk run against the server PID: prints "req/s p50 p99 non2xx cores req/cpu-s" (latencies
# in ms; cores = CPU the server used during the run; req/cpu-s = requests per CPU second of
# the server, a figure the rest of the machine's load does not change much).
run_wrk() { # conns url script name pid
    local c=$1 url=$2 script=$3 name=$4 pid=$5
    local t=$(( c < 2 ? 1 : 2 ))
    local before; before=$(cpu_seconds "$pid")
    wrk -t"$t" -c"$c" -d"${SECONDS_PER_RUN}s" --timeout 30s --latency -s "$script" "$url" > "$OUT/$name-c$c.txt" 2>&1 || true
    local after; after=$(cpu_seconds "$pid")
    python3 - "$OUT/$name-c$c.txt" "$before" "$after" "$SECONDS_PER_RUN" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
cpu = float(sys.argv[3]) - float(sys.argv[2])
cores = cpu / float(sys.argv[4])
def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v if u == "ms" else v * 1000 if u == "s" else v * 60000
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
p50 = re.search(r"^\s+50%\s+(\S+)", t, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
errs = re.search(r"Socket errors:.*", t)
r = float(rps.group(1)) if rps else 0
per_cpu = r * float(sys.argv[4]) / cpu if cpu > 0 else 0
print(f"{r:.1f} {ms(p50.group(1)) if p50 else float('nan'):.2f} {ms(p99.group(1)) if p99 else float('nan'):.2f} {bad.group(1) if bad else 0} {cores:.2f} {per_cpu:.1f}{' ' + errs.group(0).replace(' ', '_') if errs else ''}")
EOF
}

start_lakeq() { # port extra-args...; sets SERVER_PID
    local port=$1; shift
    "$LAKEQ" serve --lake "$LAKE" --keys "$KEYS" --addr "127.0.0.1:$port" --log-level warning --audit-log "$OUT/audit.jsonl" "$@" \
        > "$OUT/serve-$port.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "lake: $ROWS rows ($(du -sh "$LAKE/events" | cut -f1)); wrk ${SECONDS_PER_RUN}s per run"
FMT="%-34s %5s %10s %9s %9s %6s %6s %10s\n"
printf "$FMT" "run" "conns" "req/s" "p50 ms" "p99 ms" "non2xx" "cores" "req/cpu-s"

# 1. Q2 uncached: lakeq (no result cache) and ROAPI.
P1=$(free_port); start_lakeq "$P1" --cache-bytes 0 "${SERVE_ARGS[@]}"; PID1=$SERVER_PID; wait_port "$P1" healthz
P2=$(free_port)
roapi --addr-http "127.0.0.1:$P2" --table "events=$LAKE/events,format=delta,use_memory_table=false" > "$OUT/roapi.log" 2>&1 &
ROAPI_PID=$!; PIDS+=("$ROAPI_PID"); wait_port "$P2" api/schema
curl -s -X POST -d "$Q2" "http://127.0.0.1:$P2/api/sql" > "$OUT/roapi-q2.json"
curl -s -X POST -H "Authorization: Bearer $KEY" -d "{\"sql\": \"$Q2\"}" "http://127.0.0.1:$P1/v1/query" > "$OUT/lakeq-q2.json"
for c in 1 16 64; do
    printf "$FMT" "lakeq POST /v1/query Q2 uncached" "$c" $(run_wrk "$c" "http://127.0.0.1:$P1/v1/query" "$OUT/q2.lua" lakeq-q2 "$PID1")
    printf "$FMT" "roapi POST /api/sql Q2" "$c" $(run_wrk "$c" "http://127.0.0.1:$P2/api/sql" "$OUT/roapi.lua" roapi-q2 "$ROAPI_PID")
done
kill "$ROAPI_PID"; wait "$ROAPI_PID" 2>/dev/null || true
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Q2 service RSS after its runs: $(( $(ps -o rss= -p "$PID1") / 1024 )) MiB"
kill -TERM "$PID1"; wait "$PID1" 2>/dev/null || true
[ "$Q2_ONLY" = 1 ] && exit 0

# 2. Cached analytics (result cache on).
P3=$(free_port); start_lakeq "$P3"; PID3=$SERVER_PID; wait_port "$P3" healthz
CACHED="http://127.0.0.1:$P3/v1/analytics/top-shows?by=views&limit=10"
curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$CACHED"
for c in 1 16 64; do
    printf "$FMT" "lakeq GET top-shows cached" "$c" $(run_wrk "$c" "$CACHED" "$OUT/cached.lua" cached "$PID3")
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# 3. Event intake: 16 clients x 1,000 events per request.
ROWS_BEFORE=$(curl -s -H "Authorization: Bearer $KEY" -X POST -d '{"sql": "SELECT count(*) FROM events"}' "http://127.0.0.1:$P3/v1/query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0][0])')
read -r RPS P50 P99 BAD CORES PERCPU REST <<< "$(run_wrk 16 "http://127.0.0.1:$P3/v1/events" "$OUT/events.lua" events "$PID3")"
printf "%-34s %5s %10s %9s %9s %6s %6s %10s   = %.0f events/s\n" "lakeq POST /v1/events x1000" 16 "$RPS" "$P50" "$P99" "$BAD" "$CORES" "$PERCPU" "$(python3 -c "print($RPS * 1000)")"
ROWS_AFTER=$(curl -s -H "Authorization: Bearer $KEY" -X POST -d '{"sql": "SELECT count(*) FROM events"}' "http://127.0.0.1:$P3/v1/query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0][0])')
echo "events table: $ROWS_BEFORE -> $ROWS_AFTER rows ($(( (ROWS_AFTER - ROWS_BEFORE) / 1000 )) requests of 1,000 committed)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "service RSS after the runs: $(( $(ps -o rss= -p "$PID3") / 1024 )) MiB"

# 4. SIGTERM during query load and during intake.
wrk -t2 -c16 -d5s -s "$OUT/q2.lua" "http://127.0.0.1:$P3/v1/query" > /dev/null 2>&1 &
WRK=$!
sleep 2; kill -TERM "$PID3"; set +e; wait "$PID3"; STATUS=$?; set -e
wait "$WRK" 2>/dev/null || true
echo "SIGTERM during query load: exit $STATUS"
P4=$(free_port); start_lakeq "$P4" --commit-interval 100; PID4=$SERVER_PID; wait_port "$P4" healthz
BEFORE=$(curl -s -H "Authorization: Bearer $KEY" -X POST -d '{"sql": "SELECT count(*) FROM events"}' "http://127.0.0.1:$P4/v1/query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0][0])')
wrk -t2 -c16 -d5s -s "$OUT/events.lua" "http://127.0.0.1:$P4/v1/events" > "$OUT/events-sigterm.txt" 2>&1 &
WRK=$!
sleep 2; kill -TERM "$PID4"; set +e; wait "$PID4"; STATUS=$?; set -e
wait "$WRK" 2>/dev/null || true
AFTER=$("$LAKEQ" --lake "$LAKE" --format csv "SELECT count(*) FROM events" | tail -1)
echo "SIGTERM during intake: exit $STATUS; table $BEFORE -> $AFTER rows; whole requests: $(( (AFTER - BEFORE) % 1000 == 0 ))"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

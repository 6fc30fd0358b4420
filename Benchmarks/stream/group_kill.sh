#!/usr/bin/env bash
# Must show: two stream processes in one group, one killed mid-way: the other takes over its
# partitions; exactly once. usage: group_kill.sh [ROWS] [RATE]
source "$(dirname "$0")/common.sh"
ROWS=${1:-400000}; RATE=${2:-20000}
"$LAKEQ" produce --brokers "$BROKERS" --topic events --partitions 4 --rows "$ROWS" --rate "$RATE" --bad-rate 0.001 --json \
  > "$WORK/produce.json" 2>/dev/null &
PRODUCER=$!
ARGS=(stream --brokers "$BROKERS" --topic events --group bench --table events --lake "$WORK/lake" --schema "$SCHEMA"
      --partition-by date --max-latency 1s --status-interval 2 --kafka-option session.timeout.ms=6000 --kafka-option heartbeat.interval.ms=1000)
"$LAKEQ" "${ARGS[@]}" >"$WORK/a.log" 2>&1 & A=$!
"$LAKEQ" "${ARGS[@]}" >"$WORK/b.log" 2>&1 & B=$!
sleep 8
kill -9 "$A"; wait "$A" 2>/dev/null || true
echo "killed A at $(date +%T); A's last line: $(grep -a assigned "$WORK/a.log" | tail -1)"
wait "$PRODUCER"
cat "$WORK/produce.json"
BAD=$(python3 -c "import json; print(json.load(open('$WORK/produce.json'))['bad'])")
# B drains what is left; then it is stopped gracefully.
python3 - "$WORK/lake" "$ROWS" <<'PY'
import glob, json, sys, time
lake, total = sys.argv[1], int(sys.argv[2])
until = time.time() + 300
while time.time() < until:
    n = 0
    for f in glob.glob(f"{lake}/events/_delta_log/*.json"):
        for line in open(f):
            n += json.loads(line).get("commitInfo", {}).get("lakeqStream", {}).get("messages", 0)
    if n >= total: break
    time.sleep(0.5)
print("committed messages:", n)
PY
kill -TERM "$B"; wait "$B"; echo "B exited with $?"
grep -a "assigned" "$WORK/b.log" | sed 's/.*| /B: /'
python3 "$HERE/verify.py" "$LAKEQ" "$WORK/lake" "$ROWS" "$BAD"
echo "# load after: $(uptime | sed 's/.*load average: //')"

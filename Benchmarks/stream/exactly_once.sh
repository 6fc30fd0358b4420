#!/usr/bin/env bash
# Must show: 1M events with 0.1% bad on a 4-partition topic; `lakeq stream --stop-at-end`;
# every good event exactly once in the table, every bad message once in the quarantine;
# delta-rs and lakeq's SQL agree. usage: exactly_once.sh [ROWS] [BAD_RATE]
source "$(dirname "$0")/common.sh"
ROWS=${1:-1000000}; BAD=${2:-0.001}
"$LAKEQ" produce --brokers "$BROKERS" --topic events --partitions 4 --rows "$ROWS" --bad-rate "$BAD" --json > "$WORK/produce.json"
cat "$WORK/produce.json"
EXPECTED_BAD=$(python3 -c "import json; print(json.load(open('$WORK/produce.json'))['bad'])")
/usr/bin/time -f "stream wall %e s, user %U s, sys %S s, max RSS %M KB" \
  "$LAKEQ" stream --brokers "$BROKERS" --topic events --group bench --table events --lake "$WORK/lake" \
  --schema "$SCHEMA" --partition-by date --stop-at-end --json --status-interval 5
python3 "$HERE/verify.py" "$LAKEQ" "$WORK/lake" "$ROWS" "$EXPECTED_BAD"
echo "# load after: $(uptime | sed 's/.*load average: //')"

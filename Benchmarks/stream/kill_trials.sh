#!/usr/bin/env bash
# Must show: kill -9 of the stream at random moments while events are produced continuously
# (TRIALS trials, default 20), then a final --stop-at-end run: each event exactly once in the
# table or the quarantine. usage: kill_trials.sh [TRIALS] [ROWS] [RATE]
source "$(dirname "$0")/common.sh"
TRIALS=${1:-20}; ROWS=${2:-600000}; RATE=${3:-20000}
"$LAKEQ" produce --brokers "$BROKERS" --topic events --partitions 4 --rows "$ROWS" --rate "$RATE" --bad-rate 0.001 --json \
  > "$WORK/produce.json" 2>/dev/null &
PRODUCER=$!
sleep 2
ARGS=(stream --brokers "$BROKERS" --topic events --group bench --table events --lake "$WORK/lake" --schema "$SCHEMA"
      --partition-by date --max-latency 500ms --kafka-option session.timeout.ms=6000 --kafka-option heartbeat.interval.ms=1000)
for i in $(seq "$TRIALS"); do
  "$LAKEQ" "${ARGS[@]}" >"$WORK/trial$i.log" 2>&1 &
  pid=$!
  # A random moment 2.5-6.5 s in (the group join takes ~3 s with this session timeout).
  sleep "$(python3 -c 'import random; print(round(random.uniform(2.5, 6.5), 2))')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  v=$(ls "$WORK/lake/events/_delta_log" 2>/dev/null | grep -c '^[0-9]*\.json$' || true)
  echo "trial $i: killed at version $((v - 1))"
done
wait "$PRODUCER"
cat "$WORK/produce.json"
BAD=$(python3 -c "import json; print(json.load(open('$WORK/produce.json'))['bad'])")
"$LAKEQ" "${ARGS[@]}" --stop-at-end --json
python3 "$HERE/verify.py" "$LAKEQ" "$WORK/lake" "$ROWS" "$BAD"
echo "# orphan data files left by the kills (vacuum removes them): $(find "$WORK/lake/events" -name 'part-*.parquet' | wc -l) files on disk"
echo "# load after: $(uptime | sed 's/.*load average: //')"

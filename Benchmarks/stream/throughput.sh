#!/usr/bin/env bash
# Throughput: drain a pre-filled ROWS-event topic (default 5M, 4 partitions) into the
# date-partitioned table with validation on, side by side with (a) a read-only librdkafka
# consumer (confluent-kafka) and (b) a Python pipeline. Rates are measured from each one's
# first message (the group join before it is the broker's, the same for all); wall clocks too.
# usage: throughput.sh [ROWS] [RUNS]
source "$(dirname "$0")/common.sh"
ROWS=${1:-5000000}; RUNS=${2:-1}
"$LAKEQ" produce --brokers "$BROKERS" --topic events --partitions 4 --rows "$ROWS" --bad-rate 0.001 --json
for run in $(seq "$RUNS"); do
  echo "## run $run, load: $(uptime | sed 's/.*load average: //')"
  python3 "$HERE/consume_only.py" "$BROKERS" events "$ROWS"
  rm -rf "$WORK/lake"
  "$LAKEQ" stream --brokers "$BROKERS" --topic events --group "lakeq-$run" --table events --lake "$WORK/lake" --schema "$SCHEMA" \
    --partition-by date --stop-at-end --json --status-interval 10 2>"$WORK/stream-$run.log" | python3 -c '
import json, sys; o = json.loads(sys.stdin.read()); f = o["first_message_seconds"]
print(json.dumps({"peer": "lakeq stream", "messages": o["messages"], "rows": o["rows_committed"], "bad": o["quarantined"], "commits": o["commits"],
  "wall_s": round(o["seconds"], 3), "from_first_message_s": round(o["seconds"] - f, 3), "msgs_per_s": round(o["messages"] / (o["seconds"] - f))}))'
  rm -rf "$WORK/pylake" "$WORK/pylake-quarantine.jsonl"
  python3 "$HERE/python_pipeline.py" "$BROKERS" events "$ROWS" "$WORK/pylake"
done
echo "# load after: $(uptime | sed 's/.*load average: //')"

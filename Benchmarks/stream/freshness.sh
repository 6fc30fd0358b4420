#!/usr/bin/env bash
# Must show: produce-to-visible delay at a steady RATE (default 20000 events/s) with
# --max-latency 1s, p50 and p99. usage: freshness.sh [RATE] [SECONDS]
source "$(dirname "$0")/common.sh"
python3 "$HERE/freshness.py" "$LAKEQ" "$BROKERS" "$WORK" "$SCHEMA" "${1:-20000}" "${2:-60}"
echo "# load after: $(uptime | sed 's/.*load average: //')"

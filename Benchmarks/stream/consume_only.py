"""Peer (a): a consumer that only reads the messages through librdkafka (confluent-kafka),
in batches, in a consumer group. usage: consume_only.py BROKERS TOPIC TOTAL"""
import json, sys, time
from confluent_kafka import Consumer
brokers, topic, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.time()
c = Consumer({"bootstrap.servers": brokers, "group.id": f"peer-a-{time.time()}", "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 10000, "heartbeat.interval.ms": 2000,
              "max.partition.fetch.bytes": 8 << 20, "fetch.max.bytes": 64 << 20, "queued.max.messages.kbytes": 256 << 10})
c.subscribe([topic])
n = 0; nbytes = 0; first = None
while n < total:
    for m in c.consume(num_messages=10000, timeout=1.0):
        if m.error(): continue
        if first is None: first = time.time()
        n += 1; nbytes += len(m.value())
end = time.time()
c.close()
print(json.dumps({"peer": "confluent-kafka read-only", "messages": n, "bytes": nbytes, "wall_s": round(end - t0, 3),
                  "from_first_message_s": round(end - first, 3), "msgs_per_s": round(n / (end - first))}))

"""Peer (b): the pipeline a Python team would write: confluent-kafka, json parsing, the
schema's rules checked per row, pyarrow, deltalake.write_deltalake per batch (append,
partitioned by date), bad rows to a JSON Lines quarantine, offsets committed after the write.
usage: python_pipeline.py BROKERS TOPIC TOTAL TABLE_URI [BATCH_ROWS]"""
import datetime as dt, json, re, sys, time
import pyarrow as pa
from confluent_kafka import Consumer
from deltalake import write_deltalake

brokers, topic, total, uri = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
batch_rows = int(sys.argv[5]) if len(sys.argv) > 5 else 500_000
schema = pa.schema([("event_id", pa.int64(), False), ("user_id", pa.int64(), False), ("show", pa.string(), False),
                    ("show_type", pa.string(), False), ("genre", pa.string(), False), ("season", pa.int32()), ("episode", pa.int32()),
                    ("event_time", pa.timestamp("us", tz="UTC"), False), ("watch", pa.float64(), False), ("duration", pa.float64(), False),
                    ("completed", pa.bool_(), False), ("device", pa.string(), False), ("country", pa.string(), False),
                    ("rating", pa.int32()), ("bitrate_kbps", pa.int32(), False), ("date", pa.date32(), False)])
names = [f.name for f in schema][:-1]
SHOW_TYPES = {"movie", "series", "documentary", "special"}; DEVICES = {"tv", "mobile", "web", "tablet", "console"}
COUNTRY = re.compile(r"^[A-Z]{2}$")
LO = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc); HI = dt.datetime(2026, 1, 31, tzinfo=dt.timezone.utc)

def check(o):
    if not isinstance(o, dict) or set(o) != set(names): return "fields"
    for k in ("event_id", "user_id", "bitrate_kbps"):
        if type(o[k]) is not int: return k
    for k in ("season", "episode", "rating"):
        if o[k] is not None and type(o[k]) is not int: return k
    for k in ("watch", "duration"):
        if type(o[k]) not in (int, float): return k
    if type(o["completed"]) is not bool: return "completed"
    for k in ("show", "show_type", "genre", "device", "country", "event_time"):
        if type(o[k]) is not str: return k
    if o["event_id"] < 1 or not 1 <= o["user_id"] <= 1_000_000: return "range"
    if o["show_type"] not in SHOW_TYPES or o["device"] not in DEVICES or not COUNTRY.match(o["country"]): return "allowed"
    if o["season"] is not None and not 1 <= o["season"] <= 10: return "season"
    if o["episode"] is not None and not 1 <= o["episode"] <= 24: return "episode"
    if o["rating"] is not None and not 1 <= o["rating"] <= 5: return "rating"
    if not 235 <= o["bitrate_kbps"] <= 16000: return "bitrate"
    t = dt.datetime.fromisoformat(o["event_time"].replace("Z", "+00:00"))
    if not LO <= t < HI: return "event_time"
    if not 0 <= o["duration"] or not 0 <= o["watch"] <= o["duration"]: return "watch"
    if o["completed"] != (o["watch"] >= 0.9 * o["duration"]): return "completed"
    o["event_time"] = t; o["date"] = t.date()
    return None

t0 = time.time()
c = Consumer({"bootstrap.servers": brokers, "group.id": f"peer-b-{time.time()}", "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 10000, "heartbeat.interval.ms": 2000,
              "max.partition.fetch.bytes": 8 << 20, "fetch.max.bytes": 64 << 20, "queued.max.messages.kbytes": 256 << 10})
c.subscribe([topic])
n = good = bad = 0; first = None
quarantine = open(uri.rstrip("/") + "-quarantine.jsonl", "w")
while n < total:
    rows = []; opened = None; last = {}
    while len(rows) < batch_rows and n < total and (opened is None or time.time() - opened < 5):
        for m in c.consume(num_messages=10000, timeout=0.5):
            if m.error(): continue
            if first is None: first = time.time()
            if opened is None: opened = time.time()
            n += 1; last[m.partition()] = m
            try:
                o = json.loads(m.value()); why = check(o)
            except Exception as e:
                o, why = None, f"malformed: {e}"
            if why is None: rows.append(o)
            else:
                bad += 1
                quarantine.write(json.dumps({"partition": m.partition(), "offset": m.offset(), "raw": m.value().decode("utf-8", "replace"), "reason": why}) + "\n")
    if rows:
        tbl = pa.Table.from_pylist(rows, schema=schema)
        write_deltalake(uri, tbl, mode="append", partition_by=["date"])
        good += len(rows)
    for m in last.values(): c.commit(message=m, asynchronous=True)
end = time.time()
c.close()
print(json.dumps({"peer": "python pipeline (confluent-kafka + json + pyarrow + write_deltalake)", "messages": n, "rows": good, "bad": bad,
                  "wall_s": round(end - t0, 3), "from_first_message_s": round(end - first, 3), "msgs_per_s": round(n / (end - first))}))

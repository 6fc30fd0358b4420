#!/usr/bin/env python3
"""Writes the pyarrow-made nested tables of the `pyarrow/*.test` sqllogictest files into LAKE.

    python3 Tests/sql/pyarrow/write_fixture.py LAKE

- `pa_events`: 1000 viewing sessions (row groups of 200): session_id 1..1000 ascending,
  user_id 1..40, segments list<struct<start int64, end int64, bitrate_kbps int32>> (0..5
  per session; a NULL list every 19th, a NULL segment every 23rd, a NULL bitrate every 7th),
  player struct<name string, version int32> (version = session_id // 50; NULL every 31st).
- `pa_shapes`: 60 rows of other shapes: id, ll list<list<int64>>, s struct<tags list<string>,
  n struct<x double>>, m map<string, int64>, big large_list<string>; NULLs at every level and
  empty lists. Strings are dictionary-encoded (pyarrow's default).
- `pa_mixed`: two files, the second with the legacy list naming (`item`), over int16 and float32.
"""
import os
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq

lake = sys.argv[1]
rng = random.Random(42)

segment = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("bitrate_kbps", pa.int32())])
rows = []
for i in range(1, 1001):
    if i % 19 == 0:
        segs = None
    else:
        segs, t = [], rng.randrange(100)
        for k in range(rng.randrange(6)):
            if i % 23 == 0 and k == 1:
                segs.append(None)
                continue
            length = 1 + rng.randrange(90)
            segs.append({"start": t, "end": t + length, "bitrate_kbps": None if i % 7 == 0 else 250 * (1 + rng.randrange(16))})
            t += length
    player = None if i % 31 == 0 else {"name": rng.choice(["exo", "avplayer", "shaka"]), "version": i // 50}
    rows.append((i, 1 + rng.randrange(40), segs, player))
events = pa.table({
    "session_id": pa.array([r[0] for r in rows], pa.int64()),
    "user_id": pa.array([r[1] for r in rows], pa.int64()),
    "segments": pa.array([r[2] for r in rows], pa.list_(segment)),
    "player": pa.array([r[3] for r in rows], pa.struct([("name", pa.string()), ("version", pa.int32())])),
})
os.makedirs(f"{lake}/pa_events", exist_ok=True)
pq.write_table(events, f"{lake}/pa_events/part-0.parquet", row_group_size=200)

ids, ll, s, m, big = [], [], [], [], []
for i in range(60):
    ids.append(i)
    ll.append(None if i % 11 == 0 else [None if (i + j) % 9 == 0 else [rng.randrange(100) for _ in range(rng.randrange(4))] for j in range(rng.randrange(4))])
    if i % 13 == 0:
        s.append(None)
    else:
        tags = None if i % 5 == 0 else [None if (i + k) % 6 == 0 else rng.choice(["a", "b", "c", ""]) for k in range(rng.randrange(4))]
        s.append({"tags": tags, "n": None if i % 4 == 0 else {"x": None if i % 8 == 2 else i / 4}})
    m.append(None if i % 10 == 0 else [(k, None if (i + len(k)) % 7 == 0 else i * len(k)) for k in rng.sample(["a", "bb", "ccc", "dddd"], rng.randrange(4))])
    big.append(None if i % 12 == 0 else [rng.choice(["x", "y", "zz"]) for _ in range(rng.randrange(3))])
shapes = pa.table({
    "id": pa.array(ids, pa.int64()),
    "ll": pa.array(ll, pa.list_(pa.list_(pa.int64()))),
    "s": pa.array(s, pa.struct([("tags", pa.list_(pa.string())), ("n", pa.struct([("x", pa.float64())]))])),
    "m": pa.array(m, pa.map_(pa.string(), pa.int64())),
    "big": pa.array(big, pa.large_list(pa.string())),
})
os.makedirs(f"{lake}/pa_shapes", exist_ok=True)
pq.write_table(shapes, f"{lake}/pa_shapes/part-0.parquet", row_group_size=25)

# `pa_mixed`: two files of one table, the second written with pyarrow's legacy list naming
# (`item`), over narrow types (int16, float32) that the engine widens.
os.makedirs(f"{lake}/pa_mixed", exist_ok=True)
mixed_type = [("id", pa.int64()), ("vals", pa.list_(pa.int16())), ("f", pa.struct([("x", pa.float32())]))]
for part, compliant in ((0, True), (1, False)):
    ids = list(range(part * 5, part * 5 + 5))
    vals = [None if i == 3 else [i, -i, None][: i % 4] for i in ids]
    f = [None if i == 7 else {"x": i / 2} for i in ids]
    table = pa.table({"id": pa.array(ids, pa.int64()), "vals": pa.array(vals, pa.list_(pa.int16())),
                      "f": pa.array(f, pa.struct([("x", pa.float32())]))})
    pq.write_table(table, f"{lake}/pa_mixed/part-{part}.parquet", use_compliant_nested_type=compliant)

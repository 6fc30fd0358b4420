"""Checks a streamed table: delta-rs reads it; every message is exactly once in the table or
the quarantine; lakeq's SQL agrees with delta-rs on the row count and sums.
usage: verify.py LAKEQ LAKE TOTAL_MESSAGES EXPECTED_BAD(-1: unknown)"""
import glob, json, os, subprocess, sys
import pyarrow.compute as pc
from deltalake import DeltaTable

lakeq, lake, total, bad = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dt = DeltaTable(f"{lake}/events")
t = dt.to_pyarrow_table(columns=["event_id", "watch", "bitrate_kbps"])
ids = t.column("event_id")
rows = t.num_rows
distinct = len(pc.unique(ids))
ours = [rows, pc.sum(ids).as_py(), round(pc.sum(t.column("watch")).as_py(), 3), pc.sum(t.column("bitrate_kbps")).as_py()]
named = set()
for f in glob.glob(f"{lake}/events/_delta_log/*.json"):
    for line in open(f):
        if json.loads(line).get("commitInfo", {}).get("lakeqStream", {}).get("quarantineRows", 0):
            named.add(int(os.path.basename(f)[:20]))
q = []
for f in glob.glob(f"{lake}/_quarantine/events/*.jsonl"):
    if int(os.path.basename(f).split(".")[0]) not in named: continue
    for line in open(f):
        r = json.loads(line)
        assert r["reasons"], r
        q.append((r["partition"], r["offset"]))
sql = subprocess.run([lakeq, "--lake", lake, "--format", "csv",
                      "select count(*), sum(event_id), round(sum(watch), 3), sum(bitrate_kbps) from events"],
                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1].split(",")
lq = [int(sql[0]), int(sql[1]), round(float(sql[2]), 3), int(sql[3])]
ok = distinct == rows and len(q) == len(set(q)) and rows + len(q) == total and (bad < 0 or len(q) == bad) and lq == ours
print(json.dumps({"ok": ok, "rows": rows, "distinct_event_ids": distinct, "quarantined": len(q),
                  "distinct_quarantined": len(set(q)), "messages": total, "expected_bad": bad,
                  "delta_rs": ours, "lakeq_sql": lq, "table_version": dt.version()}))
sys.stdout.flush()
os._exit(0 if ok else 1)

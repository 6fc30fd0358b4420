#!/usr/bin/env python3
r"""The `lakeq` engine of ../shared/bench/anchors.py, through the API service.

anchors.py runs `PATH --lake DIR "SQL"` and reads JSON from stdout. This script answers
that call with POST /v1/query on a running `lakeq serve` ($LAKEQ_URL, key $LAKEQ_KEY, which
should hold the pii grant so user ids come back in clear), twice: once as JSON and once as
an Arrow IPC stream read by pyarrow. The two must be equal value for value (exit 1 with the
first difference otherwise); the JSON is then printed for anchors.py to compare with DuckDB.

    LAKEQ_URL=http://127.0.0.1:8080 LAKEQ_KEY=lq_... ANCHORS_DIR=../shared/bench \
        python3 anchors.py --data DIR --engines duckdb --lakeq Benchmarks/server/lakeq_http.py
"""
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.environ.get("ANCHORS_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "bench")))


def post(url, key, sql, fmt):
    req = urllib.request.Request(url + "/v1/query", data=json.dumps({"sql": sql, "format": fmt}).encode(),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"HTTP {e.code}: {e.read().decode('utf-8', 'replace')[:500]}")


def main():
    if "--version" in sys.argv:
        print("lakeq (HTTP API)")
        return
    args = [a for a in sys.argv[1:]]
    if "--lake" in args:
        i = args.index("--lake")
        del args[i:i + 2]
    sql = args[-1]
    url, key = os.environ["LAKEQ_URL"].rstrip("/"), os.environ["LAKEQ_KEY"]
    import anchors
    import pyarrow.ipc as ipc
    doc = json.loads(post(url, key, sql, "json"))
    if doc.get("truncated"):
        sys.exit("the JSON answer was truncated at the row limit")
    names = [c["name"] for c in doc["columns"]]
    rows = [[anchors.canon_json_value(v) for v in r] for r in doc["rows"]]
    table = ipc.open_stream(post(url, key, sql, "arrow")).read_all()
    arrow_names, arrow_rows = anchors.arrow_rows(table)
    if arrow_names != names:
        sys.exit(f"arrow columns {arrow_names} != json columns {names}")
    if len(arrow_rows) != len(rows):
        sys.exit(f"arrow has {len(arrow_rows)} rows, json {len(rows)}")
    for i, (a, j) in enumerate(zip(arrow_rows, rows)):
        if [anchors.canon_json_value(v) for v in a] != j:
            sys.exit(f"row {i}: arrow {a} != json {j}")
    print(json.dumps({"columns": names, "rows": doc["rows"]}))


if __name__ == "__main__":
    main()

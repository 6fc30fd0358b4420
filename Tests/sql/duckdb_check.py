#!/usr/bin/env python3
"""Checks sqllogictest files of Tests/sql against DuckDB, or fills their results from it.

    LAKEQ_SLT_FIXTURE=/tmp/slt-fixture swift test --filter SQLLogicFixtureExport   # once
    python3 Tests/sql/pyarrow/write_fixture.py /tmp/slt-fixture                      # for pyarrow/*.test
    python3 Tests/sql/duckdb_check.py --fixture /tmp/slt-fixture Tests/sql/*.test   # compare
    python3 Tests/sql/duckdb_check.py --fixture /tmp/slt-fixture --fill FILE.test   # write results

The fixture tables (t, ev, shows, users) are mounted as DuckDB views over the same Parquet
files the Swift runner makes. Records preceded by a line `# lakeq-only` (lakeq syntax or
behaviour DuckDB does not share, see spec/sql.md) are skipped. `PARTITION BY (...)` of
CREATE TABLE AS is dropped before DuckDB sees it. Values print as lakeq prints them
(NULL, (empty), true/false, shortest doubles, ISO timestamps ending in Z).
"""
import argparse
import datetime
import decimal
import math
import re
import sys

import duckdb


def fmt(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        s = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            s += ("." + "%06d" % v.microsecond).rstrip("0")
        return s + "Z"
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, str):
        return v if v != "" else "(empty)"
    if isinstance(v, (list, dict)):
        return nested(v)
    return str(v)


def nested(v):
    """A LIST or STRUCT value as lakeq (and DuckDB's VARCHAR cast) prints it."""
    if v is None:
        return "NULL"
    if isinstance(v, list):
        return "[" + ", ".join(nested(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"'{k}': {nested(x)}" for k, x in v.items()) + "}"
    if isinstance(v, str):
        return v if v != "" else "''"
    return fmt(v)


def parse(path):
    lines = open(path).read().split("\n")
    i, records = 0, []
    lakeq_only = False
    while i < len(lines):
        line = lines[i].strip()
        start = i
        i += 1
        if line == "# lakeq-only":
            lakeq_only = True
            continue
        if not line or line.startswith("#"):
            continue
        if line == "halt":
            break
        words = line.split()
        if words[0] not in ("statement", "query"):
            continue
        sql = []
        while i < len(lines) and lines[i].strip() and lines[i] != "----":
            sql.append(lines[i])
            i += 1
        result_start = None
        result = []
        if i < len(lines) and lines[i] == "----":
            i += 1
            result_start = i
            while i < len(lines) and lines[i] != "":
                result.append(lines[i])
                i += 1
        records.append(dict(kind=words[0], words=words, sql="\n".join(sql), result=result, start=start,
                            result_start=result_start, end=i, lakeq_only=lakeq_only))
        lakeq_only = False
    return lines, records


def duckdb_sql(sql):
    """lakeq's SQL for DuckDB: the column name `show` (a DuckDB keyword) quoted outside strings."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if p.startswith("'") else re.sub(r'(?<!")\bshow\b(?!")', '"show"', p, flags=re.I) for p in parts)


def rows_of(con, sql, sort):
    rows = [[fmt(v) for v in r] for r in con.execute(sql).fetchall()]
    if sort == "rowsort":
        rows.sort()
    elif sort == "valuesort":
        rows = [[v] for v in sorted(v for r in rows for v in r)]
    return rows


def close(a, b, types):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for k, (u, v) in enumerate(zip(x, y)):
            if u == v:
                continue
            if len(x) == len(types) and types[k] == "R":
                try:
                    du, dv = float(u), float(v)
                    if abs(du - dv) <= 1e-9 * max(1, abs(du), abs(dv)):
                        continue
                except ValueError:
                    pass
            return False
    return True


def connect(fixture):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    import os
    for name in sorted(os.listdir(fixture)):
        if name.startswith(".") or not os.path.isdir(os.path.join(fixture, name)):
            continue
        hive = name in ("t", "ev")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{fixture}/{name}/**/*.parquet', hive_partitioning = {str(hive).lower()})")
    return con


TEST_DIR = None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--fill", action="store_true", help="write DuckDB's results into the files (queries only)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    bad = 0
    import tempfile
    global TEST_DIR
    for path in args.files:
        TEST_DIR = tempfile.mkdtemp(prefix="slt-duckdb-")
        con = connect(args.fixture)
        lines, records = parse(path)
        replacements = []
        for r in records:
            if r["lakeq_only"]:
                continue
            sql = duckdb_sql(re.sub(r"PARTITION\s+BY\s*\([^)]*\)", "", r["sql"], flags=re.I)).replace("__TEST_DIR__", TEST_DIR)
            if r["kind"] == "statement":
                try:
                    con.execute(sql)
                    ok = True
                except Exception as e:  # noqa: BLE001
                    ok = False
                    err = str(e).split("\n")[0]
                if ok != (r["words"][1] == "ok"):
                    bad += 1
                    print(f"{path}:{r['start'] + 1}: statement {r['words'][1]} but DuckDB {'succeeded' if ok else 'failed: ' + err}")
                continue
            types = r["words"][1]
            sort = r["words"][2] if len(r["words"]) > 2 else "nosort"
            try:
                rows = rows_of(con, sql, sort)
            except Exception as e:  # noqa: BLE001
                bad += 1
                print(f"{path}:{r['start'] + 1}: DuckDB failed: {str(e).splitlines()[0]}")
                continue
            if args.fill:
                replacements.append((r, ["\t".join(x) for x in rows]))
                continue
            want = [x.split("\t") for x in r["result"]]
            if sort == "rowsort":
                want.sort()
            elif sort == "valuesort":
                want = [[v] for v in sorted(v for x in want for v in x)]
            if not close(rows, want, types):
                bad += 1
                print(f"{path}:{r['start'] + 1}: differs from DuckDB\n  sql: {r['sql']}\n  duckdb: {rows[:8]}\n  file:   {want[:8]}")
        if args.fill and replacements:
            out = list(lines)
            for r, rows in sorted(replacements, key=lambda x: -x[0]["start"]):
                if r["result_start"] is None:
                    continue
                out[r["result_start"]:r["end"]] = rows
            open(path, "w").write("\n".join(out))
    print(f"{bad} difference(s)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

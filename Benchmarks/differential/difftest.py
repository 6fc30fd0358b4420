#!/usr/bin/env python3
"""Differential testing of lakeq against DuckDB: random queries over the sample lake.

    lakeq gen --rows 20000 --out /tmp/difflake            # events, shows, users
    python3 Benchmarks/differential/difftest.py --lakeq .build/release/lakeq \\
        --lake /tmp/difflake --count 10000 [--seed 1] [--threads 2] [--show 20]

Queries are drawn from templates covering filters, aggregates (GROUP BY, HAVING, grouping
sets, FILTER, DISTINCT), joins (inner, left, right, full, cross with the dimension tables),
window functions (ranking, offsets, frames, QUALIFY), subqueries (IN, EXISTS, scalar,
correlated, derived tables, CTEs) and set operations. lakeq runs them in batches through
`lakeq query -` (one process per batch); DuckDB reads the same Delta tables' Parquet files.
Results are compared as multisets of rows (in order when the query orders every output
column), doubles to 9 significant digits. Queries both engines reject count as agreeing;
a query only one rejects is a mismatch. Exit status 1 if any mismatch.

Known dialect differences (spec/sql.md) are avoided by the templates, not filtered out.
"""
import argparse
import datetime
import decimal
import glob
import json
import math
import os
import random
import re
import subprocess
import sys

import duckdb

# Columns by type, per table.
EV = {
    "int": ["event_id", "user_id", "season", "episode", "rating", "bitrate_kbps"],
    "double": ["watch", "duration"],
    "str": ["show", "show_type", "genre", "device", "country"],
    "bool": ["completed"],
    "date": ["date"],
    "ts": ["event_time"],
}
SH = {"int": ["seasons", "release_year"], "double": ["duration"], "str": ["show", "show_type", "genre"]}
US = {"int": ["user_id", "birth_year"], "str": ["country", "plan"], "date": ["signup_date"]}
GROUPABLE = ["show_type", "genre", "device", "country", "rating", "season", "completed", "date"]
CONST = {
    "device": ["tv", "mobile", "web", "tablet", "console"],
    "show_type": ["movie", "series", "documentary", "special"],
    "country": ["US", "BR", "GB", "DE", "FR", "IN", "IS", "NL", "JP"],
    "genre": ["Drama", "Comedy", "Thriller", "Action", "Horror", "Documentary"],
    "plan": ["basic", "standard", "premium"],
}


class Gen:
    def __init__(self, rng):
        self.r = rng

    def pick(self, xs):
        return self.r.choice(xs)

    def num_pred(self, col, alias=""):
        a = alias + col
        kind = self.r.randrange(6)
        ranges = {"event_id": (1, 20000), "user_id": (1, 1000000), "season": (1, 10), "episode": (1, 24), "rating": (1, 5),
                  "bitrate_kbps": (235, 16000), "watch": (0, 200), "duration": (20, 200), "seasons": (1, 10),
                  "release_year": (1950, 2025), "birth_year": (1940, 2010)}
        lo, hi = ranges.get(col, (0, 100))
        v = self.r.randint(lo, hi)
        if kind == 0:
            return f"{a} {self.pick(['<', '<=', '>', '>=', '=', '<>'])} {v}"
        if kind == 1:
            w = self.r.randint(lo, hi)
            return f"{a} BETWEEN {min(v, w)} AND {max(v, w)}"
        if kind == 2:
            return f"{a} IS {'NOT ' if self.r.random() < 0.5 else ''}NULL"
        if kind == 3:
            vals = ", ".join(str(self.r.randint(lo, hi)) for _ in range(self.r.randint(1, 4)))
            return f"{a} {'NOT ' if self.r.random() < 0.3 else ''}IN ({vals})"
        if kind == 4:
            return f"{a} * 2 > {v}"
        return f"coalesce({a}, 0) >= {v}"

    def str_pred(self, col, alias=""):
        a = alias + col
        vals = CONST.get(col)
        kind = self.r.randrange(5)
        if vals and kind < 2:
            return f"{a} = '{self.pick(vals)}'"
        if vals and kind == 2:
            return f"{a} IN ({', '.join(repr(v) for v in self.r.sample(vals, min(len(vals), 2)))})".replace('"', "'")
        if kind == 3:
            return f"{a} LIKE '{self.pick(['A', 'B', 'S', 'T', 'M'])}%'"
        return f"{a} <> '{self.pick(vals or ['x'])}'"

    def ev_pred(self, alias=""):
        k = self.r.randrange(6)
        if k < 3:
            return self.num_pred(self.pick(EV["int"] + EV["double"]), alias)
        if k < 5:
            return self.str_pred(self.pick(EV["str"]), alias)
        d = self.r.randint(1, 30)
        return self.pick([f"{alias}date = DATE '2026-01-{d:02d}'", f"{alias}date >= DATE '2026-01-{d:02d}'",
                          f"{alias}completed", f"NOT {alias}completed",
                          f"{alias}event_time < TIMESTAMP '2026-01-{d:02d} 12:00:00'"])

    def where(self, alias="", n=None):
        n = self.r.randint(0, 3) if n is None else n
        preds = [self.ev_pred(alias) for _ in range(n)]
        if len(preds) >= 2 and self.r.random() < 0.3:
            preds = [f"({preds[0]} OR {preds[1]})"] + preds[2:]
        return (" WHERE " + " AND ".join(preds)) if preds else ""

    def agg(self, alias=""):
        col = self.pick(EV["int"] + EV["double"])
        f = self.pick(["count(*)", f"count({alias}{col})", f"sum({alias}{col})", f"min({alias}{col})", f"max({alias}{col})",
                       f"avg({alias}{col})", f"count(DISTINCT {alias}{self.pick(EV['str'] + EV['int'])})",
                       f"sum({alias}{col}) FILTER (WHERE {self.ev_pred(alias)})", f"count(*) FILTER (WHERE {self.ev_pred(alias)})",
                       f"stddev_pop({alias}{col})", f"var_samp({alias}{col})", f"bool_or({alias}completed)",
                       f"count_if({alias}{col} > 3)", f"min({alias}{self.pick(EV['str'])})", f"max({alias}date)"])
        return f

    # Query shapes --------------------------------------------------------------------

    def q_filter(self):
        cols = self.r.sample(["event_id", "user_id", "show", "device", "watch", "rating", "date", "completed", "event_time"], 3)
        return f"SELECT {', '.join(cols)} FROM events{self.where(n=self.r.randint(1, 3))} ORDER BY event_id LIMIT {self.r.randint(1, 50)}"

    def q_group(self):
        keys = self.r.sample(GROUPABLE, self.r.randint(1, 2))
        aggs = [self.agg() for _ in range(self.r.randint(1, 3))]
        sql = f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM events{self.where()} GROUP BY {', '.join(keys)}"
        if self.r.random() < 0.3:
            sql += f" HAVING count(*) > {self.r.randint(1, 50)}"
        return sql

    def q_global(self):
        return f"SELECT {', '.join(self.agg() for _ in range(self.r.randint(1, 4)))} FROM events{self.where()}"

    def q_sets(self):
        a, b = self.r.sample(["device", "show_type", "completed", "rating"], 2)
        how = self.pick([f"ROLLUP ({a}, {b})", f"CUBE ({a}, {b})", f"GROUPING SETS (({a}), ({b}), ())"])
        return f"SELECT {a}, {b}, count(*), sum(watch) FROM events{self.where(n=1)} GROUP BY {how}"

    def q_join_shows(self):
        kind = self.pick(["JOIN", "LEFT JOIN", "INNER JOIN"])
        key = self.pick(["s.genre", "s.show_type", "s.release_year", "s.seasons"])
        return (f"SELECT {key}, count(*), sum(e.watch), count(DISTINCT e.user_id) FROM events e {kind} shows s ON e.show = s.show"
                f"{self.where('e.', n=self.r.randint(0, 2))} GROUP BY {key}")

    def q_join_users(self):
        keys = self.r.sample(["u.plan", "u.country", "e.device", "year(u.signup_date)"], 2)
        extra = self.pick(["", f" AND u.birth_year > {self.r.randint(1950, 2000)}", f" AND u.plan = '{self.pick(CONST['plan'])}'"])
        return (f"SELECT {', '.join(keys)}, count(*), avg(e.watch) FROM events e JOIN users u ON e.user_id = u.user_id{extra}"
                f"{self.where('e.', n=self.r.randint(0, 2))} GROUP BY {', '.join(keys)}")

    def q_outer(self):
        kind = self.pick(["LEFT", "RIGHT", "FULL"])
        c = self.r.randint(1, 40)
        return (f"SELECT s.show, s.genre, x.n FROM (SELECT show, count(*) AS n FROM events WHERE user_id < {c * 200} GROUP BY show) x "
                f"{kind} JOIN shows s ON x.show = s.show WHERE s.release_year > {self.r.randint(1950, 2020)} OR x.n > {self.r.randint(1, 5)}")

    def q_window(self):
        part = self.pick(["device", "show_type", "country"])
        f = self.pick(["row_number() OVER (PARTITION BY {p} ORDER BY n DESC, k)", "rank() OVER (PARTITION BY {p} ORDER BY n DESC)",
                       "dense_rank() OVER (ORDER BY n)", "sum(n) OVER (PARTITION BY {p} ORDER BY k)",
                       "sum(n) OVER (PARTITION BY {p})", "lag(n) OVER (PARTITION BY {p} ORDER BY k)",
                       "lead(n, 2, -1) OVER (PARTITION BY {p} ORDER BY k)",
                       "avg(n) OVER (PARTITION BY {p} ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)",
                       "first_value(k) OVER (PARTITION BY {p} ORDER BY n DESC, k)",
                       "count(*) OVER (PARTITION BY {p} ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
                       "ntile(3) OVER (PARTITION BY {p} ORDER BY n, k)", "percent_rank() OVER (PARTITION BY {p} ORDER BY n)",
                       "max(n) OVER (PARTITION BY {p} ORDER BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"]).format(p=part)
        k = self.pick(["rating", "season", "bitrate_kbps"])
        return (f"SELECT {part}, k, n, {f} AS w FROM (SELECT {part}, {k} AS k, count(*) AS n FROM events{self.where(n=1)} "
                f"GROUP BY {part}, {k})")

    def q_qualify(self):
        part = self.pick(["device", "country"])
        return (f"SELECT {part}, show, count(*) AS n FROM events{self.where(n=1)} GROUP BY {part}, show "
                f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY count(*) DESC, show) <= {self.r.randint(1, 3)}")

    def q_subquery(self):
        k = self.r.randrange(7)
        if k == 0:
            return f"SELECT count(*), sum(watch) FROM events WHERE show IN (SELECT show FROM shows WHERE genre = '{self.pick(CONST['genre'])}'){self.where(n=1).replace(' WHERE', ' AND')}"
        if k == 1:
            return f"SELECT count(*) FROM events WHERE show NOT IN (SELECT show FROM shows WHERE release_year > {self.r.randint(1960, 2024)})"
        if k == 2:
            return (f"SELECT genre, count(*) FROM shows s WHERE {'NOT ' if self.r.random() < 0.5 else ''}EXISTS "
                    f"(SELECT 1 FROM events e WHERE e.show = s.show AND e.{self.ev_pred()}) GROUP BY genre")
        if k == 3:
            return (f"SELECT s.show, (SELECT count(*) FROM events e WHERE e.show = s.show AND e.device = '{self.pick(CONST['device'])}') AS n "
                    f"FROM shows s WHERE s.release_year = {self.r.randint(1990, 2025)}")
        if k == 4:
            return (f"SELECT event_id, watch FROM events e WHERE watch > (SELECT avg(watch) FROM events e2 WHERE e2.show = e.show) "
                    f"AND user_id < {self.r.randint(100, 5000)}")
        if k == 5:
            return (f"WITH a AS (SELECT device, count(*) AS n FROM events{self.where(n=1)} GROUP BY device), "
                    f"b AS (SELECT device, avg(watch) AS w FROM events GROUP BY device) SELECT a.device, n, w FROM a JOIN b ON a.device = b.device")
        return (f"SELECT x.country, x.n FROM (SELECT country, count(*) AS n FROM events{self.where(n=1)} GROUP BY country) x "
                f"WHERE x.n > (SELECT avg(m) FROM (SELECT count(*) AS m FROM events GROUP BY country))")

    def q_setop(self):
        op = self.pick(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"])
        c = self.pick(["device", "country", "show_type"])
        return f"SELECT {c} FROM events{self.where(n=1)} {op} SELECT {c} FROM events{self.where(n=1)}"

    def q_expr(self):
        e = self.pick(["CASE WHEN watch > duration / 2 THEN 'more' ELSE 'less' END", "coalesce(rating, -1)", "watch * 2 - duration",
                       "date_trunc('week', event_time)", "extract(hour FROM event_time)", "upper(device)", "length(show)",
                       "greatest(season, episode)", "nullif(rating, 3)", "date_diff('day', date, DATE '2026-02-01')",
                       "event_time + INTERVAL '90 minutes'", "substr(show, 1, 3)", "round(watch / 7, 2)", "abs(watch - duration)",
                       "starts_with(show, 'The')", "rating IS NOT DISTINCT FROM season"])
        return f"SELECT {e} AS v, count(*) FROM events{self.where()} GROUP BY v"

    def query(self):
        shapes = [self.q_filter, self.q_group, self.q_global, self.q_sets, self.q_join_shows, self.q_join_users, self.q_outer,
                  self.q_window, self.q_qualify, self.q_subquery, self.q_setop, self.q_expr]
        weights = [2, 4, 2, 1, 2, 2, 1, 2, 1, 2, 1, 2]
        return self.r.choices(shapes, weights)[0]()


def norm(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int,)):
        return v
    if isinstance(v, (float, decimal.Decimal)):
        f = float(v)
        if math.isnan(f) or math.isinf(f):
            return str(f)
        if f == int(f) and abs(f) < 2 ** 53:
            return float(int(f))
        return float(f"{f:.9g}")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v)


def norm_lakeq(v):
    if isinstance(v, str):
        m = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)Z", v)
        if m:
            return datetime.datetime.fromisoformat(f"{m.group(1)} {m.group(2)}").isoformat()
        if v in ("NaN", "Infinity", "-Infinity"):
            return {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[v]
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return norm(v)
    return v


def duckdb_sql(sql):
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if p.startswith("'") else re.sub(r'(?<!")\bshow\b(?!")', '"show"', p, flags=re.I) for p in parts)


def ordered(sql):
    return " ORDER BY " in sql.upper() and " LIMIT " in sql.upper()


def key(row):
    return tuple((0, "") if v is None else (1, str(type(v).__name__) + repr(v)) for v in row)


def close(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y):
            if u == v:
                continue
            if isinstance(u, (int, float)) and isinstance(v, (int, float)) and not isinstance(u, bool) and not isinstance(v, bool):
                if abs(float(u) - float(v)) <= 1e-8 * max(1.0, abs(float(u)), abs(float(v))):
                    continue
            return False
    return True


def connect(lake):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in ("events", "shows", "users"):
        files = [f for f in glob.glob(f"{lake}/{name}/**/*.parquet", recursive=True) if "/_delta_log/" not in f]
        hive = "true" if name == "events" else "false"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({files!r}, hive_partitioning = {hive})")
    return con


def run_lakeq(binary, lake, threads, sqls):
    p = subprocess.run([binary, "query", "--lake", lake, "--threads", str(threads), "-"], input="\n".join(sqls) + "\n",
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"lakeq exited {p.returncode}: {p.stderr[-2000:]}")
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    if len(out) != len(sqls):
        raise SystemExit(f"lakeq answered {len(out)} of {len(sqls)} statements: {p.stderr[-2000:]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lakeq", required=True)
    ap.add_argument("--lake", required=True, help="the directory lakeq gen wrote (events, shows, users)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--show", type=int, default=10, help="mismatches to print")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    gen = Gen(rng)
    con = connect(args.lake)
    queries = [gen.query() for _ in range(args.count)]
    mismatches, both_errors, shown = 0, 0, 0
    for start in range(0, len(queries), args.batch):
        chunk = queries[start:start + args.batch]
        answers = run_lakeq(args.lakeq, args.lake, args.threads, chunk)
        for sql, got in zip(chunk, answers):
            try:
                want = [[norm(v) for v in r] for r in con.execute(duckdb_sql(sql)).fetchall()]
                derr = None
            except Exception as e:  # noqa: BLE001
                want, derr = None, str(e).splitlines()[0]
            if "error" in got or derr is not None:
                if "error" in got and derr is not None:
                    both_errors += 1
                    continue
                mismatches += 1
                if shown < args.show:
                    shown += 1
                    print(f"MISMATCH (error)\n  {sql}\n  lakeq: {got.get('error', 'ok')}\n  duckdb: {derr or 'ok'}")
                continue
            rows = [[norm_lakeq(v) for v in r] for r in got["rows"]]
            if not ordered(sql):
                rows.sort(key=key)
                want.sort(key=key)
            if not close(rows, want):
                mismatches += 1
                if shown < args.show:
                    shown += 1
                    print(f"MISMATCH\n  {sql}\n  lakeq ({len(rows)}): {rows[:5]}\n  duckdb ({len(want)}): {want[:5]}")
        print(f"{min(start + args.batch, len(queries))}/{len(queries)} queries, {mismatches} mismatches", file=sys.stderr, flush=True)
    print(f"{len(queries)} queries: {len(queries) - mismatches} agree ({both_errors} rejected by both), {mismatches} mismatches")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The report writer on canned figures: Markdown tables well formed, ratios right, mismatches
flagged, SVG valid with one bar per ratio.  `python3 Benchmarks/report/test_report.py` (under a
second; Tests/LakeqCLITests/BenchmarkReportTests.swift runs it in the Swift suite)."""
import copy
import math
import os
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def anchors_doc(threads, lakeq_q2=0.030, mismatch=None):
    """An anchors.py --json document for two queries and four engines."""
    times = {"duckdb": (0.010, 0.020), "datafusion": (0.012, 0.015), "polars": (0.008, 0.025),
             "lakeq": (0.005, lakeq_q2)}
    engines = {}
    for e, (q1, q2) in times.items():
        engines[e] = {"engine": e, "version": "1.0", "background_cores": 0.1, "queries": {
            "Q1": {"sql": "SELECT 1", "status": "ok", "median_s": q1, "rewritten": e == "duckdb",
                   "columns": ["c"], "rows": [[1]]},
            "Q2": {"sql": "SELECT 2", "status": "ok", "median_s": q2, "columns": ["c"], "rows": [[2]]}}}
    engines["datafusion"]["queries"]["Q2"] = {"sql": "SELECT 2", "status": "error", "error": "boom"}
    comparison = {"Q1": {"reference": "duckdb", "mismatch": {}},
                  "Q2": {"reference": "duckdb", "mismatch": {"datafusion": "error"}}}
    if mismatch:
        comparison["Q1"]["mismatch"]["lakeq"] = mismatch
    return {"meta": {"threads": threads, "engines": list(times),
                     "queries": {"Q1": {"title": "one", "sql": "SELECT 1"}, "Q2": {"title": "two", "sql": "SELECT 2"}}},
            "engines": engines, "comparison": comparison}


def joins_doc():
    row = lambda total: [["premium", "AU", 976, total]]  # noqa: E731
    return {"threads": 1, "results": {
        "lakeq": {"peak_rss_mb": 60.0, "queries": {"J1 x": {"median": 0.2, "rows": row(52182.5)}}},
        "duckdb": {"peak_rss_mb": 100.0, "queries": {"J1 x": {"median": 0.1, "rows": row(52182.6)}}},
        "polars": {"peak_rss_mb": 150.0, "queries": {"J1 x": {"median": 0.4, "rows": row(999.0)}}}}}


def canned(mismatch=None):
    runs = []
    for t in (1, 2):
        runs.append({"threads": t, "anchors": anchors_doc(t, mismatch=mismatch if t == 1 else None),
                     "rss_mib": {"duckdb": {"Q1": 100.0, "Q2": 110.0}, "datafusion": {"Q1": 150.0, "Q2": None},
                                 "polars": {"Q1": 120.0, "Q2": 125.0}, "lakeq": {"Q1": 30.0, "Q2": 40.0}},
                     "rss_errors": {}, "joins": joins_doc(), "load_before": [0.5, 0.4, 0.3], "load_after": [0.6, 0.4, 0.3]})
    return {"meta": {"rows": 200000, "runs": 3, "commit": "abc1234", "started": "2026-12-01T00:00:00+00:00",
                     "duration_s": 12.0, "cpus": 2, "cpus_allowed": 2, "cpu_model": "Test CPU", "mem_gib": 24,
                     "os": "Linux", "python": "3.11", "load_before": [0.5, 0.4, 0.3], "load_after": [0.6, 0.4, 0.3],
                     "versions": {"duckdb": "2.0.1", "lakeq": "0.1.0"}, "lakeq": "/x/lakeq", "data": "/tmp/d",
                     "lake_files": 30, "lake_mib": 6.8, "join_lake": "/tmp/d/joinlake",
                     "join_lake_rows": 200000},
            "skipped": {"spark": "not installed"}, "runs": runs}


def tables(md):
    """Each Markdown table as a list of rows of cells."""
    out, cur = [], None
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").replace("\\|", "\0").split("|")]
            if cur is None:
                cur = []
                out.append(cur)
            cur.append(cells)
        else:
            cur = None
    return out


class ReportTests(unittest.TestCase):
    def test_markdown_tables_are_well_formed(self):
        md = report.markdown(canned())
        ts = tables(md)
        self.assertEqual(len(ts), 4)                      # public + joins, at 1 and 2 threads
        for t in ts:
            self.assertTrue(all(len(r) == len(t[0]) for r in t), t)
            self.assertTrue(all(set(c) <= set("-") for c in t[1]), t[1])
        head = ts[0][0]
        for col in ("DuckDB ms", "lakeq ms", "lakeq / DuckDB", "lakeq / best peer", "lakeq MiB", "results"):
            self.assertIn(col, head)

    def test_ratios_and_geomean(self):
        t = tables(report.markdown(canned()))[0]
        col = {name: i for i, name in enumerate(t[0])}
        q1, q2, geo = t[2], t[3], t[4]
        self.assertEqual(q1[col["lakeq / DuckDB"]], "0.50×")
        self.assertEqual(q1[col["lakeq / best peer"]], "0.62× (Polars)")     # 5 ms / 8 ms
        self.assertEqual(q2[col["lakeq / best peer"]], "1.50× (DuckDB)")  # DataFusion's error is no time
        self.assertEqual(q2[col["DataFusion ms"]], "–")
        self.assertEqual(geo[col["lakeq / DuckDB"]], f"{math.sqrt(0.5 * 1.5):.2f}×")
        self.assertEqual(q1[col["lakeq MiB"]], "30")

    def test_mismatches_are_loud(self):
        md = report.markdown(canned(mismatch="row 0: [2] vs [1]"))
        self.assertIn("**WARNING", md)
        self.assertIn("Q1: lakeq differs from DuckDB: row 0: [2] vs [1]", md)
        self.assertIn("**DIFFER: lakeq: row 0", md)
        self.assertIn("Polars's rows differ from DuckDB's", md)   # J1: 999 against 52182.6
        self.assertIn("Skipped: spark: not installed", md)
        self.assertIn("join lake `/tmp/d/joinlake` (`lakeq gen`, 200,000 rows)", md)

    def test_join_results_compare_to_the_last_digit_kept(self):
        self.assertTrue(report.same_rows([["AU", 52182.5]], [["AU", 52182.6]]))
        self.assertFalse(report.same_rows([["AU", 52182.5]], [["AU", 52190.0]]))
        self.assertFalse(report.same_rows([["AU", 1]], [["AU", 1], ["NZ", 2]]))
        self.assertFalse(report.same_rows([[True]], [[1]]))

    def test_svg_is_valid_with_a_bar_per_ratio(self):
        doc = canned(mismatch="differs")
        root = ET.fromstring(report.svg(doc))
        self.assertEqual(root.tag, SVG + "svg")
        bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
        # 2 queries + geomean, 2 series (vs DuckDB, vs best) per thread count, 2 thread counts
        self.assertEqual(len(bars), 3 * 2 * 2)
        self.assertTrue(all(float(b.get("height")) > 0 for b in bars))
        texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
        for s in ("Q1 !", "Q2", "geomean", "1×", "ratio (log scale)", "query", "vs DuckDB, 1 thread",
                  "vs best peer, 2 threads", "200,000 rows"):
            self.assertIn(s, texts)
        self.assertTrue(any(l.get("stroke-dasharray") for l in root.iter(SVG + "line")))  # the 1.0 line

    def test_a_failed_run_is_reported_not_crashed(self):
        doc = canned()
        doc["runs"][1] = {"threads": 2, "anchors": None, "anchors_error": "anchors.py exited with status 1",
                          "joins": None, "joins_error": "joins.py exited with status 1: lakeq failed",
                          "load_before": [1, 1, 1], "load_after": [1, 1, 1]}
        md = report.markdown(doc)
        self.assertIn("Not run: anchors.py exited with status 1", md)
        self.assertIn("the join/window suite did not run", md)
        ET.fromstring(report.svg(doc))
        empty = copy.deepcopy(doc)
        empty["runs"] = []
        ET.fromstring(report.svg(empty))

    def test_write_puts_both_files_in_place(self):
        with tempfile.TemporaryDirectory() as d:
            md, sv = report.write(canned(), d)
            with open(md, encoding="utf-8") as f:
                self.assertTrue(f.read().startswith("# lakeq benchmark report: 200,000 rows"))
            ET.parse(sv)


if __name__ == "__main__":
    unittest.main()

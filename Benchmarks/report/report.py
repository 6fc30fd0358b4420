#!/usr/bin/env python3
"""Writes the benchmark report (report.md and ratios.svg) from the JSON `Benchmarks/run` saves.

    python3 Benchmarks/report/report.py Benchmarks/reports/latest/results.json [--out DIR]

Python 3 standard library only. The SVG is written by hand (no plotting library), so the
report can be re-rendered anywhere from the raw JSON.

Input (results.json): {"meta": {...}, "skipped": {engine: reason},
  "runs": [{"threads": N, "anchors": <anchors.py --json document> | null, "anchors_error": str,
            "rss_mib": {engine: {query: MiB | null}}, "rss_errors": {engine: {query: str}},
            "joins": <joins.py --json document> | null, "joins_error": str,
            "load_before": [1, 5, 15 min], "load_after": [...]}]}
"""
import argparse
import html
import json
import math
import os

PEERS = ("duckdb", "datafusion", "polars")
NAMES = {"duckdb": "DuckDB", "datafusion": "DataFusion", "polars": "Polars", "lakeq": "lakeq"}


# ----------------------------------------------------------------------------- figures
def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def median_s(anchors, engine, query):
    """anchors.py's median for one engine and query, or None when it did not answer."""
    r = anchors.get("engines", {}).get(engine, {}).get("queries", {}).get(query, {})
    return r.get("median_s") if r.get("status") == "ok" else None


def engine_order(engines):
    """Peers first (DuckDB leading), then lakeq: the order of the table's columns."""
    return [e for e in PEERS if e in engines] + [e for e in engines if e not in PEERS]


def public_rows(run):
    """Per query of the public set: times, ratios, RSS and the result check of one thread count."""
    a = run["anchors"]
    engines = engine_order(a["meta"]["engines"])
    rows = []
    for q in a["meta"]["queries"]:
        times = {e: median_s(a, e, q) for e in engines}
        peers = {e: t for e, t in times.items() if e in PEERS and t is not None}
        best = min(peers, key=peers.get) if peers else None
        lq = times.get("lakeq")
        mism = a.get("comparison", {}).get(q, {}).get("mismatch", {})
        rows.append({
            "query": q,
            "title": a["meta"]["queries"][q]["title"],
            "times": times,
            "vs_duckdb": lq / times["duckdb"] if lq and times.get("duckdb") else None,
            "best_peer": best,
            "vs_best": lq / peers[best] if lq and best else None,
            "rss": {e: run.get("rss_mib", {}).get(e, {}).get(q) for e in engines},
            "mismatch": mism,
            "reference": a.get("comparison", {}).get(q, {}).get("reference"),
        })
    return engines, rows


def same_rows(a, b):
    """Equal as multisets, numbers to 1e-5 relative: joins.py keeps 6 significant digits, so two
    engines' sums on either side of a rounding boundary differ in the last digit kept."""
    if len(a) != len(b):
        return False
    for x, y in zip(sorted(a, key=str), sorted(b, key=str)):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y):
            if isinstance(u, bool) != isinstance(v, bool):
                return False                      # True is not 1
            num = isinstance(u, (int, float)) and isinstance(v, (int, float)) and \
                not isinstance(u, bool) and not isinstance(v, bool)
            if u != v and not (num and math.isclose(u, v, rel_tol=1e-5, abs_tol=1e-9)):
                return False
    return True


def join_rows(doc):
    """The join/window suite of one thread count: (engines, rows, peak RSS per engine)."""
    res = doc["results"]
    engines = engine_order(list(res))
    names = list(next(iter(res.values()))["queries"]) if res else []
    rows = []
    for q in names:
        times = {e: res[e]["queries"].get(q, {}).get("median") for e in engines}
        peers = {e: t for e, t in times.items() if e in PEERS and t is not None}
        best = min(peers, key=peers.get) if peers else None
        lq = times.get("lakeq")
        ref = "duckdb" if "duckdb" in res else None
        differ = []
        if ref:
            want = res[ref]["queries"].get(q, {}).get("rows", [])
            differ = [e for e in engines if e != ref and q in res[e]["queries"]
                      and not same_rows(res[e]["queries"][q].get("rows", []), want)]
        rows.append({"query": q, "times": times, "best_peer": best,
                     "vs_duckdb": lq / times["duckdb"] if lq and times.get("duckdb") else None,
                     "vs_best": lq / peers[best] if lq and best else None, "differ": differ})
    return engines, rows, {e: res[e].get("peak_rss_mb") for e in engines}


# ----------------------------------------------------------------------------- Markdown
def ms(t):
    if t is None:
        return "–"
    return f"{t * 1000:.0f}" if t >= 0.1 else f"{t * 1000:.1f}"


def ratio(x):
    return "–" if x is None else f"{x:.2f}×"


def mib(x):
    return "–" if x is None else f"{x:.0f}"


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(head, body):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in body]
    return out


def problems(doc):
    """Every mismatch or failure in the run, as Markdown bullets (empty when all is well)."""
    out = []
    for run in doc["runs"]:
        t = run["threads"]
        if run.get("anchors_error"):
            out.append(f"- {t} thread(s): the public queries did not run: {run['anchors_error']}")
        if run.get("anchors"):
            for e, r in run["anchors"]["engines"].items():
                if r.get("failed"):
                    out.append(f"- {t} thread(s): {NAMES.get(e, e)} failed as a whole: {r['failed']}")
            for q, c in run["anchors"].get("comparison", {}).items():
                for e, d in c.get("mismatch", {}).items():
                    out.append(f"- {t} thread(s), {q}: {NAMES.get(e, e)} differs from "
                               f"{NAMES.get(c.get('reference'), c.get('reference'))}: {cell(d)[:300]}")
        for e, errs in run.get("rss_errors", {}).items():
            for q, err in errs.items():
                out.append(f"- {t} thread(s), {q}: the peak-RSS run of {NAMES.get(e, e)} failed: {cell(err)[:300]}")
        if run.get("joins_error"):
            out.append(f"- {t} thread(s): the join/window suite did not run: {cell(run['joins_error'])[:300]}")
        if run.get("joins"):
            for r in join_rows(run["joins"])[1]:
                for e in r["differ"]:
                    out.append(f"- {t} thread(s), {r['query']}: {NAMES.get(e, e)}'s rows differ from DuckDB's")
    return out


def markdown(doc, svg_name="ratios.svg"):
    m = doc["meta"]
    L = [f"# lakeq benchmark report: {rows_text(doc)} rows", ""]
    L.append(f"Made by `Benchmarks/run` on {m.get('started', '?')} (took {m.get('duration_s', 0):.0f} s), "
             f"from the checkout at commit `{m.get('commit', '?')}`. Medians of {m.get('runs', '?')} timed run(s) after "
             "one warm-up. Ratios below 1 mean lakeq is faster.")
    L.append("")
    bad = problems(doc)
    if bad:
        L += ["> **WARNING: some results differ between engines or some runs failed.** "
              "Times of a query whose results differ are not comparable.", ">"]
        L += ["> " + b for b in bad]
    elif not any(e in PEERS for r in doc["runs"] if r.get("anchors") for e in r["anchors"]["meta"]["engines"]):
        L.append("**Results: not checked**: no peer engine ran.")
    else:
        L.append("**Results:** every engine's answer to every query matched DuckDB's.")
    L.append("")
    L += ["## Machine", ""]
    L.append(f"- CPU: {m.get('cpu_model', '?')}; {m.get('cpus', '?')} cores "
             f"({m.get('cpus_allowed', '?')} usable); memory {m.get('mem_gib', '?')} GiB; {m.get('os', '?')}")
    lb, la = m.get("load_before"), m.get("load_after")
    if lb and la:
        L.append(f"- Load average (1/5/15 min): {lb[0]:.2f} / {lb[1]:.2f} / {lb[2]:.2f} before, "
                 f"{la[0]:.2f} / {la[1]:.2f} / {la[2]:.2f} after"
                 + (" (**a busy machine: times are noisy, ratios less so**)" if max(lb[0], la[0]) > 1.5 else ""))
    vers = m.get("versions", {})
    if vers:
        L.append("- Versions: " + ", ".join(f"{NAMES.get(e, e)} {v}" for e, v in vers.items())
                 + f"; Python {m.get('python', '?')}")
    if m.get("lakeq"):
        L.append(f"- lakeq binary: `{m['lakeq']}`" + ("" if m.get("lakeq_from_checkout", True)
                                                        else " (given with --lakeq: not necessarily built from this checkout)"))
    if m.get("data"):
        line = f"- Data: `{m['data']}` (gen_events.py, {m.get('lake_files', '?')} Parquet files, {m.get('lake_mib', '?')} MiB)"
        if isinstance(m.get("join_lake_rows"), int):
            line += f"; join lake `{m.get('join_lake', '?')}` (`lakeq gen`, {m['join_lake_rows']:,} rows)"
        L.append(line)
    for e, why in doc.get("skipped", {}).items():
        L.append(f"- Skipped: {NAMES.get(e, e)}: {why}")
    L.append("")
    if any(r.get("anchors") for r in doc["runs"]):
        L += [f"![lakeq's time ratio per query]({svg_name})", ""]

    for run in doc["runs"]:
        t = run["threads"]
        L += [f"## Public queries, {t} thread{'s' if t != 1 else ''}", ""]
        if not run.get("anchors"):
            L += [f"Not run: {run.get('anchors_error', 'no figures')}", ""]
            continue
        engines, rows = public_rows(run)
        head = ["query"] + [f"{NAMES.get(e, e)} ms" for e in engines] + \
               ["lakeq / DuckDB", "lakeq / best peer"] + \
               [f"{NAMES.get(e, e)} MiB" for e in engines] + ["results"]
        body = []
        for r in rows:
            res = "ok" if not r["mismatch"] else "**DIFFER: " + "; ".join(
                f"{NAMES.get(e, e)}: {d}" for e, d in r["mismatch"].items())[:120] + "**"
            best = ratio(r["vs_best"]) + (f" ({NAMES[r['best_peer']]})" if r["best_peer"] else "")
            body.append([r["query"]] + [ms(r["times"][e]) for e in engines] +
                        [ratio(r["vs_duckdb"]), best] + [mib(r["rss"][e]) for e in engines] + [res])
        common = [r for r in rows if all(r["times"][e] is not None for e in engines)]
        body.append(["**geomean**"] +
                    [ms(geomean([r["times"][e] for r in common])) for e in engines] +
                    [ratio(geomean([r["vs_duckdb"] for r in rows])), ratio(geomean([r["vs_best"] for r in rows]))] +
                    [mib(geomean([r["rss"][e] for r in common])) for e in engines] +
                    [f"{len(common)} of {len(rows)} answered by all"])
        L += table(head, body)
        L.append("")
        a = run["anchors"]
        bg = ", ".join(f"{NAMES.get(e, e)} {r.get('background_cores', 0):.2f}" for e, r in a["engines"].items())
        L.append(f"Load {run['load_before'][0]:.2f} → {run['load_after'][0]:.2f}; cores used by other "
                 f"processes while each engine ran: {bg}.")
        rew = [f"{NAMES.get(e, e)} {q}" for e, r in a["engines"].items()
               for q, x in r.get("queries", {}).items() if x.get("rewritten")]
        if rew:
            L.append(f"Rewritten for the engine by anchors.py (same meaning): {', '.join(rew)}.")
        L.append("")

        if run.get("joins") or run.get("joins_error"):
            L += [f"### Joins and windows, {t} thread{'s' if t != 1 else ''}", ""]
            if not run.get("joins"):
                L += [f"Not run: {run['joins_error']}", ""]
            else:
                je, jr, peak = join_rows(run["joins"])
                head = ["query"] + [f"{NAMES.get(e, e)} ms" for e in je] + ["lakeq / DuckDB", "lakeq / best peer", "results"]
                body = [[r["query"]] + [ms(r["times"][e]) for e in je] + [
                    ratio(r["vs_duckdb"]),
                    ratio(r["vs_best"]) + (f" ({NAMES[r['best_peer']]})" if r["best_peer"] else ""),
                    "ok" if not r["differ"] else "**DIFFER: " + ", ".join(NAMES.get(e, e) for e in r["differ"]) + "**"]
                    for r in jr]
                body.append(["**geomean**"] + [ms(geomean([r["times"][e] for r in jr])) for e in je] +
                            [ratio(geomean([r["vs_duckdb"] for r in jr])), ratio(geomean([r["vs_best"] for r in jr])), ""])
                body.append(["peak RSS, MiB (whole suite)"] + [mib(peak[e]) for e in je] + ["", "", ""])
                L += table(head, body)
                L.append("")

    L += ["## How it was measured", ""]
    L.append("- Public queries: `anchors.py` (../shared/bench) times every engine in its own process, "
             "pinned to as many CPUs as threads; DuckDB, DataFusion and Polars run in one warm Python "
             "process (planning + execution + the result as Arrow / a DataFrame), lakeq as a whole "
             "process per run (start-up included: tens of ms, which dominate at small row counts and which "
             "the peers' warm processes do not pay). It compares each answer with DuckDB's.")
    L.append("- Peak RSS (MiB) per query: one extra run of that query in a fresh process per engine, "
             "pinned the same way, its `ru_maxrss` read with `wait4`. For DuckDB, DataFusion and Polars "
             "it is the whole Python process (interpreter, the engine's library and pyarrow included); "
             "for lakeq the lakeq process alone.")
    L.append("- Joins and windows: `Benchmarks/query/joins.py` on a `lakeq gen` lake of the same row count; "
             "its peak RSS is the largest of the whole suite per engine (one process per engine for the "
             "peers, the largest lakeq process for lakeq). Polars runs its DataFrame form of each query.")
    L.append("- Best peer: the fastest of DuckDB, DataFusion and Polars on that query; geomean: geometric mean "
             "over the queries (times: those every engine answered).")
    L.append("- Raw figures (every time and every result row): `results.json` beside this file.")
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------------- SVG
COLORS = [("#1f5fa8", "#8db8e8"), ("#c4571b", "#f2b27e"), ("#2d8a3e", "#9fd8a8"), ("#7b3fa0", "#cdb0e0")]


def rows_text(doc):
    n = doc["meta"].get("rows")
    return f"{n:,}" if isinstance(n, int) else "?"


def svg(doc):
    """A grouped bar chart on a log scale: per query, lakeq's time over DuckDB's and over the best
    peer's at each thread count, bars drawn from the 1.0 line (up: lakeq slower)."""
    series, queries, flagged = [], [], set()
    for i, run in enumerate(r for r in doc["runs"] if r.get("anchors")):
        _, rows = public_rows(run)
        dark, light = COLORS[i % len(COLORS)]
        t = run["threads"]
        th = f"{t} thread{'s' if t != 1 else ''}"
        series.append((f"vs DuckDB, {th}", dark, {r["query"]: r["vs_duckdb"] for r in rows}))
        series.append((f"vs best peer, {th}", light, {r["query"]: r["vs_best"] for r in rows}))
        for r in rows:
            if r["query"] not in queries:
                queries.append(r["query"])
            if r["mismatch"]:
                flagged.add(r["query"])
        for s in series[-2:]:
            s[2]["geomean"] = geomean(list(s[2].values()))
    groups = queries + (["geomean"] if queries else [])
    vals = [v for _, _, d in series for v in d.values() if v]
    lo = 2.0 ** math.floor(math.log2(min(vals + [0.5])))
    hi = 2.0 ** math.ceil(math.log2(max(vals + [2.0])))

    W, H, left, right, top, bottom = max(640, 90 + 56 * len(groups)), 420, 70, 20, 70, 60
    pw, ph = W - left - right, H - top - bottom

    def y(v):
        return top + ph * (math.log2(hi) - math.log2(v)) / (math.log2(hi) - math.log2(lo))

    e = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">'
           f'lakeq time / peer time per query ({e(rows_text(doc))} rows; below 1: lakeq faster)</text>']
    # legend
    lx = left
    for name, color, _ in series:
        out.append(f'<rect x="{lx}" y="32" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="42">{e(name)}</text>')
        lx += 16 + 7 * len(name) + 18
    note = "dashed line: 1.0 = the same time"
    if flagged:
        note += "; ! = results differ between engines (see the report)"
    out.append(f'<text x="{left}" y="60" fill="{"#c00000" if flagged else "#444444"}">{e(note)}</text>')
    # grid and axis
    v = lo
    while v <= hi * 1.0001:
        yy = y(v)
        label = f"{v:g}×"
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#dddddd"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{label}</text>')
        v *= 2
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<text transform="translate(16 {top + ph / 2}) rotate(-90)" text-anchor="middle">'
               'ratio (log scale)</text>')
    out.append(f'<text x="{left + pw / 2}" y="{H - 12}" text-anchor="middle">query</text>')
    # bars
    gw = pw / max(1, len(groups))
    bw = min(14.0, (gw - 10) / max(1, len(series)))
    for gi, q in enumerate(groups):
        x0 = left + gi * gw + (gw - bw * len(series)) / 2
        for si, (name, color, d) in enumerate(series):
            r = d.get(q)
            if not r:
                continue
            y1, y2 = sorted((y(1.0), y(max(lo, min(hi, r)))))
            out.append(f'<rect x="{x0 + si * bw:.1f}" y="{y1:.1f}" width="{bw - 1:.1f}" '
                       f'height="{max(1.0, y2 - y1):.1f}" fill="{color}">'
                       f'<title>{e(q)} {e(name)}: {r:.2f}×</title></rect>')
        label = q + (" !" if q in flagged else "")
        fill = ' fill="#c00000"' if q in flagged else ""
        weight = ' font-weight="bold"' if q == "geomean" else ""
        out.append(f'<text x="{left + gi * gw + gw / 2:.1f}" y="{top + ph + 18}" text-anchor="middle"{fill}{weight}>'
                   f'{e(label)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(1.0):.1f}" y2="{y(1.0):.1f}" stroke="black" '
               'stroke-width="1.5" stroke-dasharray="6 3"/>')
    if not groups:
        out.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no figures</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(doc, out_dir):
    """Writes report.md and ratios.svg into out_dir; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    md, sv = os.path.join(out_dir, "report.md"), os.path.join(out_dir, "ratios.svg")
    with open(sv, "w", encoding="utf-8") as f:
        f.write(svg(doc))
    with open(md, "w", encoding="utf-8") as f:
        f.write(markdown(doc))
    return md, sv


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results.json written by Benchmarks/run")
    ap.add_argument("--out", help="directory for report.md and ratios.svg (default: beside the JSON)")
    a = ap.parse_args()
    with open(a.results, encoding="utf-8") as f:
        doc = json.load(f)
    for p in write(doc, a.out or os.path.dirname(os.path.abspath(a.results))):
        print(f"wrote {p}")


if __name__ == "__main__":
    main()

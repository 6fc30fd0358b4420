#!/usr/bin/env python3
"""Dashboard page speed: from navigation to every chart drawn, measured in the browser.

    python3 Benchmarks/dashboard_speed.py --lakeq .build/release/lakeq --lake /tmp/lakeq-10m --rows 10000000

Makes the lake with `lakeq gen` when DIR/events is missing, runs `lakeq serve` on it and loads
each page in headless Chromium (a fresh browser context per load: no HTTP cache), `--runs`
times per scenario:

  cold     the service restarted before each load: tables opened, every query run
  commit   one event committed before each load: a new table version, so the result cache
           misses and every query runs (the live-update case), tables already open
  warm     nothing changed since the last load: answers come from the result cache

The time is `window.lakeq.drawnAt` (performance.now() when the page's last chart was drawn,
i.e. milliseconds since navigation start). The Resource Timing entries of the API calls split
it into: page boot (HTML, scripts, key, first version poll), the slowest API call's server time
(request sent to first byte) and the client's drawing after the last answer. Medians are
printed with the machine's load average (`uptime`).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "Browser"))
import lakeq_harness as h  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

MEASURE = """() => {
  const api = performance.getEntriesByType('resource').filter(e => e.name.includes('/v1/') && !e.name.includes('/version'));
  const server = api.map(e => ({ url: e.name.replace(location.origin, ''), server: e.responseStart - e.requestStart, end: e.responseEnd, start: e.startTime }));
  const first = Math.min(...server.map(s => s.start));
  const last = Math.max(...server.map(s => s.end));
  return { drawn: window.lakeq.drawnAt, boot: first, lastAnswer: last, calls: server };
}"""


def load(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.lakeq && window.lakeq.drawnAt && document.body.dataset.drawn === String(window.lakeq.generation)",
                           timeout=120_000)
    m = page.evaluate(MEASURE)
    context.close()
    return m


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def summarize(name, page, runs):
    drawn = statistics.median(r["drawn"] for r in runs)
    boot = statistics.median(r["boot"] for r in runs)
    slowest = statistics.median(max(c["server"] for c in r["calls"]) for r in runs)
    client = statistics.median(r["drawn"] - r["lastAnswer"] for r in runs)
    calls = len(runs[0]["calls"])
    per_call = {}
    for r in runs:
        for c in r["calls"]:
            key = c["url"].split("?")[0]
            per_call.setdefault(key, []).append(c["server"])
    print(f"{name:7} {page:9} drawn median {drawn:7.0f} ms  (runs {', '.join('%.0f' % r['drawn'] for r in runs)})  "
          f"boot {boot:4.0f} ms, {calls} API calls, slowest server {slowest:6.0f} ms, drawing after last answer {client:4.0f} ms")
    return {"scenario": name, "page": page, "median_ms": drawn, "runs_ms": [r["drawn"] for r in runs], "boot_ms": boot,
            "slowest_call_ms": slowest, "client_after_last_answer_ms": client,
            "server_ms_median_by_endpoint": {k: statistics.median(v) for k, v in sorted(per_call.items())}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeq", required=True)
    ap.add_argument("--lake", required=True, help="lake directory (made with lakeq gen when DIR/events is missing)")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--scenarios", default="cold,commit,warm")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="extra `lakeq serve` argument (repeatable), e.g. --serve-arg=--incremental-bytes=0 for the plain path")
    args = ap.parse_args()

    if not os.path.isdir(os.path.join(args.lake, "events")):
        print(f"making a {args.rows}-row lake in {args.lake} …", flush=True)
        h.make_lake(args.lakeq, args.rows, args.lake)
    work = tempfile.mkdtemp(prefix="lakeq-dashboard-speed-")
    results = []
    print(f"load average before: {loadavg()}  ({os.cpu_count()} cores)")
    service = h.Service(args.lakeq, args.lake, work=work, extra=args.serve_arg)
    show = service.get_json("/v1/analytics/top-shows?limit=1")["rows"][0]["show"]
    pages = {"overview": "/", "show": "/show?" + __import__("urllib.parse").parse.urlencode({"show": show}), "quality": "/quality"}
    scenarios = args.scenarios.split(",")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=h.CHROMIUM, args=["--no-sandbox"])
            load(browser, service.base + "/")  # browser warm-up (first launch costs), not measured
            for scenario in scenarios:
                for name, path in pages.items():
                    runs = []
                    for i in range(args.runs):
                        if scenario == "cold":
                            service.stop()
                            service = h.Service(args.lakeq, args.lake, work=work, extra=args.serve_arg)
                        elif scenario == "commit":
                            service.post_events([h.event(int(time.time() * 1000) % 10_000_000 + i)])
                        elif scenario == "warm" and i == 0:
                            load(browser, service.base + path)  # fill the result cache for this version
                        runs.append(load(browser, service.base + path))
                    results.append(summarize(scenario, name, runs))
            browser.close()
    finally:
        service.stop()
    print(f"load average after: {loadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": args.rows, "loadavg_after": loadavg(), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()

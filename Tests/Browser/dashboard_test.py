#!/usr/bin/env python3
"""Browser test of the lakeq dashboard (issue 12), run by LakeqServerTests/DashboardBrowserTests
or by hand:

    python3 Tests/Browser/dashboard_test.py --lakeq .build/debug/lakeq --screenshots /tmp/shots

Headless Chromium (Debian's, driven by Playwright) against a live `lakeq serve` on a small
`lakeq gen` lake. Checks:
  - every page loads with no console errors and no failed requests;
  - every chart draws as many bars, points or slices as its API call returns rows (the test
    fetches each chart's `data-source` itself and compares with the chart's `data-drawn`);
  - changing a filter updates the charts and the URL, reloading that URL restores the same
    view, the back button returns to the previous one;
  - after a commit to the table (POST /v1/events), the tiles change without a reload, within 5 s;
  - table view and CSV download hold the chart's rows; keyboard shortcuts switch pages;
  - screenshots of each page at 1280x800 go to --screenshots.
Exit status 0 when every check passed; failures are listed on stderr.
"""

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lakeq_harness as h  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

DRAW_TIMEOUT = 60_000  # ms; the CI machine may be busy
PROBLEMS = []  # console errors, page errors, failed requests of the current step


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failures.append(what)
            print(f"  FAIL {what}")
        return ok


def generation(page):
    return page.evaluate("window.lakeq ? window.lakeq.generation : 0")


def wait_drawn(page, after):
    """Waits until a refresh newer than generation `after` has drawn every card."""
    page.wait_for_function(
        "g => window.lakeq && window.lakeq.generation > g && document.body.dataset.drawn === String(window.lakeq.generation)",
        arg=after, timeout=DRAW_TIMEOUT)


def cards(page):
    return page.eval_on_selector_all(
        "[data-chart]",
        """els => els.map(e => ({id: e.dataset.chart, state: e.dataset.state, source: e.dataset.source,
             path: e.dataset.rowsPath, series: Number(e.dataset.series), drawn: Number(e.dataset.drawn),
             rows: Number(e.dataset.rows)}))""")


def tiles(page):
    return page.eval_on_selector_all(".tile", "els => Object.fromEntries(els.map(e => [e.dataset.tile, e.querySelector('.value').textContent]))")


def check_charts(c, page, service, label):
    """Each chart's drawn count against the rows its API call returns, fetched here."""
    found = cards(page)
    c.check(len(found) > 0, f"{label}: has charts ({len(found)})")
    for card in found:
        if not c.check(card["state"] == "ready", f"{label}/{card['id']}: drawn without error (state {card['state']})"):
            continue
        body = service.get_json(card["source"])
        rows = body[card["path"]]
        expected = len(rows) * card["series"]
        c.check(len(rows) > 0 and card["drawn"] == expected,
                f"{label}/{card['id']}: drew {card['drawn']} for {len(rows)} rows x {card['series']} series of {card['source']}")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeq", required=True, help="the lakeq binary")
    ap.add_argument("--screenshots", required=True, help="folder for the page screenshots")
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--dashboard-dir", help="serve the dashboard's files from here (development: no rebuild)")
    args = ap.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)

    work = tempfile.mkdtemp(prefix="lakeq-dashboard-test-")
    c = Checks()
    service = None
    try:
        lake = h.make_lake(args.lakeq, args.rows, os.path.join(work, "lake"))
        extra = ["--dashboard-dir", args.dashboard_dir] if args.dashboard_dir else []
        service = h.Service(args.lakeq, lake, work=work, extra=extra)
        # A commit with good and bad rows, so the quality page has reasons and raw text to show.
        answer = service.post_events([h.event(i) for i in range(20)] + h.bad_events(100))
        c.check(answer["accepted"] == 20 and len(answer["rejected"]) == 5, f"seed commit: 20 accepted, 5 quarantined ({answer})")
        try:
            run_browser(c, service, args.screenshots)
        except Exception as e:  # a wait that timed out, an element missing: report, with what the page said
            c.check(False, f"browser run stopped: {type(e).__name__}: {str(e).splitlines()[0]}")
            for p in PROBLEMS:
                print(f"  page: {p}", file=sys.stderr)
    finally:
        if service:
            service.stop()
            if c.failures:
                print("--- lakeq serve log ---\n" + service.log_text(), file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{c.passed} checks passed, {len(c.failures)} failed; screenshots in {args.screenshots}")
    for f in c.failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if c.failures else 0


def run_browser(c, service, shots):
    base = service.base
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=h.CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page = context.new_page()
        problems = PROBLEMS
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

        def page_clean(label):
            c.check(not problems, f"{label}: no console errors or failed requests {problems[:5]}")
            problems.clear()

        # Overview
        page.goto(base + "/")
        wait_drawn(page, 0)
        check_charts(c, page, service, "overview")
        t0 = tiles(page)
        c.check(t0.get("events") not in (None, "—", "…"), f"overview: events tile shows a number ({t0.get('events')})")
        c.check(t0.get("quarantine", "—") not in ("—", "…"), f"overview: quarantine-rate tile shows a rate ({t0.get('quarantine')})")
        c.check("v" in (page.text_content("#live") or ""), f"overview: live status shows the version ({page.text_content('#live')})")
        page.screenshot(path=os.path.join(shots, "overview.png"))
        page.screenshot(path=os.path.join(shots, "overview-full.png"), full_page=True)
        page_clean("overview")

        # Table view and CSV of a chart
        top = page.locator("#card-top-shows")
        top.get_by_role("button", name="Table").click()
        table_rows = top.locator("tbody tr").count()
        c.check(table_rows == int(top.get_attribute("data-rows")), f"top shows: table view has the chart's {table_rows} rows")
        with page.expect_download() as download:
            top.get_by_role("button", name="CSV").click()
        path = download.value.path()
        with open(path, newline="", encoding="utf-8") as f:
            records = list(csv.reader(f))
        c.check(records[0][:2] == ["show", "views"] and len(records) == table_rows + 1,
                f"top shows: CSV has a header and {len(records) - 1} rows")

        # Filter: device = tv through the checklist
        g = generation(page)
        page.locator("#f-device summary").click()
        page.locator("#f-device input[value='tv']").check()
        wait_drawn(page, g)
        c.check("device=tv" in page.url, f"filter: URL holds device=tv ({page.url})")
        found = check_charts(c, page, service, "overview device=tv")
        c.check(all("device=tv" in card["source"] for card in found), "filter: every chart's API call has device=tv")
        t1 = tiles(page)
        c.check(t1["events"] != t0["events"], f"filter: events tile changed ({t0['events']} -> {t1['events']})")
        filtered_url, filtered_sources = page.url, sorted(card["source"] for card in found)

        # Reload restores the view
        page.reload()
        wait_drawn(page, 0)
        found = cards(page)
        c.check(page.url == filtered_url and sorted(card["source"] for card in found) == filtered_sources and tiles(page) == t1,
                "reload: same URL, same API calls, same tiles")
        c.check(page.locator("#f-device summary .v").text_content() == "tv", "reload: the device filter shows tv")

        # Short range: hourly buckets
        g = generation(page)
        page.get_by_role("button", name="3 d").click()
        wait_drawn(page, g)
        timeline = page.locator("#card-timeline")
        c.check("from=" in page.url and "to=" in page.url, f"range: URL holds from and to ({page.url})")
        c.check("by=hour" in (timeline.get_attribute("data-source") or ""), "range: three days are drawn per hour")
        check_charts(c, page, service, "overview 3 days, tv")

        # Back twice: the whole-range view without filters
        g = generation(page)
        page.go_back()
        wait_drawn(page, g)
        c.check(page.url == filtered_url, f"back: previous view ({page.url})")
        g = generation(page)
        page.go_back()
        wait_drawn(page, g)
        c.check(page.url.rstrip("/") == base and tiles(page)["events"] == t0["events"], f"back: unfiltered view ({page.url})")
        page_clean("filters")

        # Show page, reached from the top-shows table
        g = generation(page)
        page.locator("#card-top-shows").get_by_role("button", name="Table").click()
        page.locator("#card-top-shows tbody tr a").first.click()
        wait_drawn(page, g)
        c.check("/show?" in page.url and "show=" in page.url, f"show: URL names the show ({page.url})")
        check_charts(c, page, service, "show")
        page.screenshot(path=os.path.join(shots, "show.png"))
        page.screenshot(path=os.path.join(shots, "show-full.png"), full_page=True)
        page_clean("show")

        # Keyboard: 3 = data quality
        g = generation(page)
        page.locator("body").press("3")
        wait_drawn(page, g)
        c.check(page.url.startswith(base + "/quality"), f"keyboard: 3 opens data quality ({page.url})")
        check_charts(c, page, service, "quality")
        bad = page.locator("#card-bad-rows")
        source = bad.get_attribute("data-source")
        api_rows = service.get_json(source)["rows"]
        shown = bad.locator("tbody tr").count()
        c.check(len(api_rows) >= 5 and shown == len(api_rows), f"quality: {shown} bad rows listed for {len(api_rows)} from {source}")
        c.check("fridge" in (bad.text_content() or ""), "quality: raw text of a bad row is shown")
        page.screenshot(path=os.path.join(shots, "quality.png"))
        page.screenshot(path=os.path.join(shots, "quality-full.png"), full_page=True)
        page_clean("quality")

        # Live: a commit changes the tiles without a reload
        page.goto(base + "/")
        wait_drawn(page, 0)
        before = tiles(page)["events"]
        version = int(page.locator("#live").get_attribute("data-version"))
        g = generation(page)
        posted = time.time()
        service.post_events([h.event(1000 + i) for i in range(30)])
        committed = time.time()
        try:
            page.wait_for_function("t => document.querySelector('[data-tile=events] .value').textContent !== t",
                                   arg=before, timeout=15_000)
            seen = time.time()
        except Exception:
            seen = None
        c.check(seen is not None and seen - committed <= 5.0,
                f"live: events tile changed {before} -> {tiles(page)['events']} "
                f"{'%.2f s after the commit' % (seen - committed) if seen else 'never'} (POST took {committed - posted:.2f} s)")
        c.check(generation(page) > g and int(page.locator("#live").get_attribute("data-version")) > version,
                f"live: redrawn in place (generation {g} -> {generation(page)}), version {version} -> {page.locator('#live').get_attribute('data-version')}")
        c.check(page.evaluate("performance.getEntriesByType('navigation').length") == 1, "live: no reload happened")
        page_clean("live")
        browser.close()


if __name__ == "__main__":
    sys.exit(main())

"""The HTML report and the graph in a real headless Chromium (Debian's), driven by Playwright.

Run alone with ``pytest -m browser``. Locally they skip when Chromium or
Playwright is missing; in CI (``CI`` set) they fail instead, since .ci/run
installs both and a skipped browser test would hide a broken report.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .clirun import run
from .conftest import EXAMPLES, NOW, read_jsonl
from .optional import missing

pytestmark = pytest.mark.browser

AT = "2023-06-03T12:00:00+08:00"
CHROMIUM = os.environ.get("SOPENGINE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python", "pip install playwright")
    if not Path(CHROMIUM).exists():
        missing("Chromium", "apt-get install chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
                                                   viewport={"width": 1300, "height": 900})
        yield ctx
        ctx.close()


class Page:
    """A page with every console error and uncaught exception collected."""

    def __init__(self, ctx: Any, path: Path) -> None:
        self.page = ctx.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: self.problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
        self.page.goto(path.as_uri())

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()

    def count(self) -> int:
        return int(self.text("#count-matching"))

    def close(self) -> None:
        self.page.close()


def _report(capsys, tmp_path: Path, inputs: list[str], *extra: str) -> Path:
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "check", *inputs, "--now", AT, "--format", "html", "-o", str(out), *extra)
    assert code in (0, 1), err
    return out


def _results(capsys, inputs: list[str]) -> list[dict]:
    return json.loads(run(capsys, "check", *inputs, "--now", AT, "--format", "json")[1])


def test_report_shows_the_counts_of_the_json_results_and_filters(browser, capsys, tmp_path):
    results = _results(capsys, [str(EXAMPLES)])
    page = Page(browser, _report(capsys, tmp_path, [str(EXAMPLES)], "--explain"))
    pg = page.page
    pg.wait_for_selector("body[data-ready='1']")
    sev = Counter(v["severity"] for r in results for v in r["violations"])
    assert int(page.text("#n-records")) == len(results) == page.count()
    assert int(page.text("#n-violations")) == sum(sev.values())
    assert int(page.text("#n-error")) == sev["error"] and int(page.text("#n-warning")) == sev["warning"]
    assert int(page.text("#n-overdue")) == sum(a["overdue"] for r in results for a in r["next_actions"])
    assert pg.locator("#rows-body tr.rec").count() == min(50, len(results))  # one page, not every record

    def shown_ids() -> list[str]:
        return pg.locator("#rows-body tr.rec td:nth-child(2)").all_inner_texts()

    # filter by rule: exactly the records with that rule
    pg.select_option("#f-rule", label=f"review.late ({sum(any(v['rule'] == 'review.late' for v in r['violations']) for r in results)})")
    want = [r["record"] for r in results if any(v["rule"] == "review.late" for v in r["violations"])]
    assert page.count() == len(want) and shown_ids() == want
    # and a process on top
    pg.select_option("#f-process", label=f"order ({sum(r['process'] == 'order' for r in results)})")
    assert shown_ids() == [r["record"] for r in results if r["process"] == "order" and r["record"] in want]
    pg.click("#reset")
    # severity: records with at least one warning
    pg.select_option("#f-severity", value="1")
    assert page.count() == sum(any(v["severity"] == "warning" for v in r["violations"]) for r in results)
    pg.click("#reset")
    # a clause, from a click on its bar in the chart
    pg.click(".chart .bar[data-filter='clause'][data-value='ORD-06']")
    assert page.count() == sum(any("ORD-06" in v["clauses"] for v in r["violations"]) for r in results)
    pg.click("#reset")
    # state, and typing in the search box
    pg.fill("#f-q", "DD2023060")
    assert shown_ids() == [r["record"] for r in results if r["record"] and "dd2023060" in r["record"].lower()]
    pg.click("#reset")
    assert page.count() == len(results)
    # pages
    assert page.text("#page-info").endswith(f"/ {-(-len(results) // 50)}")
    pg.click("#next")
    assert shown_ids()[0] == results[50]["record"]
    pg.click("#prev")
    # a click opens the record: its violations, next actions and trace
    pg.fill("#f-q", "DD20230520013")
    pg.click("#rows-body tr.rec")
    detail = page.text("#rows-body tr.detail")
    rec = next(r for r in results if r["record"] == "DD20230520013")
    for v in rec["violations"]:
        assert v["message"] in detail
    assert "ship: Ship and scan the outbound code → warehouse" in detail and "start in 'placed'" in detail
    pg.click("#reset")
    pg.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.problems == []
    page.close()


def test_hostile_record_ids_do_not_run(browser, capsys, tmp_path):
    recs = [r for r in read_jsonl(EXAMPLES / "orders.jsonl")][:3]
    ids = ["</script><img src=x onerror=\"window.__pwned=1\">", "\"><svg onload=\"window.__pwned=2\">", "<b>x</b>&amp;"]
    for r, i in zip(recs, ids):
        r["id"] = i
    src = tmp_path / "hostile.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    page = Page(browser, _report(capsys, tmp_path, [str(src)]))
    pg = page.page
    pg.wait_for_selector("body[data-ready='1']")
    assert pg.evaluate("window.__pwned") is None
    assert pg.locator("img").count() == 0 and pg.locator("#rows-body b").count() == 0
    assert pg.locator("#rows-body tr.rec td:nth-child(2)").all_inner_texts() == ids
    pg.click("#rows-body tr.rec >> nth=0")
    assert pg.evaluate("window.__pwned") is None
    assert page.problems == []
    page.close()


def test_a_large_report_renders_one_page_of_rows(browser, tmp_path):
    """20,000 records: the page holds 50 table rows, not 20,000, and filtering walks the index only."""
    from sopengine.report import FORMATS, ReportOptions

    from .test_report_html import _synthetic

    path = tmp_path / "big.html"
    with open(path, "w", encoding="utf-8") as out:
        FORMATS["html"](_synthetic(20_000), out, ReportOptions(now=NOW))
    page = Page(browser, path)
    pg = page.page
    pg.wait_for_selector("body[data-ready='1']", timeout=60_000)
    assert page.count() == 20_000 and pg.locator("tr").count() < 200
    pg.select_option("#f-rule", label="rule7 (500)")
    assert page.count() == 500
    assert page.problems == []
    page.close()


def test_graph_renders_without_overlapping_states(browser, capsys, tmp_path):
    results = tmp_path / "results.json"
    run(capsys, "check", str(EXAMPLES), "--now", AT, "--format", "json", "--explain", "-o", str(results))
    code, out, err = run(capsys, "graph", "order", "--format", "html", "--results", str(results))
    assert code == 0, err
    page_file = tmp_path / "graph.html"
    page_file.write_text(out, "utf-8")
    page = Page(browser, page_file)
    pg = page.page
    pg.wait_for_load_state()
    boxes = pg.evaluate("""() => Array.from(document.querySelectorAll('g.node rect:first-of-type')).map(r => {
        const b = r.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })""")
    states = pg.evaluate("() => Array.from(document.querySelectorAll('g.node')).map(g => g.dataset.state)")
    assert len(boxes) == len(states) > 5 and all(w > 50 and h > 20 for _, _, w, h in boxes)
    for i, (x, y, w, h) in enumerate(boxes):
        for (x2, y2, w2, h2) in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y  # no two states drawn on each other
    took = pg.evaluate("() => Array.from(document.querySelectorAll('g.edge')).map(g => +g.dataset.records)")
    assert sum(took) > 50 and pg.locator("g.edge path[stroke='#c0392b']").count() > 0
    pg.screenshot(path=str(tmp_path / "graph.png"), full_page=True)
    assert (tmp_path / "graph.png").stat().st_size > 10_000
    assert page.problems == []
    page.close()

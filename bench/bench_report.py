"""The HTML report (#13) of 100,000 records: how fast it is written, and how soon a browser has it ready.

The results are those of the bundled examples, repeated with their own ids (so the
report holds real messages, next actions and traces), made once and handed to each
writer. Baseline measured in the same run: the JSON writer on the same results (what
any report costs to serialise). The browser figure is the median wall time from
opening the file in headless Chromium (Debian's, through Playwright) until the page
says it is ready: rows parsed, filters wired, the first page drawn.

    python bench/bench_report.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from figures import figure

NOW = "2023-06-03T12:00:00+08:00"


def results(n: int) -> list[Any]:
    import sopengine
    from sopengine.inputs.records import read_inputs

    engine = sopengine.load(ROOT / "rules")
    now = datetime.fromisoformat(NOW)
    seeds = list(engine.evaluate_many(read_inputs([str(ROOT / "examples")]), now))
    return [dataclasses.replace(seeds[i % len(seeds)], record=f"R{i:07d}") for i in range(n)]


def write_seconds(fmt: str, rs: list[Any], path: Path, repeat: int) -> float:
    from sopengine.report import FORMATS, ReportOptions

    opts = ReportOptions(now=datetime.fromisoformat(NOW), trace=True, tool_version="bench")
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as out:
            FORMATS[fmt](iter(rs), out, opts)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def browser_seconds(path: Path, repeat: int) -> float | None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat):
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            times.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    return statistics.median(times)


def main(argv: list[str]) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    rs = results(a.records)
    with tempfile.TemporaryDirectory() as tmp:
        html, js = Path(tmp, "report.html"), Path(tmp, "results.json")
        t_html = write_seconds("html", rs, html, a.repeat)
        t_json = write_seconds("json", rs, js, a.repeat)
        size = html.stat().st_size
        t_open = browser_seconds(html, a.repeat)
    n = a.records
    ratio = t_json / t_html
    figs = [
        figure("HTML report writer", round(n / t_html), "records/s", "≥ 0.5× the JSON writer",
               f"JSON writer {round(n / t_json):,}/s ({ratio:.2f}×)", ratio >= 0.5, f"{size / 1e6:.1f} MB for {n:,} records"),
        figure(f"HTML report of {n:,} records ready in Chromium", None if t_open is None else round(t_open, 2), "s",
               "≤ 3 s", "—", None if t_open is None else t_open <= 3.0, "" if t_open is not None else "no chromium/playwright"),
    ]
    for f in figs:
        print(f)
    return {"bench": "report", "figures": figs}


if __name__ == "__main__":
    main(sys.argv[1:])

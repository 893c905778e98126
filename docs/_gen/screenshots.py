"""Regenerate docs/img/report.png and docs/img/graph.png from a real run on the bundled examples.

    python docs/_gen/screenshots.py

Needs what the browser tests need: Debian's chromium (apt-get install chromium) and
Playwright for Python (in the test extra); fonts-noto-cjk draws the Chinese in the data.
It writes the report with `sopengine check examples/ --format html --explain`, opens it
in headless Chromium, opens one record (a click, as a reader would), and shoots the page
down to the records table; the graph is `sopengine graph order --format html --results`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
NOW = "2023-06-03T12:00:00+08:00"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def sop(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sopengine", *args], cwd=ROOT, check=False)


def main() -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        report, results, graph = Path(tmp, "report.html"), Path(tmp, "results.json"), Path(tmp, "graph.html")
        sop("check", "examples/", "--now", NOW, "--format", "html", "--explain", "-o", str(report))
        sop("check", "examples/", "--now", NOW, "--format", "json", "--explain", "-o", str(results))
        with open(graph, "w", encoding="utf-8") as f:
            subprocess.run([sys.executable, "-m", "sopengine", "graph", "order", "--format", "html", "--results",
                            str(results)], cwd=ROOT, stdout=f, check=True)
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(str(Path(tmp, "profile")), executable_path=chromium,
                                                           headless=True, args=ARGS, viewport={"width": 1280, "height": 900})
            page = browser.new_page()
            page.goto(report.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            page.select_option("#f-process", index=3)  # a process with errors, as someone looking would pick
            page.click("#rows-body tr.rec >> nth=2")
            page.evaluate("document.querySelectorAll('details.agenda-role').forEach((d, i) => d.open = i < 2)")
            page.screenshot(path=str(out / "report.png"), full_page=True)
            page.goto(graph.as_uri())
            page.screenshot(path=str(out / "graph.png"), full_page=True)
            browser.close()
    print(f"wrote {out / 'report.png'} and {out / 'graph.png'}")


if __name__ == "__main__":
    main()

"""`check --format html`: one self-contained file whose figures are those of the JSON results.

The browser tests (tests/test_browser.py) open it in Chromium; these read the file
itself: what it loads (nothing), what it counts, how it escapes and masks, and
that the writer streams.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import re
import tracemalloc
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from sopengine.report import FORMATS, ReportOptions
from sopengine.report import html as html_report
from sopengine.results import NextAction, Result, SourceRef, Text, Violation

from .clirun import run
from .conftest import EXAMPLES, NOW, read_jsonl

AT = "2023-06-03T12:00:00+08:00"
XSS = "</script><img src=x onerror=\"window.__pwned=1\">\"'><svg onload=alert(1)>&amp;\u2028"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str, str | None]] = []
        self.scripts: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag == "script":
            self._in = dict(attrs).get("id") or "main"
            self.scripts[self._in] = ""

    def handle_data(self, data):
        if self._in:
            self.scripts[self._in] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None


def _report(capsys, tmp_path: Path, *args: str) -> tuple[str, _Tags]:
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "check", *(args or (str(EXAMPLES),)), "--now", AT, "--format", "html", "-o", str(out), "--explain")
    assert code in (0, 1), err
    text = out.read_text("utf-8")
    tags = _Tags()
    tags.feed(text)
    return text, tags


def test_self_contained_no_network_and_only_its_own_script(capsys, tmp_path):
    text, tags = _report(capsys, tmp_path)
    assert not any(k in ("src", "href") for _, k, _ in tags.attrs)  # nothing to fetch: no <link>, <img src>, <script src>
    urls = [v for _, k, v in tags.attrs if v and "://" in v and k != "xmlns"]
    assert urls == [] and "url(" not in text and "@import" not in text and "fetch(" not in tags.scripts["main"]
    (csp,) = [v for t, k, v in tags.attrs if t == "meta" and k == "content" and v and "default-src" in v]
    digest = base64.b64encode(hashlib.sha256(tags.scripts["main"].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    executable = [t for t, k, v in tags.attrs if t == "script" and k == "type"]
    assert tags.tags["script"] == len(executable) + 1  # every other script block is JSON data


def test_counts_are_those_of_the_json_results(capsys, tmp_path):
    results = json.loads(run(capsys, "check", str(EXAMPLES), "--now", AT, "--format", "json", "--explain")[1])
    text, tags = _report(capsys, tmp_path)
    shown = {m.group(1): int(m.group(2)) for m in re.finditer(r'id="(n-[a-z]+)" data-count="(\d+)"', text)}
    sev = Counter(v["severity"] for r in results for v in r["violations"])
    assert shown == {"n-records": len(results), "n-violations": sum(sev.values()), "n-error": sev["error"],
                     "n-warning": sev["warning"], "n-info": sev["info"], "n-eval": sum(r["error"] is not None for r in results),
                     "n-actions": sum(len(r["next_actions"]) for r in results),
                     "n-overdue": sum(a["overdue"] for r in results for a in r["next_actions"]),
                     "n-unverified": sum(len(r.get("unverified", ())) for r in results)}
    rows = json.loads(tags.scripts["rows"])
    meta = json.loads(tags.scripts["meta"])
    assert [r[0] for r in rows] == [r["record"] for r in results]
    for row, res in zip(rows, results):
        assert meta["processes"][row[1]] == (res["process"] or "?")
        assert sorted(meta["rules"][i] for i in row[5]) == sorted({v["rule"] for v in res["violations"]})
        assert row[7] == len(res["violations"]) and row[8] == len(res["next_actions"])
        d = json.loads(tags.scripts[f"d{row[11]}"])[row[12]]
        assert [v[3] for v in d[0]] == [v["message"] for v in res["violations"]]
        assert d[2] == res.get("trace", [])  # --explain: the trace is there for a click
    for proc in {r["process"] for r in results if r["process"]}:
        m = re.search(rf'<tr data-process="{proc}"><td>{proc}</td><td class="n" data-col="records">(\d+)</td>', text)
        assert m and int(m.group(1)) == sum(r["process"] == proc for r in results)
    digests = {r["digest"] for r in results if r["digest"]}
    assert digests and all(d in text for d in digests)


def _hostile(tmp_path: Path) -> Path:
    recs = [r for r in read_jsonl(EXAMPLES / "orders.jsonl") if r["id"] in ("DD20230520013", "DD20230601001")]
    recs[0]["id"] = XSS
    recs[1]["id"] = "DD-13812345678"  # a mobile number in an id is masked like any other text from a record
    p = tmp_path / "hostile.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    return p


def test_record_text_cannot_become_markup(capsys, tmp_path):
    text, tags = _report(capsys, tmp_path, str(_hostile(tmp_path)))
    assert tags.tags["img"] == 0 and tags.tags["svg"] == 2 and "onerror" not in {k for _, k, _ in tags.attrs}
    assert text.count("</script>") == tags.tags["script"]
    rows = json.loads(tags.scripts["rows"])
    assert rows[0][0] == XSS  # the data is intact, only its encoding is safe
    assert "13812345678" not in text and rows[1][0] == "DD-138****5678"
    assert "DD-138****5678" in text


def test_chinese(capsys, tmp_path):
    out = tmp_path / "zh.html"
    run(capsys, "check", str(EXAMPLES), "--now", AT, "--format", "html", "--lang", "zh", "-o", str(out))
    text = out.read_text("utf-8")
    assert '<html lang="zh-CN">' in text and "按角色的待办" in text and "发货并扫描出库" in text


def _synthetic(n: int):
    for i in range(n):
        v = Violation(f"rule{i % 40}", ("error", "warning", "info")[i % 3], (f"ORD-{i % 12:02d}",),
                      Text("消息", f"message {i} " + "x" * 60), "/events/0")
        a = NextAction("ship", ("warehouse", "cs_agent")[i % 2], "2023-06-02T09:00:00+08:00", ("ORD-06",),
                       Text("发货", "Ship"), None, True)
        yield Result(f"R{i:07d}", "order", "1.0.0", "packed", (v,), (a,), digest="sha256:" + "0" * 64,
                     source=SourceRef("big.jsonl", i + 1))


def _peak(n: int, tmp_path: Path) -> int:
    opts = ReportOptions(now=NOW, tool_version="t")
    with open(tmp_path / f"big{n}.html", "w", encoding="utf-8") as out:
        tracemalloc.start()
        FORMATS["html"](_synthetic(n), out, opts)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_the_writer_streams_memory_flat_in_records(tmp_path, monkeypatch):
    monkeypatch.setattr(html_report, "SPOOL", 1 << 16)  # spool to disk early, as a 100k batch does past 8 MiB
    small, large = _peak(1_000, tmp_path), _peak(8_000, tmp_path)
    assert large < small * 1.5, (small, large)  # eight times the records, not eight times the memory
    size = (tmp_path / "big8000.html").stat().st_size
    assert size < 8_000 * 400  # bytes per record bounded: compact rows, names interned


def test_empty_batch(tmp_path):
    out = io.StringIO()
    summary = FORMATS["html"](iter(()), out, ReportOptions(now=NOW))
    assert summary.records == 0 and out.getvalue().rstrip().endswith("</html>")
    tags = _Tags()
    tags.feed(out.getvalue())
    assert json.loads(tags.scripts["rows"]) == []


class _Unverified(NamedTuple):
    rule: str
    clauses: tuple[str, ...]
    needs: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _ResultWithUnverified(Result):  # the shape results take once the engine reports unverified rules
    unverified: tuple[_Unverified, ...] = ()


def test_unverified_rules_are_shown_not_counted_as_findings():
    u = _Unverified("ORD-delay-chased", ("ORD-07",), ("/events/*/type=delay_chased",))
    rs = [_ResultWithUnverified(f"R{i}", "order", "1.0.0", "shipped", unverified=(u,) if i % 2 else ()) for i in range(6)]
    out = io.StringIO()
    summary = FORMATS["html"](iter(rs), out, ReportOptions(now=NOW))
    text = out.getvalue()
    tags = _Tags()
    tags.feed(text)
    assert summary.by_severity == {"error": 0, "warning": 0, "info": 0} and summary.worst is None
    assert 'id="n-unverified" data-count="3"' in text and 'id="n-violations" data-count="0"' in text
    assert '<tr data-rule="ORD-delay-chased"><td>ORD-delay-chased</td><td>ORD-07</td><td>/events/*/type=delay_chased</td><td class="n">3</td>' in text
    details = json.loads(tags.scripts["d0"])
    assert details[1][4] == [["ORD-delay-chased", ["ORD-07"], ["/events/*/type=delay_chased"]]] and details[0][4] == []

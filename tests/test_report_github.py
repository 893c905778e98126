"""GitHub annotations up to what GitHub shows (10 of each kind per step), the most severe first,
every other finding still in the log, and a Markdown job summary that counts everything."""

from __future__ import annotations

import json
import re
from collections import Counter

from .clirun import run
from .conftest import EXAMPLES, ROOT

NOW = "2023-06-03T12:00:00+08:00"
ANNOTATION = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=\d+,title=([^:]+)::(.+)$")
PLAIN = re.compile(r"^([^:]+):(\d+):\d+: (error|warning|info) (\S+)")
KIND = {"error": "error", "warning": "warning", "info": "notice"}


def github(capsys, monkeypatch, summary=None, *inputs):
    if summary is None:
        monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    else:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(capsys, "check", *(inputs or [EXAMPLES]), "--now", NOW, "--format", "github",
                       "--rules", ROOT / "rules", "--srcroot", ROOT)
    return code, out.splitlines()


def reference(capsys):
    return json.loads(run(capsys, "check", EXAMPLES, "--now", NOW, "--format", "json")[1])


def test_most_severe_first_ten_of_each_kind_the_rest_in_the_log(capsys, monkeypatch):
    ref = reference(capsys)
    code, lines = github(capsys, monkeypatch)
    annotations = [ANNOTATION.match(ln) for ln in lines if ln.startswith("::")]
    assert code == 1 and all(annotations)
    kinds = Counter(m.group(1) for m in annotations)
    expected = Counter(v["severity"] for r in ref for v in r["violations"])
    expected["error"] += sum(r.get("error") is not None for r in ref)
    assert all(kinds[KIND[s]] == min(10, expected[s]) for s in expected)
    ranks = [{"error": 2, "warning": 1, "notice": 0}[m.group(1)] for m in annotations]
    assert ranks == sorted(ranks, reverse=True)
    assert all(not m.group(2).startswith("/") and (ROOT / m.group(2)).is_file() for m in annotations)  # relative to the root
    plain = [PLAIN.match(ln) for ln in lines if not ln.startswith(("::", "sopengine: "))]
    assert all(plain)
    assert len(annotations) + len(plain) == sum(expected.values())  # nothing dropped
    assert lines[-2].startswith(f"sopengine: {len(ref)} records")
    left = sum(expected.values()) - len(annotations)
    assert lines[-1].startswith(f"sopengine: {left} findings are not annotated")


def test_job_summary_counts_by_process_rule_and_severity(capsys, monkeypatch, tmp_path):
    ref = reference(capsys)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", "utf-8")
    github(capsys, monkeypatch, summary)
    md = summary.read_text("utf-8")
    assert md.startswith("earlier step\n## sopengine check")  # appended, as GitHub expects
    n = sum(len(r["violations"]) for r in ref)
    assert f"**{len(ref)} records**, {n} violations" in md
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in md.split("### By process")[1].split("###")[0].splitlines() if line.startswith("| ") and "process" not in line}
    for p in {r["process"] for r in ref if r["process"]}:
        recs = [r for r in ref if r["process"] == p]
        sev = Counter(v["severity"] for r in recs for v in r["violations"])
        assert rows[p] == [str(len(recs)), str(sev["error"]), str(sev["warning"]), str(sev["info"]),
                           str(sum(r.get("error") is not None for r in recs))]
    by_rule = Counter(v["rule"] for r in ref for v in r["violations"])
    top_rule, top_n = by_rule.most_common(1)[0]
    assert re.search(rf"\| `{re.escape(top_rule)}` \| [a-z_]+ \|[^\n]*\| {top_n} \|", md)
    assert "findings are not annotated" in md


def test_no_summary_without_the_variable(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    github(capsys, monkeypatch, None, EXAMPLES / "orders.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_summary_cells_cannot_break_the_table():
    from sopengine.report.jobsummary import cell

    assert cell("a|b\nc<script>") == "a\\|b c&lt;script&gt;"

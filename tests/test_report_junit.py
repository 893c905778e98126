"""JUnit as Jenkins and GitLab read it: a case per record and per rule it broke, one failure per
case, every violation in the report, counts that agree (tests/junitkit.py checks the structure)."""

from __future__ import annotations

import io
import json

import pytest

from sopengine.report import FORMATS, ReportOptions
from sopengine.results import Result, SourceRef, Text, Violation

from .clirun import run
from .conftest import EXAMPLES, ROOT, read_jsonl
from .junitkit import cases, problems

NOW = "2023-06-03T12:00:00+08:00"
RANK = {"error": 2, "warning": 1, "info": 0}


def junit(capsys, *inputs, fail_on="error"):
    code, out, _err = run(capsys, "check", *(inputs or [EXAMPLES]), "--now", NOW, "--format", "junit",
                         "--fail-on", fail_on, "--rules", ROOT / "rules", "--profile", "full")  # as the examples record
    return code, out


def reference(capsys, *inputs):
    return json.loads(run(capsys, "check", *(inputs or [EXAMPLES]), "--now", NOW, "--format", "json", "--profile", "full")[1])


@pytest.mark.parametrize("fail_on", ["error", "warning", "info", "never"])
def test_every_example_one_case_per_record_and_rule_one_failure_each(capsys, fail_on):
    ref = reference(capsys)
    code, out = junit(capsys, fail_on=fail_on)
    assert problems(out) == []
    got = cases(out)
    expected = []
    for r in ref:
        name = r["record"] or f"line {r['source']['line']}"
        expected.append((name, None))
        for rule in dict.fromkeys(v["rule"] for v in r["violations"]):
            expected.append((f"{name} {rule}", rule))
    assert [c.get("name") for c in got] == [n for n, _ in expected]
    threshold = None if fail_on == "never" else RANK[fail_on]
    failing = {(r["record"], v["rule"]) for r in ref for v in r["violations"]
               if threshold is not None and RANK[v["severity"]] >= threshold}
    failures = [c for c in got if c.find("failure") is not None]
    assert len(failures) == len(failing)
    assert sorted(c.find("failure").get("type") for c in failures) == sorted(rule for _, rule in failing)
    # every violation is written out once, in its rule's case: none merged away
    texts = "\n".join((c.findtext("failure") or "") + (c.findtext("system-out") or "") for c in got)
    assert texts.count("\nevidence: ") + texts.startswith("evidence: ") == sum(len(r["violations"]) for r in ref)
    errors = [c for c in got if c.find("error") is not None]
    assert len(errors) == sum(r.get("error") is not None for r in ref)
    assert code == (1 if failing else 0)


def test_three_banned_words_one_case_one_failure_three_listed(capsys, tmp_path):
    product = read_jsonl(EXAMPLES / "products.jsonl")[1] | {"id": "P-3W", "title": "男士休闲运动鞋 最好的 第一 顶级 跑步鞋"}
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps(product, ensure_ascii=False) + "\n", "utf-8")
    _, out = junit(capsys, p)
    assert problems(out) == []
    (case,) = [c for c in cases(out) if c.get("name") == "P-3W PRD-banned-words"]
    (failure,) = case.findall("failure")
    assert failure.text.count("PRD-banned-words [") >= 3 and "more)" in failure.get("message")


def _result(*sevs: str, rid: str = "R1", msg: str = "bad") -> Result:
    vs = tuple(Violation(f"rule.{s}", s, ("ORD-06",), Text(msg, msg), "/events/0") for s in sevs)  # type: ignore[arg-type]
    return Result(rid, "order", "1.0.0", "shipped", vs, source=SourceRef("in.jsonl", 3, 1))


def test_an_unevaluated_record_is_an_error_case_and_structure_catches_breakage():
    out = io.StringIO()
    FORMATS["junit"]([Result("R9", "order", None, None, (), error="no placed_at", source=SourceRef("in.jsonl", 9))],
                     out, ReportOptions())
    assert problems(out.getvalue()) == []
    (case,) = cases(out.getvalue())
    assert case.find("error").get("message") == "no placed_at" and case.find("failure") is None
    # the checker itself: a second failure in a case, a line attribute, a wrong count are all caught
    broken = out.getvalue().replace('<testcase ', '<testcase line="9" ', 1).replace('errors="1"', 'errors="2"', 1)
    broken = broken.replace("</error>", "</error><failure type='x' message='y'/>", 1)
    found = problems(broken)
    assert any("attribute line" in f for f in found) and any("2 outcomes" in f for f in found)
    assert any("errors=2" in f for f in found)


def test_unicode_control_characters_are_replaced():
    out = io.StringIO()
    FORMATS["junit"]([_result("error", rid="A\x01B", msg="x\x00y")], out, ReportOptions())
    assert problems(out.getvalue()) == []
    assert cases(out.getvalue())[0].get("name") == "A\ufffdB"

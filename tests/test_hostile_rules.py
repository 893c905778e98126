"""A rule author's mistakes: each is a positioned load error (exit 2 where nothing can be judged),
never a traceback, a clean ``validate``, or a rule that fails open on every record.

Classes covered: numbers out of range in every span a rules file can write; trees
that are not rules trees (empty, no process, no clause list); clause ids with a
new prefix; expressions whose type cannot fit their role (conditions, asserts,
``due``, ``for_each``, evidence), bad regular expressions, ``dyn`` type errors,
message placeholders that name no evidence; YAML indentation and tabs; a record
schema that is not where the engine looks.
"""

from __future__ import annotations

import re
import textwrap

import pytest

import sopengine
from sopengine.errors import DefinitionError

from .clirun import run
from .conftest import MINI, RULES


def findings(capsys, tree) -> tuple[int, str]:
    code, out, err = run(capsys, "validate", str(tree.root))
    assert "Traceback" not in out + err
    return code, out


# -- 5: every number of every span is range-checked, at its line ---------------------------

@pytest.mark.parametrize("within", ["99999999999999d", "9999999999999999999999h", "P99999999999999D",
                                    "999999999999999 working hours", "99999999 working days", "36526d",
                                    "876625h", "9999999999m", "99999999999999999999s"])
def test_a_span_beyond_a_hundred_years_is_a_positioned_error(capsys, tree, within):
    text = MINI.replace("within: 24h", f"within: {within}")
    if "working" in within:
        text = text.replace("start_field: placed_at", "start_field: placed_at\ncalendar: cn")
        tree("calendars/cn.yaml", (RULES / "calendars" / "cn.yaml").read_text("utf-8"))
    p = tree("processes/order.yaml", text)
    code, out = findings(capsys, tree)
    line = textwrap.dedent(text).lstrip("\n").splitlines().index(next(
        ln for ln in textwrap.dedent(text).lstrip("\n").splitlines() if within in ln)) + 1
    assert code == 1 and f"{p}:{line}:" in out and "is longer than 36525 days (100 years)" in out, out


def test_the_longest_span_still_loads():
    from sopengine.chrono.instants import MAX_SPAN_DAYS, parse_duration

    assert parse_duration(f"{MAX_SPAN_DAYS}d").days == MAX_SPAN_DAYS


# -- 6, 7: a tree that is not a rules tree ------------------------------------------------

def test_an_empty_directory_is_not_a_rules_tree(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "validate", str(tmp_path / "empty"))
    assert code == 2 and "holds no YAML file" in out and "hint: a rules tree holds manual.yaml" in out
    code, out, err = run(capsys, "check", str(RULES / "tests"), "--rules", str(tmp_path / "empty"))
    assert (code, out) == (2, "") and "holds no YAML file" in err


def test_a_directory_without_processes_is_not_a_rules_tree(capsys, tree):
    code, out = findings(capsys, tree)  # only manual.yaml
    assert code == 2 and "no process definitions: none of the 1 YAML file(s)" in out
    with pytest.raises(DefinitionError, match="no process definitions"):
        sopengine.load(tree.root)


def test_a_tree_without_a_clause_list_is_an_error(capsys, tree):
    (tree.root / "manual.yaml").unlink()
    tree("processes/order.yaml", MINI.replace("clauses: [ORD-02]", "clauses: [ORD-99]"))
    code, out = findings(capsys, tree)
    assert code == 1 and "the rules tree has no clause list, so no cited clause can be checked" in out
    with pytest.raises(DefinitionError, match="no clause list"):
        sopengine.load(tree.root)


def test_an_unknown_clause_with_a_new_prefix_says_where_clauses_are_declared(capsys, tree):
    tree("processes/order.yaml", MINI.replace("clauses: [ORD-02]", "clauses: [TPX-01]").replace(
        "clauses: [ORD-06]", "clauses: [ORD-61]"))
    code, out = findings(capsys, tree)
    manual = tree.root / "manual.yaml"
    assert code == 1 and "clause 'TPX-01' is not in the manual's clause list" in out
    tpx = next(ln for ln in out.splitlines() if "TPX-01" in ln)
    assert "did you mean" not in tpx and f"clauses are declared in {manual} (kind: Manual, `clauses`)" in tpx
    ord61 = next(ln for ln in out.splitlines() if "ORD-61" in ln)
    assert re.search(r"did you mean 'ORD-\d\d'\?", ord61), ord61


def test_a_missing_record_schema_says_where_it_was_looked_for(capsys, tree):
    tree("processes/order.yaml", MINI.replace("records/order.schema.json", "records/refund.schema.json"))
    code, out = findings(capsys, tree)
    assert code == 1 and "record schema 'records/refund.schema.json' not found; looked in " in out
    assert f"{tree.root}/schemas" in out and "schemas/records/<process>.schema.json" in out


# -- 11: expressions that cannot be right do not load ------------------------------------

CHECK = """checks:
  - id: c1
    type: expression
    severity: error
    clauses: [ORD-02]
    message: {zh: "金额 {amount}", en: "amount {amount}"}
    params:
      assert: %s
      evidence: {amount: "record.amount"}
"""


@pytest.mark.parametrize("assertion, message", [
    ("'\"paid\"'", "gives a string, but here it must give true or false"),
    ("'1'", "gives an integer, but here it must give true or false"),
    ("'record.items.size()'", "gives an integer, but here it must give true or false"),
    ("'record.big_promotion + 1 > 0'", "fails on a record that fits the schema: No matching overloads found : _+_(bool, int64)"),
    ("'record.amount + \"x\" == \"y\"'", "fails on a record that fits the schema: No matching overloads"),
    ("\"record.payment_status.matches('(unclosed')\"", "regular expression '(unclosed' does not compile"),
    ("\"has(record.owner) && record.owner.matches('[a-')\"", "regular expression '[a-' does not compile"),
    ("'record.payment_status'", "gives str on a record of the schema, but here it must give true or false"),
])
def test_an_assert_that_cannot_be_true_or_false_does_not_load(capsys, tree, assertion, message):
    p = tree("processes/order.yaml", MINI + CHECK % assertion)
    code, out = findings(capsys, tree)
    assert code == 1 and message in out and f"{p}:" in out and "[at /checks/0/params/assert]" in out, out


@pytest.mark.parametrize("field, source, message", [
    ("when", "'record.amount'", "gives"),
    ("evidence", "{amount: \"{'a': 1}\"}", "gives map<string, int>, but here it must give a value a message can print"),
    ("for_each", "'record.amount'", "but here it must give a list"),
])
def test_conditions_evidence_and_lists_are_typed_by_role(capsys, tree, field, source, message):
    body = CHECK % "'true'"
    if field == "when":
        body = body.replace("    params:", f"    when: {source}\n    params:")
    elif field == "evidence":
        body = body.replace('evidence: {amount: "record.amount"}', f"evidence: {source}")
    else:
        body = body.replace("    params:\n", f"    params:\n      for_each: {source}\n")
    tree("processes/order.yaml", MINI + body)
    code, out = findings(capsys, tree)
    assert code == 1 and message in out, out


def test_a_due_that_is_not_a_timestamp_does_not_load(capsys, tree):
    text = MINI.replace("sla: {within: 24h, from: {field: placed_at}}",
                        "sla: {within: 24h, from: {field: placed_at}, cases: [{id: c, when: 'true', due: '42'}]}")
    tree("processes/order.yaml", text)
    code, out = findings(capsys, tree)
    assert code == 1 and "gives an integer, but here it must give a timestamp" in out and "/cases/0/due" in out


def test_a_message_placeholder_that_names_no_evidence_does_not_load(capsys, tree):
    body = (CHECK % "'true'").replace('en: "amount {amount}"', 'en: "amount {amount} of {sku}"')
    tree("processes/order.yaml", MINI + body)
    code, out = findings(capsys, tree)
    assert code == 1 and "message placeholder {sku} names no evidence of this rule" in out
    assert "[at /checks/0/message/en]" in out and "hint: evidence: amount;" in out


def test_the_bundled_rules_pass_every_type_check(engine):
    assert not [f for f in engine.warnings if f.code in ("cel-type", "message-placeholder")]


def test_a_rule_that_cannot_be_evaluated_is_as_severe_as_the_rule(engine):
    """The probe cannot see everything (a field absent from a real record); what slips through is
    reported at the rule's own severity, so --fail-on error still fails."""
    from sopengine.evaluate_checks import severity_at_least_warning

    assert [severity_at_least_warning(s) for s in ("error", "warning", "info")] == ["error", "warning", "warning"]


def test_an_unevaluable_error_rule_fails_the_gate(tree, capsys):
    body = (CHECK % "'record.owner.size() > 0'")  # owner is optional: a record without it cannot be judged
    tree("processes/order.yaml", MINI + body)
    rec = tree.root.parent / "r.jsonl"
    rec.write_text('{"process": "order", "id": "A", "placed_at": "2023-06-01T10:00:00+08:00", "events": []}\n', "utf-8")
    code, out, _err = run(capsys, "check", str(rec), "--rules", str(tree.root), "--now", "2023-06-03T12:00:00+08:00")
    assert code == 1 and "error   c1:unevaluable" in out, out


# -- 12: YAML indentation and tabs --------------------------------------------------------

@pytest.mark.parametrize("text, where, hint", [
    ("apiVersion: sopengine/v1\n\tkind: Process\n", ":2:1:", "YAML indents with spaces only"),
    ("apiVersion: sopengine/v1\nkind: Process\n  id: x\n", ":3:5:", "align the key with its siblings"),
    ("a:\n  - x\n - y\n", ":3:2:", "indent it like its siblings"),
    ('a: "x\n', ":2:1:", "a quote or bracket is not closed"),
])
def test_bad_indentation_and_tabs_say_where_and_what_to_do(capsys, tree, text, where, hint):
    p = tree("processes/bad.yaml", text)
    code, out = findings(capsys, tree)
    line = next(ln for ln in out.splitlines() if ln.startswith(str(p)))
    assert code == 1 and line.startswith(f"{p}{where} error: YAML syntax:") and "(hint: " in line and hint in line, line

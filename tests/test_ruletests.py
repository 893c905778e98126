"""`sopengine test`: rule tests in YAML, their failures, bad input and coverage, end to end.

The scratch trees use the MINI order process of conftest (review, then ship
within 24 h of placed_at), so each expectation below is worked out by hand.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest
import yaml

from .clirun import run
from .conftest import EXAMPLES, MINI, RULES, SCHEMAS

HEAD = """
apiVersion: sopengine/v1
kind: RuleTests
id: t
process: order
now: "2023-06-03T12:00:00+08:00"
cases:
"""
LATE = """{id: A, placed_at: "2023-06-01T09:00:00+08:00", events: [
      {type: reviewed, at: "2023-06-01T10:00:00+08:00", role: ops_specialist},
      {type: shipped, at: "2023-06-02T10:00:00+08:00", role: warehouse}]}"""
ON_TIME = LATE.replace("2023-06-02T10:00", "2023-06-01T11:00").replace("id: A", "id: B")
REVIEWED = LATE.replace(""",
      {type: shipped, at: "2023-06-02T10:00:00+08:00", role: warehouse}""", "").replace("id: A", "id: E")


def suite(tree, cases: str, name: str = "tests/t.test.yaml"):
    tree("processes/order.yaml", MINI)
    return tree(name, HEAD + textwrap.indent(textwrap.dedent(cases).strip("\n"), "  ") + "\n")


def test_bundled_rules_pass_their_own_tests_with_coverage(capsys):
    code, out, err = run(capsys, "test", "--rules", RULES, "--coverage")
    assert code == 0, out + err
    assert re.search(r"\d+ case\(s\): \d+ passed, 0 failed, 0 could not run", out)
    assert re.search(r"coverage: \d+\.\d% \(\d+ of \d+\): checks \d+/\d+, steps \d+/\d+", out)
    assert " order step " not in out  # every order step is performed by some case
    assert " order check " not in out  # and every order check both fires and passes


def test_rewording_the_trace_cannot_change_coverage(capsys, monkeypatch):
    """Step coverage reads the replay's structured steps: a trace worded otherwise (or none) changes nothing."""
    from sopengine import engine as engine_module

    code, plain, _ = run(capsys, "test", "--rules", RULES, "--coverage")
    steps = re.search(r"steps (\d+)/(\d+)", plain)
    assert code == 0 and steps and steps.group(1) == steps.group(2) != "0", plain
    real = engine_module.evaluate_record

    def reworded(*args, **kwargs):
        result = real(*args, **kwargs)
        return replace(result, trace=tuple(f"line {i} said otherwise" for i, _ in enumerate(result.trace)))

    monkeypatch.setattr(engine_module, "evaluate_record", reworded)
    assert run(capsys, "test", "--rules", RULES, "--coverage") == (code, plain, "")
    monkeypatch.setattr(engine_module, "evaluate_record", lambda *a, **k: replace(real(*a, **k), trace=()))
    assert run(capsys, "test", "--rules", RULES, "--coverage") == (code, plain, "")


def test_bundled_tests_fail_when_the_rule_changes(tmp_path, capsys):
    """The bundled tests pin behaviour: letting customer service ship must break them."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    order = tmp_path / "rules" / "processes" / "order.yaml"
    data = yaml.safe_load(order.read_text("utf-8"))
    ship = next(s for s in data["steps"] if s["id"] == "ship")
    ship["roles"].append("cs_agent")
    order.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    code, out, _ = run(capsys, "test", "--rules", tmp_path / "rules")
    assert code == 1
    assert "FAIL " in out and "customer service may not ship an order" in out
    assert "fire: expected ship.wrong_role to fire" in out


def test_passing_suite_exits_0(tree, capsys):
    suite(tree, f"""
        - name: late
          record: {LATE}
          expect: {{fire: [ship.late], only: true, state: shipped, clauses: [ORD-06]}}
        - name: on time
          record: {ON_TIME}
          expect: {{not_fire: [ship.late], only: true, error: false}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root, "-v")
    assert code == 0
    assert "2 case(s): 2 passed, 0 failed, 0 could not run" in out
    assert "ok    " in out and "t / on time" in out


def test_failing_case_shows_expected_against_actual_at_its_line(tree, capsys):
    path = suite(tree, f"""
        - name: wrong expectation
          record: {LATE}
          expect:
            state: reviewed
            fire: [ship.wrong_role]
            clauses: [ORD-02]
            next_actions: [{{action: ship}}]
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    line = next(i for i, t in enumerate(path.read_text("utf-8").splitlines(), 1) if "- name: wrong expectation" in t)
    assert code == 1
    assert f"FAIL {path}:{line}: t / wrong expectation" in out
    assert "state: expected reviewed, actual shipped" in out
    assert "fire: expected ship.wrong_role to fire" in out and "actual violations: ship.late" in out
    assert "clauses: expected ORD-02 among the fired violations' clauses" in out and "actual: ORD-06" in out
    assert "next_actions: expected action=ship" in out and "actual: (none)" in out
    assert "1 case(s): 0 passed, 1 failed" in out


def test_only_not_fire_and_error_expectations_fail(tree, capsys):
    suite(tree, f"""
        - name: only
          record: {LATE.replace("role: ops_specialist", "role: warehouse")}
          expect: {{fire: [ship.late], only: true}}
        - name: not fire
          record: {LATE}
          expect: {{not_fire: [ship.late]}}
        - name: expected an error
          record: {LATE}
          expect: {{error: "placed_at"}}
        - name: unexpected error
          record: {{id: C, events: []}}
          expect: {{not_fire: [ship.late]}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 1
    assert "only: expected exactly ship.late" in out and "unexpected: review.wrong_role" in out
    assert "not_fire: expected ship.late not to fire, but it did" in out
    assert "error: expected an error containing 'placed_at'" in out and "actual: the record evaluated" in out
    assert "error: expected no evaluation error" in out and "placed_at" in out
    assert "4 case(s): 0 passed, 4 failed" in out


def test_error_expectation_and_due_compared_as_instants(tree, capsys):
    suite(tree, f"""
        - name: no placed_at
          record: {{id: C, events: []}}
          expect: {{error: "placed_at"}}
        - name: an unknown process is an error too
          record: {{id: D, process: nosuch}}
          expect: {{error: "unknown process"}}
        - name: due in another offset
          now: "2023-06-01T10:30:00+08:00"
          record: {REVIEWED}
          expect: {{state: reviewed, next_actions: [{{action: ship, role: warehouse, due: "2023-06-02T01:00:00Z", overdue: false}}]}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 0, out


@pytest.mark.parametrize("expect, message", [
    ("{not_fire: [ship.lates]}", "rule 'ship.lates' is not defined by the rules (did you mean 'ship.late'?)"),
    ("{state: shiped}", "state 'shiped' is not defined by the rules (did you mean 'shipped'?)"),
    ("{next_actions: [{action: shipp}]}", "action 'shipp' is not defined by the rules (did you mean 'ship'?)"),
])
def test_unknown_names_in_expectations_are_bad_input(tree, capsys, expect, message):
    """A misspelt rule in not_fire would pass forever; the runner refuses it instead."""
    suite(tree, f"""
        - name: typo
          record: {LATE}
          expect: {expect}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 2
    assert "ERROR " in out and message in out
    assert "0 failed, 1 could not run" in out


def test_record_ref_by_id_and_line(tree, capsys):
    (tree.root / "tests").mkdir()
    (tree.root.parent / "recs.jsonl").write_text(
        '{"process": "order", "id": "R1", "placed_at": "2023-06-01T09:00:00+08:00", "events": []}\n\n'
        '{"process": "order", "id": "R2", "placed_at": "2023-06-03T09:00:00+08:00", "events": []}\n', "utf-8")
    suite(tree, """
        - name: by id
          record_ref: {file: ../../recs.jsonl, id: R1}
          expect: {state: placed, next_actions: [{action: review, due: null}]}
        - name: by line
          record_ref: {file: ../../recs.jsonl, line: 3}
          expect: {only: true}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 0, out


@pytest.mark.parametrize("ref, message", [
    ("{file: ../../recs.jsonl, id: R11}", "no record with id 'R11' in ../../recs.jsonl (did you mean 'R1'?)"),
    ("{file: ../../nosuch.jsonl, id: R1}", "record_ref: no such file '../../nosuch.jsonl'"),
    ("{file: ../../recs.jsonl, line: 7}", "no record with line 7"),
])
def test_bad_record_ref_exits_2(tree, capsys, ref, message):
    (tree.root.parent / "recs.jsonl").write_text('{"process": "order", "id": "R1", "placed_at": "2023-06-01T09:00:00+08:00"}\n', "utf-8")
    suite(tree, f"""
        - name: ref
          record_ref: {ref}
          expect: {{only: true}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 2 and message in out


def test_case_without_now_is_bad_input(tree, capsys):
    tree("processes/order.yaml", MINI)
    tree("tests/t.test.yaml", (HEAD.replace('now: "2023-06-03T12:00:00+08:00"\n', "") +
                               f"  - name: x\n    record: {LATE}\n    expect: {{only: true}}\n"))
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 2 and "no `now` for this case" in out


@pytest.mark.parametrize("case, where", [
    ("- name: both\n  record: {id: A}\n  record_ref: {file: x.jsonl, id: A}\n  expect: {only: true}", "/cases/0"),
    ("- name: empty expect\n  record: {id: A}\n  expect: {}", "/cases/0/expect"),
    ("- name: bad now\n  now: 2023-06-03 12:00\n  record: {id: A}\n  expect: {only: true}", "/cases/0/now"),
])
def test_schema_errors_in_a_test_file_exit_2_with_their_position(tree, capsys, case, where):
    suite(tree, case)
    code, _, err = run(capsys, "test", "--rules", tree.root)
    assert code == 2
    assert "t.test.yaml:" in err and where in err


def test_duplicate_case_names_exit_2(tree, capsys):
    suite(tree, f"""
        - name: same
          record: {LATE}
          expect: {{fire: [ship.late]}}
        - name: same
          record: {LATE}
          expect: {{fire: [ship.late]}}
    """)
    code, _, err = run(capsys, "test", "--rules", tree.root)
    assert code == 2 and "duplicate case name 'same'" in err


def test_select_with_k_and_no_cases(tree, capsys):
    suite(tree, f"""
        - name: late one
          record: {LATE}
          expect: {{fire: [ship.late]}}
        - name: wrong one
          record: {LATE}
          expect: {{fire: [review.wrong_role]}}
    """)
    assert run(capsys, "test", "--rules", tree.root, "-k", "late")[0] == 0
    code, _out, err = run(capsys, "test", "--rules", tree.root, "-k", "nothing matches")
    assert code == 1 and "no test cases found matching 'nothing matches'" in err


def test_coverage_needs_a_rule_to_both_fire_and_pass(tree, capsys):
    """A rule that fires on every test record is not exercised: nothing shows it can stay quiet."""
    suite(tree, f"""
        - name: late
          record: {LATE}
          expect: {{fire: [ship.late]}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root, "--coverage")
    assert code == 0
    assert "order rule ship.late: never both fires and passes in a test" in out
    assert "order step ship: no test performs it" not in out
    assert "order step review" not in out
    suite(tree, f"""
        - name: late
          record: {LATE}
          expect: {{fire: [ship.late]}}
        - name: on time
          record: {ON_TIME}
          expect: {{only: true}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root, "--coverage")
    assert "ship.late" not in out.split("not exercised:")[1]
    m = re.search(r"coverage: ([\d.]+)% \((\d+) of (\d+)\): checks 0/0, steps 2/2, step rules 1/6, clauses 1/2", out)
    assert m, out
    assert float(m.group(1)) == 40.0


def test_min_coverage_gate(tree, capsys):
    suite(tree, f"""
        - name: late
          record: {LATE}
          expect: {{fire: [ship.late]}}
    """)
    code, out, err = run(capsys, "test", "--rules", tree.root, "--min-coverage", "90")
    assert code == 1 and "coverage: " in out and "is below --min-coverage 90%" in err
    assert run(capsys, "test", "--rules", tree.root, "--min-coverage", "10")[0] == 0


def test_no_tests_in_the_tree(tree, capsys):
    tree("processes/order.yaml", MINI)
    code, out, err = run(capsys, "test", "--rules", tree.root)
    assert code == 1 and "0 case(s)" in out and "no test cases found" in err


def test_reference_tables_are_read_relative_to_the_test_file(tree, capsys):
    (tree.root / "tests").mkdir(parents=True, exist_ok=True)
    (tree.root / "tests" / "prices.csv").write_text("sku,date,price\nS1,2023-05-01,199.00\n", "utf-8")
    suite(tree, f"""
        - name: with a table
          tables: {{prices: prices.csv}}
          record: {LATE}
          expect: {{fire: [ship.late]}}
    """)
    assert run(capsys, "test", "--rules", tree.root)[0] == 0
    suite(tree, f"""
        - name: with a missing table
          tables: {{prices: nosuch.csv}}
          record: {LATE}
          expect: {{fire: [ship.late]}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 2 and "tables.prices: " in out and "nosuch.csv: no such file" in out


def test_console_script_runs_the_tests(tree):
    suite(tree, f"""
        - name: late
          record: {LATE}
          expect: {{fire: [ship.wrong_role]}}
    """)
    proc = subprocess.run([sys.executable, "-m", "sopengine", "test", "--rules", str(tree.root)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "FAIL " in proc.stdout


REVIEW_CHECK = MINI + """
checks:
  - id: ORD-review-quick
    title: {zh: 及时审核, en: Reviewed quickly}
    severity: error
    clauses: [ORD-02]
    type: expression
    parameters:
      within:
        type: duration
        default: 2h
        minimum: 1m
        maximum: 24h
        description: {zh: 下单到审核的时限, en: From placing the order to its review}
    params:
      for_each: "events.filter(e, e.type == 'reviewed')"
      assert: "timestamp(item.at) - timestamp(record.placed_at) <= params.within"
    message: {zh: "审核超过 {params.within}", en: "reviewed later than {params.within}"}
"""


def params_suite(tree, cases: str, suite_params: str = ""):
    tree("processes/order.yaml", REVIEW_CHECK)
    head = HEAD.replace("cases:\n", (f"params: {suite_params}\n" if suite_params else "") + "cases:\n")
    return tree("tests/t.test.yaml", head + textwrap.indent(textwrap.dedent(cases).strip("\n"), "  ") + "\n")


def test_a_case_sets_parameters_as_a_shops_configuration_would(tree, capsys):
    """The record is reviewed 1 h after it is placed: fine at the rule's 2 h, late at a suite's 30 min,
    fine again where a case sets 90 min over the suite's value."""
    params_suite(tree, f"""
        - name: at the suite's 30 minutes
          record: {LATE}
          expect: {{fire: [ORD-review-quick]}}
        - name: at the case's 90 minutes
          record: {LATE}
          params: {{ORD-review-quick: {{within: 90m}}}}
          expect: {{not_fire: [ORD-review-quick]}}
    """, "{ORD-review-quick: {within: 30m}}")
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 0 and "2 case(s): 2 passed" in out, out


def test_without_parameters_the_rules_own_default_holds(tree, capsys):
    params_suite(tree, f"""
        - name: the rule's 2 hours
          record: {LATE}
          expect: {{not_fire: [ORD-review-quick]}}
        - name: a case that expects the shop's value without setting it fails
          record: {LATE}
          expect: {{fire: [ORD-review-quick]}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 1 and "1 passed, 1 failed" in out, out


@pytest.mark.parametrize("given, message", [
    ("{ORD-review-quik: {within: 1h}}", "unknown check 'ORD-review-quik' (parameters belong to checks) (hint: did you mean 'ORD-review-quick'?)"),
    ("{ORD-review-quick: {withn: 1h}}", "ORD-review-quick has no parameter 'withn' (hint: did you mean 'within'?)"),
    ("{ORD-review-quick: {within: 2d}}", "ORD-review-quick.within:"),
])
def test_bad_parameters_in_a_case_are_bad_input_at_their_line(tree, capsys, given, message):
    path = params_suite(tree, f"""
        - name: bad
          record: {LATE}
          params: {given}
          expect: {{only: true}}
    """)
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    line = next(i for i, t in enumerate(path.read_text("utf-8").splitlines(), 1) if "params:" in t)
    assert code == 2 and message in out, out
    assert f"t.test.yaml:{line}:" in out, out

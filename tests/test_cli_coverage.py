"""`sopengine coverage`: each clause of the manual, the rules citing it, and their evidence.

A scratch manual has one clause of each status: tested (a test makes its rule
fire and pass), untested (cited, never shown firing), not checkable (marked,
with a reason) and unaccounted (nothing), so every branch of the report is seen.
"""

from __future__ import annotations

import json
import re

import pytest

from .clirun import run
from .conftest import MINI, RULES
from .test_ruletests import HEAD

MANUAL = """
apiVersion: sopengine/v1
kind: Manual
id: m
title: {zh: 手册, en: Manual}
source: {title: 手册, note: a scratch manual}
roles:
  - {key: ops_specialist, title: {zh: 运营专员, en: Ops specialist}}
  - {key: warehouse, title: {zh: 仓储, en: Warehouse}}
sections:
  - {id: orders, number: "1", title: {zh: 订单, en: Orders}}
clauses:
  - {id: ORD-02, section: orders, roles: [ops_specialist], text: {zh: 审核, en: Review the order.}}
  - {id: ORD-06, section: orders, roles: [warehouse], text: {zh: 发货, en: Ship within 24 h.}}
  - {id: GEN-01, section: orders, roles: [], checkable: false, reason: {zh: 记录中没有账号信息, en: "about accounts, which no record shows"},
     text: {zh: 账号, en: Accounts are personal.}}
  - {id: GEN-02, section: orders, roles: [], text: {zh: 合规, en: Comply with the law.}}
"""
TESTS = HEAD + """
  - name: reviewed by the warehouse
    record: {id: W, placed_at: "2023-06-03T09:00:00+08:00", events: [{type: reviewed, at: "2023-06-03T10:00:00+08:00", role: warehouse}]}
    expect: {fire: [review.wrong_role]}
  - name: reviewed
    record: {id: R, placed_at: "2023-06-03T09:00:00+08:00", events: [{type: reviewed, at: "2023-06-03T10:00:00+08:00", role: ops_specialist}]}
    expect: {only: true}
"""


@pytest.fixture
def manual_tree(tree):
    tree("manual.yaml", MANUAL)
    tree("processes/order.yaml", MINI)
    tree("tests/t.test.yaml", TESTS)
    return tree


def test_every_status_in_text_and_exit_1_for_unaccounted(manual_tree, capsys):
    code, out, _ = run(capsys, "coverage", "--rules", manual_tree.root)
    assert code == 1
    blocks = {b.split(" ", 1)[0]: b for b in out.split("\n\n")[0].split("\n") if b and not b.startswith(" ")}
    assert blocks["ORD-02"] == "ORD-02 [tested] Review the order."
    assert blocks["ORD-06"] == "ORD-06 [untested] Ship within 24 h."
    assert blocks["GEN-01"] == "GEN-01 [not checkable] Accounts are personal."
    assert blocks["GEN-02"] == "GEN-02 [UNACCOUNTED] Comply with the law."
    assert "  reason: about accounts, which no record shows" in out
    assert "  note: no rule cites it, and it is not marked checkable: false" in out
    assert re.search(r"\n    review\.wrong_role +fires in 1 \(e\.g\. \S+t\.test\.yaml:8 reviewed by the warehouse\), passes in 1\n", out)
    assert re.search(r"\n    ship\.late +fires in 0, passes in 2\n", out)
    assert "  step review (order 1.0.0) " in out and "order.yaml:" in out
    assert "4 clauses: 1 tested, 1 implemented without a test that makes them fire and pass, 1 not checkable, 1 unaccounted for" in out


def test_examples_are_evidence_and_json_lists_every_record(manual_tree, capsys, tmp_path):
    ex = tmp_path / "examples"
    ex.mkdir()
    late = {"process": "order", "id": "LATE", "placed_at": "2023-06-01T09:00:00+08:00",
            "events": [{"type": "reviewed", "at": "2023-06-01T10:00:00+08:00", "role": "ops_specialist"},
                       {"type": "shipped", "at": "2023-06-02T10:00:00+08:00", "role": "warehouse"}]}
    (ex / "orders.jsonl").write_text(json.dumps(late) + "\n", "utf-8")
    code, out, _ = run(capsys, "coverage", "--rules", manual_tree.root, "--now", "2023-06-03T12:00:00+08:00", "--format", "json")
    doc = json.loads(out)  # examples/ beside the rules tree is read by default
    by_id = {c["clause"]: c for c in doc["clauses"]}
    assert by_id["ORD-06"]["status"] == "tested"
    sla = next(i for i in by_id["ORD-06"]["implementers"] if i["kind"] == "sla")
    late_rule = next(r for r in sla["rules"] if r["rule"] == "ship.late")
    assert late_rule["fires"] == [f"{ex / 'orders.jsonl'}:1 LATE"]
    assert len(late_rule["passes"]) == 2
    assert by_id["GEN-01"]["reason"] == "about accounts, which no record shows"
    assert doc["summary"] == {"tested": 2, "untested": 0, "not-checkable": 1, "unaccounted": 1}
    assert doc["evidence"] == {"test_cases": 2, "example_records": 1}
    assert code == 1
    code, out, _ = run(capsys, "coverage", "--rules", manual_tree.root, "--clause", "GEN-01", "--lang", "zh")
    assert code == 0 and "GEN-01 [not checkable] 账号\n  reason: 记录中没有账号信息" in out


def test_all_accounted_for_exits_0_and_conflicting_marks_are_noted(manual_tree, capsys):
    manual_tree("manual.yaml", MANUAL.replace(
        "  - {id: GEN-02, section: orders, roles: [], text:",
        "  - {id: GEN-02, section: orders, roles: [], checkable: false, reason: {zh: 法律, en: law}, text:").replace(
        "  - {id: ORD-06, section: orders, roles: [warehouse], text:",
        "  - {id: ORD-06, section: orders, roles: [warehouse], checkable: false, reason: {zh: 不, en: x}, text:"))
    code, out, _ = run(capsys, "coverage", "--rules", manual_tree.root, "--examples", manual_tree.root / "tests")
    assert code == 0
    assert "GEN-02 [not checkable] Comply with the law.\n  reason: law" in out
    assert "  note: marked checkable: false (x), yet rules cite it: drop the mark or the citation" in out


def test_clause_filter_and_bundled_order_clauses(capsys):
    code, out, _ = run(capsys, "coverage", "--rules", RULES, "--clause", "ORD", "--now", "2023-06-03T12:00:00+08:00")
    heads = [ln for ln in out.splitlines() if ln.startswith("ORD-")]
    assert len(heads) == 13 and all("[tested]" in h for h in heads), heads
    assert code == 0


def test_no_manual_exits_2(tree, capsys):
    (tree.root / "manual.yaml").unlink()
    tree("processes/order.yaml", MINI)
    code, _, err = run(capsys, "coverage", "--rules", tree.root)
    assert code == 2 and "no clause list" in err

"""`sopengine diff`: semantic changes between rules trees and process versions, and record impact.

The scratch trees use conftest's MINI order process (review, then ship within
24 h of placed_at); each change below is made to the YAML and must be named.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from .clirun import run
from .conftest import MINI, RULES

VOCAB = """
apiVersion: sopengine/v1
kind: Vocabulary
id: words
version: 1.0.0
title: {zh: 词, en: Words}
categories:
  - id: absolute
    title: {zh: 绝对, en: Absolute}
    legal_basis: 《中华人民共和国广告法》第九条第（三）项
    severity: error
    words: [最, 第一, 顶级]
"""
CHECK = """
checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expression
    params: {assert: "has(record.payment_status) && record.payment_status == 'paid'"}
    message: {zh: 未支付, en: not paid}
"""
LATE = {"process": "order", "id": "L", "placed_at": "2023-06-01T09:00:00+08:00", "payment_status": "paid",
        "events": [{"type": "reviewed", "at": "2023-06-01T10:00:00+08:00", "role": "ops_specialist"},
                   {"type": "shipped", "at": "2023-06-02T10:00:00+08:00", "role": "warehouse"}]}
ON_TIME = {**LATE, "id": "T", "events": LATE["events"][:1]}


def two_trees(tree, edit_process=None, edit_vocab=None):
    tree("processes/order.yaml", MINI + CHECK)
    tree("vocabularies/words.yaml", VOCAB)
    new = tree.root.parent / "new"
    shutil.copytree(tree.root, new)
    for rel, edit in (("processes/order.yaml", edit_process), ("vocabularies/words.yaml", edit_vocab)):
        if edit:
            p = new / rel
            data = yaml.safe_load(p.read_text("utf-8"))
            edit(data)
            p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return tree.root, new


def test_identical_trees_exit_0(tree, capsys):
    old, new = two_trees(tree, edit_process=lambda d: d["states"].reverse())  # order of a file is no change
    code, out, err = run(capsys, "diff", old, new)
    assert code == 0 and "no semantic change" in out, err


def test_steps_slas_checks_thresholds_and_words(tree, capsys):
    def proc(d):
        ship = d["steps"][1]
        ship["sla"]["within"] = "36h"
        ship["roles"].append("ops_specialist")
        d["checks"][0]["severity"] = "warning"
        d["checks"][0]["params"]["assert"] = "true"
        d["checks"].append({"id": "phone", "severity": "info", "clauses": ["ORD-02"], "type": "expression",
                            "params": {"assert": "has(record.phone)"}, "message": {"zh": "无电话", "en": "no phone"}})
        d["steps"][0]["from"] = ["placed"]  # same meaning as `from: placed`
        d["states"].append({"id": "lost"})

    def vocab(d):
        d["categories"][0]["words"] = ["最", "顶级", "唯一"]
    old, new = two_trees(tree, proc, vocab)
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 1
    assert "process order 1.0.0\n" in out
    assert "  ~ slas/ship/within: 24h → 36h" in out
    assert "  + steps/ship/roles: ops_specialist" in out
    assert "  ~ checks/paid/severity: error → warning" in out
    assert "  ~ checks/paid/params/assert: has(record.payment_status) && record.payment_status == 'paid' → true" in out
    assert "  + checks/phone: " in out and '"severity": "info"' in out
    assert "  + states/lost: {}" in out
    assert "steps/review/from" not in out
    assert "Vocabulary words\n  - categories/absolute/words: 第一\n  + categories/absolute/words: 唯一" in out
    code, out, _ = run(capsys, "diff", old, new, "--format", "json")
    doc = json.loads(out)
    assert {"area": "process order 1.0.0", "path": "slas/ship/within", "kind": "changed", "old": "24h", "new": "36h"} in doc["changes"]
    assert {"area": "Vocabulary words", "path": "categories/absolute/words", "kind": "removed", "old": ["第一"], "new": None} in doc["changes"]


def test_reordered_roles_matter(tree, capsys):
    """The first role is the one a next action names, so reordering roles is a change."""
    old, new = two_trees(tree, edit_process=lambda d: d["roles"].reverse())
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 1 and "  ↕ settings/roles: order ops_specialist, warehouse → warehouse, ops_specialist" in out


def test_records_gain_and_lose_violations(tree, capsys):
    def proc(d):
        d["steps"][1]["sla"]["within"] = "48h"
        d["steps"][1]["sla"]["severity"] = "warning"
        d["checks"][0]["params"]["assert"] = "false"
        d["steps"][0]["roles"] = ["warehouse"]
    old, new = two_trees(tree, proc)
    recs = tree.root.parent / "recs.jsonl"
    recs.write_text("\n".join(json.dumps(r) for r in (LATE, ON_TIME)) + "\n", "utf-8")
    code, out, _ = run(capsys, "diff", old, new, "--records", recs, "--now", "2023-06-01T12:00:00+08:00")
    assert code == 1
    assert "records: 2 of 2 change" in out
    assert f"  {recs}:1 L\n    - ship.late (/events/1/at): " in out
    assert "    + paid: not paid" in out
    assert "    + review.wrong_role (/events/0/role): " in out
    code, out, _ = run(capsys, "diff", old, new, "--records", recs, "--now", "2023-06-01T12:00:00+08:00", "--format", "json")
    changed = json.loads(out)["records"]["changed"]
    assert changed[0]["record"] == "L" and changed[0]["lost"][0]["rule"] == "ship.late"
    assert sorted(g["rule"] for g in changed[0]["gained"]) == ["paid", "review.wrong_role"]


def test_a_severity_change_is_impact_too(tree, capsys):
    """--fail-on gates on severity, so a violation that turns from error to warning is news for a reviewer."""
    old, new = two_trees(tree, lambda d: d["steps"][1]["sla"].update(severity="warning"))
    recs = tree.root.parent / "recs.jsonl"
    recs.write_text(json.dumps(LATE) + "\n", "utf-8")
    code, out, _ = run(capsys, "diff", old, new, "--records", recs, "--now", "2023-06-01T12:00:00+08:00")
    assert code == 1 and "  + slas/ship/severity: warning" in out
    assert "    ~ ship.late (/events/1/at): error → warning" in out


def versions_tree(tree):
    v1 = MINI.replace("version: 1.0.0", 'version: 1.0.0\neffective_from: "2023-01-01T00:00:00+08:00"')
    v2 = v1.replace("version: 1.0.0", "version: 1.1.0").replace("2023-01-01T00", "2023-06-02T00").replace(
        "within: 24h", "within: 48h")
    tree("processes/order.yaml", v1)
    tree("processes/order-1.1.yaml", v2)
    return tree.root


def test_two_versions_in_one_tree(tree, capsys):
    root = versions_tree(tree)
    recs = tree.root.parent / "recs.jsonl"
    recs.write_text(json.dumps(LATE) + "\n" + json.dumps({"process": "other", "id": "X"}) + "\n", "utf-8")
    code, out, _ = run(capsys, "diff", "order@1.0.0", "order@1.1.0", "--rules", root, "--records", recs,
                       "--now", "2023-06-03T12:00:00+08:00")
    assert code == 1
    assert "process order 1.0.0 → 1.1.0\n  ~ settings/effective_from: 2023-01-01T00:00:00+08:00 → 2023-06-02T00:00:00+08:00" in out
    assert "  ~ slas/ship/within: 24h → 48h" in out
    assert "records: 1 of 1 change" in out and "- ship.late" in out  # only the order records, each pinned
    assert run(capsys, "diff", "order@1.0.0", "order@1.0.0", "--rules", root)[0] == 0


def test_a_new_version_in_the_new_tree_is_compared_with_the_one_before(tree, capsys):
    old = tree.root.parent / "old"
    tree("processes/order.yaml", MINI.replace("version: 1.0.0", 'version: 1.0.0\neffective_from: "2023-01-01T00:00:00+08:00"'))
    shutil.copytree(tree.root, old)
    versions_tree(tree)
    code, out, _ = run(capsys, "diff", old, tree.root)
    assert code == 1
    assert "process order\n  + versions: 1.1.0" in out
    assert "process order 1.0.0 → 1.1.0 (new version)\n" in out and "  ~ slas/ship/within: 24h → 48h" in out


@pytest.mark.parametrize("args, message", [
    (["order@1.0.0", "nosuch@1.0.0"], "compare two versions of one process"),
    (["order@1.0.0", "order@9.9.9"], "has no version '9.9.9'"),
    (["order@1.0.0", str(RULES)], "both be directories or both PROCESS@VERSION"),
    (["not a ref", str(RULES)], "'not a ref' is neither a rules directory nor PROCESS@VERSION"),
    ([str(RULES), str(RULES), "--now", "yesterday"], "is not an RFC 3339 timestamp"),
])
def test_bad_arguments_exit_2(capsys, args, message):
    code, _, err = run(capsys, "diff", *args, "--rules", RULES)
    assert code == 2 and message in err

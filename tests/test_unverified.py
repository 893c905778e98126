"""Absent evidence is not a breach unless the shop records it (issue 14, section 1).

A compliant record stripped to RECORDS.md's core data gets no error or warning
under the default ``core`` profile, only ``unverified`` entries; the same record
under ``full`` gets the violations the rules give today, each once.
"""

from __future__ import annotations

import copy
import json
import shutil
from typing import Any

import jsonschema
import pytest

import sopengine
from sopengine.contract import read_optional
from sopengine.policy import Policy

from .clirun import run
from .conftest import EXAMPLES, NOW, RULES, SCHEMAS, read_jsonl

COMPLIANT = {"order": "DD20230601001", "product": "SP2023002", "service_ticket": "T20230602001",
             "campaign": "HD2023-0520", "kpi_daily": "KPI-20230602", "product_evaluation": "PG20230522001"}


def core_only(rec: dict[str, Any], optional: dict) -> dict[str, Any]:
    """``rec`` without any optional event or field its schema declares: what a shop recording only the core holds."""
    rec = copy.deepcopy(rec)
    events = {o.event for o in optional.values() if o.event and not o.pointer}
    rec["events"] = [e for e in rec.get("events", []) if e["type"] not in events]
    for o in optional.values():
        parts = o.pointer[1:].split("/") if o.pointer else []
        if o.event and parts:
            for e in rec["events"]:
                if e["type"] == o.event:
                    e.pop(parts[0], None)
        elif len(parts) == 1:
            rec.pop(parts[0], None)
        elif len(parts) == 3 and parts[1] == "*":
            for item in rec.get(parts[0], []):
                item.pop(parts[2], None)
    return rec


def _records() -> dict[str, dict[str, Any]]:
    out = {}
    for path in EXAMPLES.glob("*.jsonl"):
        for rec in read_jsonl(path):
            if rec["id"] in COMPLIANT.values():
                out[rec["process"]] = rec
    return out


RECORDS = _records()


@pytest.mark.parametrize("process", sorted(COMPLIANT))
def test_a_core_only_compliant_record_gives_no_finding_and_the_same_under_full_once_each(core_engine, engine, process):
    rec = RECORDS[process]
    assert engine.evaluate(rec, NOW).violations == ()  # compliant as recorded in full
    stripped = core_only(rec, engine.process(process).optional)
    core = core_engine.evaluate(stripped, NOW)
    assert core.error is None and core.violations == (), [v.rule for v in core.violations]
    full = engine.evaluate(stripped, NOW)
    fired = [v.rule for v in full.violations]
    assert len(fired) == len(set(fired)), fired  # once each
    assert sorted(fired) == sorted(u.rule for u in core.unverified)
    for u in core.unverified:
        assert u.needs and u.clauses


def test_one_missing_inspection_is_reported_once_where_the_shop_records_inspections(core_engine):
    stripped = core_only(RECORDS["order"], core_engine.process("order").optional)
    core = core_engine.evaluate(stripped, NOW)
    assert [(u.rule, u.needs) for u in core.unverified] == [("ORD-inspected-before-shipping", ("inspected",))]
    shop = core_engine.with_policy(Policy(records={"order": frozenset({"inspected"})}))
    r = shop.evaluate(stripped, NOW)
    assert [v.rule for v in r.violations] == ["ORD-inspected-before-shipping"]  # not also pack.out_of_order
    assert r.unverified == ()


def test_a_record_that_carries_the_data_is_judged_without_a_declaration(core_engine, orders):
    # DD20230601003 records inspections elsewhere? it ships from review: the step order is core data
    r = core_engine.evaluate(orders["DD20230601003"], NOW)
    assert "ship.out_of_order" in [v.rule for v in r.violations]


def test_unverified_is_in_the_result_contract_and_absent_when_empty(core_engine, engine):
    schema = json.loads((SCHEMAS / "result.schema.json").read_text("utf-8"))
    stripped = core_only(RECORDS["product"], engine.process("product").optional)
    d = core_engine.evaluate(stripped, NOW).to_dict()
    jsonschema.validate(d, schema)
    assert d["unverified"] and set(d["unverified"][0]) == {"rule", "clauses", "needs"}
    assert "unverified" not in engine.evaluate(RECORDS["product"], NOW).to_dict()


@pytest.fixture
def core_file(tmp_path, engine):
    p = tmp_path / "core.jsonl"
    p.write_text("\n".join(json.dumps(core_only(RECORDS[k], engine.process(k).optional), ensure_ascii=False)
                           for k in sorted(RECORDS)) + "\n", "utf-8")
    return p


def test_reports_say_what_could_not_be_checked(capsys, core_file):
    args = ("check", core_file, "--rules", RULES, "--now", "2023-06-03T12:00:00+08:00")
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "rule(s) could not be checked" in out and "needs:" not in out
    code, out, _ = run(capsys, *args, "--explain")
    assert "unverif PRD-supplier-terms [PRD-02] needs: /supplier" in out
    code, out, _ = run(capsys, *args, "--format", "sarif")
    results = [r for run_ in json.loads(out)["runs"] for r in run_["results"]]
    na = [r for r in results if r.get("kind") == "notApplicable"]
    assert na and all(r["level"] == "none" and r["properties"]["needs"] for r in na) and len(na) == len(results)
    code, out, _ = run(capsys, *args, "--format", "junit")
    assert '<skipped type="PRD-supplier-terms" message="' in out and 'failures="0"' in out
    code, out, _ = run(capsys, *args, "--profile", "full")
    assert code == 1 and "ORD-inspected-before-shipping" in out and "pack.out_of_order" not in out


def test_a_need_the_record_schema_does_not_declare_is_a_positioned_error(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    p = tmp_path / "rules" / "processes" / "kpi_daily.yaml"
    p.write_text(p.read_text("utf-8").replace("needs: [source_verified]", "needs: [source_verifed]"), "utf-8")
    with pytest.raises(sopengine.DefinitionError) as ei:
        sopengine.load(tmp_path / "rules")
    msg = str(ei.value)
    assert "needs 'source_verifed'" in msg and "did you mean 'source_verified'" in msg and "kpi_daily.yaml:" in msg


def test_every_optional_name_is_described_and_names_a_known_event():
    for path in sorted((SCHEMAS / "records").glob("*.schema.json")):
        schema = json.loads(path.read_text("utf-8"))
        for name, opt in read_optional(schema).items():
            assert opt.description, (path.name, name)
            assert opt.event or opt.pointer.startswith("/"), (path.name, name)


def test_the_record_contract_page_is_up_to_date(core_engine):
    """docs/records.md is generated (python docs/_gen/records.py): every field and event any rule reads, core or optional."""
    from sopengine.tools.records_doc import render

    page = (RULES.parent / "docs" / "records.md").read_text("utf-8")
    assert page == render(core_engine), "docs/records.md is out of date: run python docs/_gen/records.py"
    assert "| event `inspected` |" in page and "| optional |" in page and "| core |" in page

"""rules/processes/kpi_daily.yaml on examples/kpi_daily.jsonl: exact rules, clauses and states per record."""

import copy

import pytest

from .conftest import EXAMPLES, NOW, read_jsonl

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "kpi_daily.jsonl")}

EXPECTED = {  # report -> (state, rules that fire, clauses they cite)
    "KPI-20230601": ("pending", ["DATA-gmv-consistent", "DATA-source-verified"], ["DATA-01", "DATA-02", "DATA-08", "TPL-05"]),
    "KPI-20230602": ("reported", [], []),
    "KPI-20230531": ("archived", [], []),
    "KPI-20230530": ("archived", ["DATA-archive-retention"], ["GEN-03"]),
    "KPI-20230529": ("reported", ["DATA-rates-in-range"], ["DATA-02"]),
    "KPI-20230528": ("reported", ["DATA-pv-at-least-uv"], ["DATA-02"]),
    "KPI-20230527": ("reported", ["DATA-owner-named", "DATA-source-verified"], ["DATA-01", "DATA-08", "TPL-05"]),
    "KPI-20230526": ("reported", ["report.out_of_order"], ["DATA-02", "TPL-05"]),
    "KPI-20230525": ("reported", ["DATA-figures-complete"], ["DATA-02", "TPL-05"]),
}


def test_every_example_is_expected():
    assert sorted(RECORDS) == sorted(EXPECTED)


@pytest.mark.parametrize("rid", sorted(EXPECTED))
def test_each_example_report(engine, rid):
    r = engine.evaluate(RECORDS[rid], NOW)
    assert r.error is None, r.error
    state, rules, clauses = EXPECTED[rid]
    assert (r.state, sorted(v.rule for v in r.violations)) == (state, rules)
    assert sorted({c for v in r.violations for c in v.clauses}) == sorted(clauses)


def test_every_check_fires_on_one_example_and_passes_on_another(engine):
    fired = {rid: {v.rule for v in engine.evaluate(rec, NOW).violations} for rid, rec in RECORDS.items()}
    for info in engine.process("kpi_daily").rules.values():
        if info.kind == "check":
            n = sum(info.id in f for f in fired.values())
            assert 0 < n < len(fired), f"{info.id} fires on {n} of {len(fired)} examples"


def test_template_row_gmv_is_thirty_percent_above_its_parts(engine):
    """TPL-05: 12,000 UV x 3.5 % x 250 = 105,000, but the row says GMV 150,000."""
    v = next(v for v in engine.evaluate(RECORDS["KPI-20230601"], NOW).violations if v.rule == "DATA-gmv-consistent")
    assert v.severity == "warning"
    assert (v.evidence["expected"], v.evidence["gmv"], v.evidence["deviation_pct"]) == (105000, 150000, -30.0)
    assert "105000" in v.messages.zh and "-30 %" in v.messages.en


def test_a_verified_source_clears_the_template_row_of_all_but_the_gmv_gap(engine):
    rec = copy.deepcopy(RECORDS["KPI-20230601"])
    rec.update(source="生意参谋", source_verified=True)
    assert [v.rule for v in engine.evaluate(rec, NOW).violations] == ["DATA-gmv-consistent"]
    rec["gmv"] = 105000
    assert engine.evaluate(rec, NOW).violations == ()


def test_rates_out_of_range_are_named(engine):
    (v,) = engine.evaluate(RECORDS["KPI-20230529"], NOW).violations
    assert v.evidence["out_of_range"] == ["bounce_rate=45"]

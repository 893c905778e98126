"""rules/processes/kpi_daily.yaml on examples/kpi_daily.jsonl: exact rules, clauses and states per record."""

import copy

from .conftest import EXAMPLES, NOW, read_jsonl
from .examplekit import example_suite

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


_suite = example_suite('kpi_daily', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example
test_every_check_fires_on_one_example_and_passes_on_another = _suite.every_check_fires_and_passes


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

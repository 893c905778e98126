"""rules/processes/product_evaluation.yaml on examples/product_evaluations.jsonl: exact rules, clauses and states."""

import copy

import pytest

from .conftest import EXAMPLES, NOW, read_jsonl
from .examplekit import example_suite

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "product_evaluations.jsonl")}

EXPECTED = {  # evaluation -> (state, rules that fire, clauses they cite)
    "PG-TPL02": ("pending", ["PE-factors-recorded"], ["PRD-03"]),
    "PG20230522001": ("scored", [], []),
    "PG20230601003": ("scored", ["PE-total-is-sum"], ["TPL-02"]),
    "PG20230520004": ("archived", [], []),
    "PG20230515005": ("archived", ["PE-archive-retention"], ["GEN-03"]),
    "PG20230602006": ("scored", ["PE-form-complete"], ["TPL-02"]),
    "PG20230603007": ("sample_tested", [], []),
    "PG20230530008": ("scored", ["score.wrong_role"], ["PRD-03", "TPL-02"]),
    "PG20230602009": ("scored", ["PE-scoring-standard"], ["PRD-03", "TPL-02"]),
    "PG20230602010": ("scored", ["PE-scoring-standard"], ["PRD-03", "TPL-02"]),
}


_suite = example_suite('product_evaluation', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example
test_every_check_fires_on_one_example_and_passes_on_another = _suite.every_check_fires_and_passes


def test_template_form_adds_up_but_cannot_be_verified(engine):
    """TPL-02 as printed: 4 + 5 + 3 = 12 and 小批量试销, with no monthly searches, margin or supplier years."""
    (v,) = engine.evaluate(RECORDS["PG-TPL02"], NOW).violations
    assert v.evidence["missing"] == ["monthly_searches (market demand)", "gross_margin (profit margin)",
                                     "supplier_years (supply stability)"]


def test_total_mismatch_quotes_scores_and_sum(engine):
    (v,) = engine.evaluate(RECORDS["PG20230601003"], NOW).violations
    assert (v.evidence["total"], v.evidence["sum"], v.evidence["scores"]) == (12, 11, ["4", "4", "3"])
    rec = copy.deepcopy(RECORDS["PG20230601003"])
    rec["total_score"] = 11
    assert engine.evaluate(rec, NOW).violations == ()


def test_the_template_form_with_its_figures_follows_the_standard(engine):
    """86,000 searches (< 100,000: not 5), 55 % margin (5), a new supplier (not 5); 12 -> 小批量试销."""
    assert engine.evaluate(RECORDS["PG20230522001"], NOW).violations == ()


@pytest.mark.parametrize("field,value,fires_at", [
    ("monthly_searches", 100000, "/scores/market_demand"),   # the threshold reached, the form still says 4
    ("monthly_searches", 99999, None),
    ("gross_margin", 0.49, "/scores/profit_margin"),         # below 50 %, the form still says 5
    ("gross_margin", 0.5, None),
    ("supplier_years", 1, "/scores/supply_stability"),       # one year reached, the form still says 3
    ("supplier_years", 0.9, None),
])
def test_the_five_point_thresholds(engine, field, value, fires_at):
    rec = copy.deepcopy(RECORDS["PG20230522001"])
    rec[field] = value
    got = [(v.rule, v.path) for v in engine.evaluate(rec, NOW).violations]
    assert got == ([("PE-scoring-standard", fires_at)] if fires_at else [])


def test_scoring_standard_evidence(engine):
    (v,) = engine.evaluate(RECORDS["PG20230602009"], NOW).violations
    assert (v.evidence["score"], v.evidence["figure"]) == (3, 2)
    (v,) = engine.evaluate(RECORDS["PG20230602010"], NOW).violations
    assert (v.path, v.evidence["expected"], v.evidence["given"]) == ("/recommendation", "小批量试销", "正式引入")

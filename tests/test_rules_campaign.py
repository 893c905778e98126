"""rules/processes/campaign.yaml on examples/campaigns.jsonl: exact rules, clauses and states per record."""

import copy

from .conftest import EXAMPLES, NOW, read_jsonl
from .examplekit import example_suite

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "campaigns.jsonl")}

EXPECTED = {  # campaign -> (state, rules that fire, clauses they cite)
    "HD2023-618": ("draft", ["plan.overdue"], ["MKT-01"]),
    "HD2023-0605": ("draft", [], []),
    "HD2023-0520": ("reviewed", [], []),
    "HD2023-618W": ("running", [], []),
    "HD2023-0601": ("running", ["MKT-load-tested", "MKT-promo-price:legal", "send_warmup.late"], ["MKT-05", "MKT-12", "MKT-13"]),
    "HD2023-0610": ("planned", ["MKT-hot-item-stock-alert", "MKT-no-hidden-terms", "MKT-promo-price"],
                    ["MKT-08", "MKT-11", "MKT-12"]),
    "HD2023-0525": ("ended", ["MKT-tracking-fields", "publish_review.overdue"], ["MKT-09", "TPL-04"]),
    "HD2023-0515": ("reviewed", ["MKT-review-contents", "publish_review.late"], ["MKT-09"]),
    "HD2023-0531": ("running", ["MKT-enquiry-line", "MKT-promo-price:unverifiable", "MKT-traffic-drop-investigated"],
                    ["MKT-06", "MKT-07", "MKT-12"]),
    "HD2023-0602": ("running", ["MKT-assets-before-launch", "MKT-live-monitoring", "MKT-rules-published-before-launch"],
                    ["MKT-03", "MKT-06", "MKT-11"]),
    "HD2023-0526": ("reviewed", ["MKT-partners-confirmed", "MKT-plan-contents", "plan.wrong_role"],
                    ["MKT-01", "MKT-02", "MKT-04"]),
    "HD2023-0508": ("reviewed", ["MKT-tracking-consistent"], ["TPL-04"]),
    "HD2023-0530": ("reviewed", ["MKT-warmup-before-launch"], ["MKT-05"]),
}


_suite = example_suite('campaign', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example
test_every_check_fires_on_one_example_and_passes_on_another = _suite.every_check_fires_and_passes


def test_template_rows_keep_their_figures(engine):
    """The tracking rows pass the consistency check as printed; they are judged only for the missing plan."""
    for rid in ("HD2023-618", "HD2023-0605"):
        assert "MKT-tracking-consistent" not in {v.rule for v in engine.evaluate(RECORDS[rid], NOW).violations}
    v = engine.evaluate(RECORDS["HD2023-618"], NOW).violations[0]
    assert (v.evidence["due"], v.evidence["late_by"]) == ("2023-06-01T00:00:00+08:00", "2 d 12 h")


def test_warm_up_is_due_by_the_end_of_the_third_day_before_the_start(engine):
    r = engine.evaluate(RECORDS["HD2023-0601"], NOW)
    late = next(v for v in r.violations if v.rule == "send_warmup.late")
    assert (late.evidence["due"], late.evidence["late_by"]) == ("2023-05-30T00:00:00+08:00", "1 d 10 h")
    rec = copy.deepcopy(RECORDS["HD2023-0601"])
    rec["events"][3]["at"] = "2023-05-29T23:30:00+08:00"  # the third day before 1 June, late in the evening
    assert "send_warmup.late" not in {v.rule for v in engine.evaluate(rec, NOW).violations}


def test_hidden_terms_are_quoted(engine):
    v = next(v for v in engine.evaluate(RECORDS["HD2023-0610"], NOW).violations if v.rule == "MKT-no-hidden-terms")
    assert v.evidence["hidden"] == ["每个账号限购2件"]
    assert "隐藏条款" in v.messages.zh and "每个账号限购2件" in v.messages.en


def test_roi_is_compared_with_gmv_over_cost(engine):
    v = engine.evaluate(RECORDS["HD2023-0508"], NOW).violations[0]
    assert v.evidence["problems"] == ["ROI 4.5 but GMV / cost = 3.3"]
    rec = copy.deepcopy(RECORDS["HD2023-0508"])
    rec["roi"] = 3.3
    assert engine.evaluate(rec, NOW).violations == ()


def test_the_review_is_due_three_working_days_after_the_end(engine):
    r = engine.evaluate(RECORDS["HD2023-0525"], NOW)
    (a,) = r.next_actions
    # ended Sunday 28 May 2023: Mon 29, Tue 30, Wed 31 May are the three working days
    assert (a.action, a.role, a.due, a.overdue) == ("publish_review", "ops_team", "2023-05-31T18:00:00+08:00", True)


def test_promo_price_against_the_30_day_minimum(engine):
    by = {v.rule: v for v in engine.evaluate(RECORDS["HD2023-0610"], NOW).violations}
    v = by["MKT-promo-price"]
    assert (v.path, v.evidence["sku"], v.evidence["promo_price"], v.evidence["minimum"], v.evidence["minimum_date"]) == (
        "/items/0/promo_price", "SP2023005-120-粉", "109.00", "99.00", "2023-05-20")
    assert "99.00" in v.messages.zh and "109.00" in v.messages.en


def test_promo_price_legal_baseline_and_unverifiable_prices(engine):
    legal = next(v for v in engine.evaluate(RECORDS["HD2023-0601"], NOW).violations if v.rule == "MKT-promo-price:legal")
    assert (legal.severity, legal.evidence["legal_minimum"]) == ("error", "79.00")
    unverifiable = next(v for v in engine.evaluate(RECORDS["HD2023-0531"], NOW).violations
                        if v.rule == "MKT-promo-price:unverifiable")
    assert unverifiable.severity == "warning" and unverifiable.clauses == ("MKT-12",)

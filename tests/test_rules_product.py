"""rules/processes/product.yaml on examples/products.jsonl: exact rules, clauses and states per record."""

import copy

from .conftest import EXAMPLES, NOW, read_jsonl
from .examplekit import example_suite

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "products.jsonl")}

EXPECTED = {  # product -> (state, rules that fire, clauses they cite)
    "SP2023001": ("candidate",
                  ["PRD-daily-monitoring", "PRD-detail-page", "PRD-entry-fields", "PRD-listed-without-approval",
                   "PRD-main-images", "PRD-reconciled-daily", "PRD-seo", "PRD-stock-settings", "PRD-supplier-terms"],
                  ["PRD-02", "PRD-04", "PRD-05", "PRD-06", "PRD-07", "PRD-09", "PRD-14"]),
    "SP2023002": ("listed", [], []),
    "SP2023003": ("listed", ["approve.wrong_role", "confirm_qualifications.wrong_role"], ["PRD-02", "PRD-06"]),
    "SP2023004": ("listed", ["PRD-presale-terms"], ["PRD-08"]),
    "SP2023005": ("listed", ["list.late"], ["PRD-07"]),
    "SP2023006": ("listed", ["PRD-slow-mover"], ["PRD-09"]),
    "SP2023007": ("listed", [], []),
    "SP2023008": ("listed", ["PRD-low-stock"], ["PRD-10"]),
    "SP2023009": ("listed", ["PRD-quality-complaint-delist"], ["PRD-11"]),
    "SP2023010": ("delisted", [], []),
    "SP2023011": ("delisted", ["PRD-delisted-status"], ["PRD-11"]),
    "SP2023012": ("listed", ["PRD-not-as-described"], ["PRD-12"]),
    "SP2023013": ("listed", ["PRD-stock-matches-warehouse"], ["PRD-14"]),
    "SP2023014": ("listed", ["PRD-low-stock", "PRD-oversold"], ["PRD-10", "PRD-14"]),
    "SP2023015": ("listed", ["PRD-template-fields"], ["TPL-01"]),
    "SP2023016": ("listed", ["PRD-reconciled-daily"], ["PRD-14"]),
    "SP2023017": ("evaluated", [], []),
    "SP2023018": ("pending_review", [], []),
    "SP2023019": ("evaluated", ["evaluate.out_of_order"], ["PRD-03"]),
    "SP2023020": ("listed", ["PRD-qualifications:expired"], ["PRD-11", "PRD-13"]),
    "SP2023021": ("pending_review", ["PRD-qualifications"], ["PRD-11", "PRD-13"]),
    "SP2023022": ("listed", [], []),
    "SP2023023": ("listed", ["PRD-banned-words"] * 4, ["GEN-02", "PRD-06"]),
    "SP2023024": ("listed", ["PRD-main-images", "PRD-main-images:background", "PRD-main-images:watermark"], ["PRD-04"]),
}


_suite = example_suite('product', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example
test_every_check_fires_on_one_example_and_passes_on_another = _suite.every_check_fires_and_passes


def test_template_row_as_printed(engine):
    r = engine.evaluate(RECORDS["SP2023001"], NOW)
    by = {v.rule: v for v in r.violations}
    assert by["PRD-supplier-terms"].evidence["missing"] == [
        "quality_inspection_report", "supplier.supply_cycle_days", "supplier.return_policy"]
    assert by["PRD-entry-fields"].evidence["missing"] == ["specs"]
    assert by["PRD-stock-settings"].evidence["skus"] == ["SP2023001-S-蓝-M"]
    assert by["PRD-listed-without-approval"].messages.zh.startswith("商品状态为 listed")
    assert by["PRD-reconciled-daily"].evidence["latest"] == "—"
    assert [(a.action, a.role) for a in r.next_actions] == [("confirm_qualifications", "buyer"),
                                                            ("reconcile_stock_now", "ops_specialist")]


def test_slow_mover_quotes_the_last_sale_and_the_days(engine):
    (v,) = engine.evaluate(RECORDS["SP2023006"], NOW).violations
    assert v.evidence == {"last_sale": "2023-04-28T16:05:00+08:00", "listed_at": "2023-03-15T10:00:00+08:00", "days": 35}
    assert "35 天无销量" in v.messages.zh and "no sale for 35 days" in v.messages.en
    # 30 days after the last sale it is not yet a slow mover
    from datetime import datetime

    from .conftest import SH
    assert engine.evaluate(RECORDS["SP2023006"], datetime(2023, 5, 28, 16, 0, tzinfo=SH)).violations == ()


def test_low_stock_names_the_sku_and_both_levels(engine):
    (v,) = engine.evaluate(RECORDS["SP2023008"], NOW).violations
    assert (v.path, v.evidence) == ("/skus/0/stock", {"index": 0, "sku": "SP2023008-F-白", "stock": 8, "safety_stock": 30})
    rec = copy.deepcopy(RECORDS["SP2023008"])
    rec["skus"][0]["stock"] = 30  # at the threshold is not below it
    assert engine.evaluate(rec, NOW).violations == ()


def test_reconciliation_mismatch_is_quoted_and_cleared_by_a_later_match(engine):
    (v,) = engine.evaluate(RECORDS["SP2023013"], NOW).violations
    assert v.evidence["mismatches"] == ["SP2023013-27-蓝 120/114"]
    rec = copy.deepcopy(RECORDS["SP2023013"])
    rec["events"].append({"type": "stock_reconciled", "at": "2023-06-03T10:00:00+08:00", "actor": "周强", "role": "warehouse",
                          "counts": [{"sku": "SP2023013-27-蓝", "book": 114, "physical": 114}]})
    assert engine.evaluate(rec, NOW).violations == ()


def test_a_resolved_quality_complaint_no_longer_calls_for_delisting(engine):
    rec = copy.deepcopy(RECORDS["SP2023009"])
    rec["complaints"][0]["resolved"] = True
    assert engine.evaluate(rec, NOW).violations == ()


def test_status_drives_the_listing_checks_not_the_history(engine):
    """A draft is not judged as a listing; the same record marked listed is."""
    rec = copy.deepcopy(RECORDS["SP2023001"])
    rec["status"] = "draft"
    assert engine.evaluate(rec, NOW).violations == ()


def test_banned_words_quote_each_word_where_it_stands(engine):
    vs = [v for v in engine.evaluate(RECORDS["SP2023023"], NOW).violations if v.rule == "PRD-banned-words"]
    assert [(v.path, v.evidence["text"]) for v in vs] == [
        ("/title", "全网最低价"), ("/title", "最舒适"), ("/title", "销量第一"), ("/tags/1", "第一品牌")]
    assert all(v.severity == "error" and v.clauses == ("PRD-06", "GEN-02") for v in vs)
    assert "「全网最低价」" in vs[0].messages.zh and "广告法" in vs[0].messages.zh


def test_expired_and_missing_qualifications(engine):
    (v,) = engine.evaluate(RECORDS["SP2023020"], NOW).violations
    assert (v.rule, v.path) == ("PRD-qualifications:expired", "/qualifications/1/expires_on")
    assert (v.evidence["type"], v.evidence["expires_on"], v.evidence["days_expired"]) == ("cosmetics_filing", "2023-05-31", 3)
    (v,) = engine.evaluate(RECORDS["SP2023021"], NOW).violations
    assert (v.evidence["category"], v.evidence["missing"]) == ("食品-坚果炒货", ["food_business_licence / prepackaged_food_filing"])
    assert (v.evidence["entry"], v.evidence["defined_at"]) == ("food", v.evidence["defined_at"].split(":")[0] + ":52")
    rec = copy.deepcopy(RECORDS["SP2023021"])
    rec["qualifications"].append({"type": "食品经营许可证", "expires_on": "2026-01-31"})  # the alias counts
    assert engine.evaluate(rec, NOW).violations == ()


def test_main_images_count_watermark_and_background(engine):
    vs = {v.rule: v for v in engine.evaluate(RECORDS["SP2023024"], NOW).violations}
    assert (vs["PRD-main-images"].evidence["count"], vs["PRD-main-images"].evidence["min_count"]) == (3, 5)
    assert vs["PRD-main-images:watermark"].path == "/main_images/1/watermark"
    assert vs["PRD-main-images:background"].path == "/main_images/2/white_background"

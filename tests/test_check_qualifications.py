"""qualifications (PRD-13, PRD-11): required types per category prefix, expiry against now."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.checks import CheckConfigError
from sopengine.checks.qualifications import QualificationsCheck

from .checkkit import NOW, env, run, said

TODAY = NOW.date()  # 2023-06-03 in Shanghai
PARAMS = {
    "required": {
        "食品": ["food_business_licence", "quality_inspection_report"],
        "食品-保健食品": ["health_food_registration"],
        "化妆品": [["cosmetics_filing", "cosmetics_registration"]],
    },
    "aliases": {"食品经营许可证": "food_business_licence", "质检报告": "quality_inspection_report",
                "化妆品备案": "cosmetics_filing", "化妆品注册证": "cosmetics_registration"},
}


def product(category, *quals):
    return {"process": "product", "id": "SP1", "status": "listed", "category": category,
            "qualifications": [dict(type=t, **({"expires_on": e} if e else {})) for t, e in quals]}


def check(**extra) -> QualificationsCheck:
    return QualificationsCheck({**PARAMS, **extra}, env())


def test_food_needs_both_documents():
    [hit] = run(check(), product("食品-零食", ("quality_inspection_report", "2024-01-01")))
    assert hit.suffix == "" and hit.path == "/qualifications"
    assert hit.evidence["missing"] == ["food_business_licence"] and hit.evidence["matched"] == ["食品"]
    assert run(check(), product("食品-零食", ("食品经营许可证", "2025-01-01"), ("质检报告", None))) == []


def test_prefixes_match_whole_levels_and_add_up():
    assert run(check(), product("食品饮料-茶")) == []  # not 食品
    assert run(check(), product("化妆品工具-化妆刷")) == []  # not 化妆品
    [hit] = run(check(), product("食品 > 保健食品 > 鱼油"))
    assert hit.evidence["matched"] == ["食品", "食品-保健食品"]
    assert hit.evidence["missing"] == ["food_business_licence", "quality_inspection_report", "health_food_registration"]


def test_either_alternative_satisfies_a_requirement():
    assert run(check(), product("化妆品-面霜", ("化妆品注册证", "2026-01-01"))) == []
    assert run(check(), product("化妆品-面霜", ("ＣＯＳＭＥＴＩＣＳ_Filing ", "2026-01-01"))) == []  # full-width, case
    [hit] = run(check(), product("化妆品-面霜", ("quality_inspection_report", None)))
    assert hit.evidence["missing"] == ["cosmetics_filing / cosmetics_registration"]


def test_expiry_today_is_still_valid_yesterday_is_expired():
    today = TODAY.isoformat()
    assert run(check(), product("化妆品-面霜", ("cosmetics_filing", today))) == []
    [hit] = run(check(), product("化妆品-面霜", ("cosmetics_filing", (TODAY - timedelta(days=1)).isoformat())))
    assert (hit.suffix, hit.path) == (":expired", "/qualifications/0/expires_on")
    ev = hit.evidence
    assert (ev["expires_on"], ev["today"], ev["days_expired"], ev["required"]) == ("2023-06-02", "2023-06-03", 1, True)
    assert said(hit) == ("qualification 'cosmetics_filing' expired on 2023-06-02 (today is 2023-06-03, 1 day(s) ago): "
                         "delist and renew it")


def test_today_is_the_process_zone_day():
    # 2023-06-02T20:00Z is already 06-03 in Shanghai: a document valid through 06-02 has expired
    from datetime import datetime
    now = datetime(2023, 6, 2, 20, 0, tzinfo=UTC)
    [hit] = run(check(), product("服装", ("brand_authorisation", "2023-06-02")), now=now)
    assert hit.suffix == ":expired" and hit.evidence["required"] is False


def test_a_renewed_document_hides_the_expired_one_any_expired_type_is_reported():
    quals = [("cosmetics_filing", "2022-01-01"), ("cosmetics_filing", "2025-01-01"), ("brand_authorisation", "2023-01-31")]
    [hit] = run(check(), product("化妆品-面霜", *quals))
    assert hit.suffix == ":expired" and hit.evidence["type"] == "brand_authorisation" and hit.evidence["required"] is False
    # the latest of several expired copies is quoted
    [hit] = run(check(), product("服装", ("brand_authorisation", "2022-01-01"), ("brand_authorisation", "2023-01-01")))
    assert hit.evidence["expires_on"] == "2023-01-01" and hit.path == "/qualifications/1/expires_on"


def test_required_but_only_expired_is_reported_as_expired_not_missing():
    hits = run(check(), product("食品-零食", ("food_business_licence", "2023-01-01"), ("质检报告", "2024-01-01")))
    assert [h.suffix for h in hits] == [":expired"]


def test_expiring_soon_is_a_warning_when_asked():
    soon = (TODAY + timedelta(days=30)).isoformat()
    assert run(check(), product("化妆品", ("cosmetics_filing", soon))) == []
    [hit] = run(check(expiring_within_days=30), product("化妆品", ("cosmetics_filing", soon)))
    assert (hit.suffix, hit.severity, hit.evidence["days_left"]) == (":expiring", "warning", 30)
    assert run(check(expiring_within_days=29), product("化妆品", ("cosmetics_filing", soon))) == []


def test_no_category_means_no_requirements_but_expiry_still_counts():
    rec = product(None, ("brand_authorisation", "2020-01-01"))
    del rec["category"]
    assert [h.suffix for h in run(check(), rec)] == [":expired"]


def test_bad_params():
    with pytest.raises(CheckConfigError):
        QualificationsCheck({"required": {" ": ["x"]}}, env())
    with pytest.raises(CheckConfigError) as ei:
        QualificationsCheck({"required": {"食品": ["x"]}, "fields": {"qualifications": "qualifications[]"}}, env())
    assert ei.value.pointer == "/fields/qualifications"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["cosmetics_filing", "cosmetics_registration", "brand_authorisation"]),
                          st.one_of(st.none(), st.integers(-5, 5))), max_size=5))
def test_expired_findings_match_a_per_type_oracle(docs):
    quals = [(t, None if d is None else (TODAY + timedelta(days=d)).isoformat()) for t, d in docs]
    hits = run(check(), product("化妆品-面霜", *quals))
    valid = {t for t, d in docs if d is None or d >= 0}
    expired = {t for t, d in docs if d is not None and t not in valid}
    assert {h.evidence["type"] for h in hits if h.suffix == ":expired"} == expired
    has_any = {t for t, _ in docs} & {"cosmetics_filing", "cosmetics_registration"}
    assert any(h.suffix == "" for h in hits) == (not has_any)

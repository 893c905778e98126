"""Years without a published schedule (issue 10): declared years, package years, estimated years.

Expected dates come from outside the code under test: the State Council's notices (as the
chinese-calendar package carries them, and the 2026 notice of 2025-11-04 as printed), the
statutory holidays of 全国年节及纪念日放假办法 as amended in 2024, and known lunar facts
(除夕 2027 is 2027-02-05; 初一 2026 is 2026-02-17). The 2027 schedules declared here are
invented test data, not a notice.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta

import pytest
import yaml

import sopengine
from sopengine.chrono import official
from sopengine.chrono.calendars import Calendar, CalendarError, CalendarRangeError
from sopengine.chrono.holidays import statutory_days

from .conftest import EXAMPLES, RULES, SH, read_jsonl
from .test_sla import CAMPAIGN, action, campaign, iso, rules_of, sh, with_time_data

BUNDLED = yaml.safe_load((RULES / "calendars" / "cn.yaml").read_text("utf-8"))
CN = Calendar.from_definition(BUNDLED)
NOTE = "2027 has no published schedule yet; estimated from the statutory holidays"


def cal(**changes) -> Calendar:
    doc = copy.deepcopy(BUNDLED)
    doc.update(changes)
    return Calendar.from_definition({k: v for k, v in doc.items() if v is not None}, source="cn.yaml")


# A made-up 2027 notice (test data only): Spring Festival 02-05..02-12 off, Saturday 02-20 worked.
SCHEDULE_2027 = {"year": 2027, "source": {"title": "测试通知 (test data, not a notice)", "date": "2026-11-20"},
                 "days_off": [{"from": "2027-02-05", "to": "2027-02-12", "reason": "春节 Spring Festival"}],
                 "working_days": [{"date": "2027-02-20", "reason": "春节调休"}]}
# The real 2026 notice: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), transcribed.
NOTICE_2026 = {
    "year": 2026, "source": {"title": "国务院办公厅关于2026年部分节假日安排的通知", "date": "2025-11-04"},
    "days_off": [{"from": "2026-01-01", "to": "2026-01-03", "reason": "元旦"},
                 {"from": "2026-02-15", "to": "2026-02-23", "reason": "春节"},
                 {"from": "2026-04-04", "to": "2026-04-06", "reason": "清明节"},
                 {"from": "2026-05-01", "to": "2026-05-05", "reason": "劳动节"},
                 {"from": "2026-06-19", "to": "2026-06-21", "reason": "端午节"},
                 {"from": "2026-09-25", "to": "2026-09-27", "reason": "中秋节"},
                 {"from": "2026-10-01", "to": "2026-10-07", "reason": "国庆节"}],
    "working_days": [{"date": d, "reason": "调休"} for d in
                     ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")]}


# ---------------------------------------------------------------- the lunar library, checked against facts

def test_lunar_dates_agree_with_known_facts():
    days = dict(statutory_days(2027))
    assert days[date(2027, 2, 5)] == "Spring Festival (春节, 除夕)"
    assert [d for d, n in statutory_days(2027) if "春节" in n] == [date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert dict(statutory_days(2026))[date(2026, 2, 17)] == "Spring Festival (春节, 初一)"
    assert dict(statutory_days(2026))[date(2026, 2, 16)] == "Spring Festival (春节, 除夕)"
    assert len(statutory_days(2030)) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_dates_agree_with_every_notice_the_package_carries(year):
    """初一, 清明, 端午 and 中秋 are days off in every notice since 2008 (when the last three
    became holidays): the library's lunar dates and solar term must land on them."""
    from chinese_calendar import constants as cc

    package_name = {"Qingming": "Tomb-sweeping Day", "Dragon Boat Festival": "Dragon Boat Festival",
                    "Mid-Autumn Festival": "Mid-autumn Festival", "Spring Festival": "Spring Festival"}
    for d, name in statutory_days(year):
        short = name.split(" (")[0]
        if short not in package_name or ("春节" in name and "初一" not in name):
            continue
        # (a Mid-Autumn inside National Day's break is listed as National Day, as in 2020)
        expected = {package_name[short], "National Day"} if short == "Mid-Autumn Festival" else {package_name[short]}
        if d.weekday() < 5:  # a weekday festival is in the notice's list under its own name
            assert cc.holidays.get(d) in expected, (year, name, d)
        else:  # the package leaves out some weekend days of a break: the break must be beside it
            near = {cc.holidays.get(d + timedelta(days=k)) for k in (-2, -1, 0, 1, 2)}
            assert d not in cc.workdays and expected & near, (year, name, d)


@pytest.mark.parametrize("year", [2025, 2026])
def test_under_the_2024_amendment_every_statutory_day_is_off_in_the_notice(year):
    from chinese_calendar import constants as cc

    assert all(d in cc.holidays for d, _ in statutory_days(year))


# ---------------------------------------------------------------- the estimate

def test_an_estimated_year_is_the_statutory_days_and_weekends_and_no_make_up_day():
    assert CN.source_of(2026) == "package" and CN.source_of(2027) == "estimated"
    days = CN.year_days(2027)
    assert [d for d, *_ in days] == [d for d, _ in statutory_days(2027)]
    assert all(not working and prov == "estimated" for _, working, _, prov in days)
    assert not CN.is_working_day(date(2027, 2, 5)) and not CN.is_working_day(date(2027, 2, 8))
    assert CN.is_working_day(date(2027, 2, 9))        # the law gives 4 days; a notice may give more
    assert not CN.is_working_day(date(2027, 2, 20))   # a Saturday: make-up days are never guessed
    assert CN.is_working_day(date(2027, 10, 4)) and not CN.is_working_day(date(2027, 10, 1))
    assert "端午" in CN.day_reason(date(2027, 6, 9))  # 2027's Dragon Boat Festival, from the lunar date
    assert CN.estimated_years(sh(2026, 12, 30), sh(2027, 1, 5)) == (2027,)
    assert CN.estimated_years(sh(2026, 1, 1), sh(2026, 12, 31)) == ()



def test_the_estimated_years_of_instants_in_any_offset_are_those_of_their_local_dates():
    """Counted from the local dates (Asia/Shanghai), whatever offset an instant is written in: the answer
    skips the zone conversions only where no year next to the instants' own is estimated."""
    from datetime import timezone

    def by_date(a, b):
        lo, hi = sorted((CN.local(a).year if isinstance(a, datetime) else a.year,
                         CN.local(b).year if isinstance(b, datetime) else b.year))
        return tuple(y for y in range(lo, hi + 1) if CN.source_of(y) == "estimated")

    stamps = [datetime(y, m, d, h, tzinfo=timezone(timedelta(hours=off))) for y in (2023, 2024, 2025, 2026, 2027)
              for m, d in ((1, 1), (6, 1), (12, 31)) for h in (0, 12, 23) for off in (-11, -5, 0, 8, 13)]
    stamps += [date(2026, 12, 31), date(2027, 1, 1)]
    pairs = [(a, b) for a in stamps for b in stamps[::7]]
    assert [CN.estimated_years(a, b) for a, b in pairs] == [by_date(a, b) for a, b in pairs]
    assert {CN.estimated_years(a, b) for a, b in pairs} == {(), (2027,), (2027, 2028)}  # each answer is reached
    assert CN.estimated_years(datetime(2026, 12, 31, 12, tzinfo=timezone(timedelta(hours=-5))), date(2026, 6, 1)) == (2027,)

def test_years_before_the_first_with_data_are_an_error_never_a_guess():
    with pytest.raises(CalendarRangeError, match=r"2003-06-02: it covers 2004\.\.2026, estimated 2027\.\.2100"):
        CN.add_working_days(sh(2003, 6, 1, 12), 1)
    with pytest.raises(CalendarRangeError):
        CN.year_days(2003)
    # An estimate starts with the law it reads: a gap before 2025 is not estimated either.
    gap = cal(schedules=[dict(copy.deepcopy(NOTICE_2026), year=2001,
                              days_off=[{"date": "2001-10-01", "reason": "x"}], working_days=[])])
    assert gap.source_of(2001) == "declared" and gap.source_of(2002) is None
    with pytest.raises(CalendarRangeError, match=r"it covers 2001, 2004\.\.2026, estimated 2027\.\.2100"):
        gap.is_working_day(date(2002, 5, 1))


def test_a_declared_year_overrides_the_estimate_and_the_package():
    declared = cal(schedules=[SCHEDULE_2027])
    assert declared.source_of(2027) == "declared" and declared.estimated_years(date(2027, 1, 1), date(2027, 12, 31)) == ()
    assert not declared.is_working_day(date(2027, 2, 9)) and declared.is_working_day(date(2027, 2, 20))
    assert declared.is_working_day(date(2027, 10, 1))  # the declared year is the notice's whole list
    assert declared.day_reason(date(2027, 2, 10)) == "春节 Spring Festival" and "测试通知" in declared.notices[2027][0]
    assert declared.digest() != CN.digest()
    # The real 2026 notice, declared, answers every day of 2026 as the package does.
    notice = cal(schedules=[NOTICE_2026])
    assert notice.source_of(2026) == "declared"
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(365)]
    assert [notice.is_working_day(d) for d in days] == [CN.is_working_day(d) for d in days]


def test_package_data_is_preferred_over_the_estimate(monkeypatch):
    """A newer chinese-calendar release that carries 2027 (simulated) replaces the estimate."""
    days, years = official.package_data()
    newer = days + ((date(2027, 2, 9), False, "Spring Festival (春节)"), (date(2027, 2, 20), True, "调休"))
    monkeypatch.setattr(official, "package_data", lambda: (newer, years + (2027,)))
    from sopengine.chrono import calendar_file
    monkeypatch.setattr(calendar_file, "package_data", official.package_data)
    packaged = cal()
    assert packaged.source_of(2027) == "package" and packaged.estimated_years(date(2027, 1, 1), date(2027, 3, 1)) == ()
    assert not packaged.is_working_day(date(2027, 2, 9)) and packaged.is_working_day(date(2027, 2, 20))
    assert packaged.is_working_day(date(2027, 2, 5))  # the package's year is its whole list, not mixed with the law
    assert packaged.digest() != CN.digest()
    # ... and a declared year over both.
    assert not cal(schedules=[SCHEDULE_2027]).is_working_day(date(2027, 2, 5))


def test_the_digest_says_where_the_years_came_from():
    digests = {cal(estimate=None).digest(), CN.digest(), cal(schedules=[SCHEDULE_2027]).digest(),
               cal(estimate={"method": "statutory-2025", "max_severity": "error"}).digest()}
    assert len(digests) == 4


@pytest.mark.parametrize("changes,pointer", [
    ({"estimate": {"method": "guess"}}, "/estimate/method"),
    ({"estimate": {"method": "statutory-2025", "max_severity": "fatal"}}, "/estimate/max_severity"),
    ({"estimate": {"method": "statutory-2025", "severity": "info"}}, "/estimate/severity"),
    ({"base": "weekdays"}, "/estimate"),
    ({"schedules": [{**SCHEDULE_2027, "year": "2027"}]}, "/schedules/0/year"),
    ({"schedules": [{**SCHEDULE_2027, "source": {"title": "x"}}]}, "/schedules/0/source/date"),
    ({"schedules": [{**SCHEDULE_2027, "source": {"date": "2026-11-20"}}]}, "/schedules/0/source/title"),
    ({"schedules": [SCHEDULE_2027, SCHEDULE_2027]}, "/schedules/1/year"),
    ({"schedules": [{**SCHEDULE_2027, "working_days": [{"date": "2028-03-01", "reason": "x"}]}]},
     "/schedules/0/working_days/0"),
    ({"schedules": [{**SCHEDULE_2027, "working_days": [{"date": "2027-02-06", "reason": "x"}]}]},
     "/schedules/0/working_days/0"),
    ({"schedules": [{"year": 2027, "source": SCHEDULE_2027["source"]}]}, "/schedules/0"),
    ({"extra_days_off": [{"date": "2003-05-01", "reason": "x"}]}, "/extra_days_off/0"),
    ({"extra_days_off": [{"date": "2101-05-01", "reason": "x"}]}, "/extra_days_off/0"),
])
def test_definition_errors_name_the_key(changes, pointer):
    with pytest.raises(CalendarError) as err:
        cal(**changes)
    assert err.value.pointer == pointer, err.value


def test_a_company_day_overrides_an_estimated_day_and_counts_in_the_digest():
    worked = cal(extra_working_days=[{"date": "2027-10-01", "reason": "双11 备货"}])
    assert worked.is_working_day(date(2027, 10, 1)) and not CN.is_working_day(date(2027, 10, 1))
    assert worked.digest() != CN.digest()


# ---------------------------------------------------------------- deadlines and findings

@pytest.fixture
def estimating(tree):
    with_time_data(tree)
    tree("campaign.yaml", CAMPAIGN)
    return sopengine.load(tree.root)


def test_across_the_year_boundary(estimating):
    """Ends Wed 2026-12-30: 12-31 (package), then 2027 (estimated): 01-01 off, weekend, 01-04, 01-05."""
    r = estimating.evaluate(campaign(iso(2026, 12, 30, 15)), sh(2027, 1, 5, 9))
    a = action(r, "review_report")
    assert a.due == "2027-01-05T18:00:00+08:00" and NOTE in a.sla
    reviewed = [{"type": "review_published", "at": iso(2027, 1, 5, 10), "role": "ops_team"}]
    assert rules_of(estimating.evaluate(campaign(iso(2026, 12, 30, 15), reviewed), sh(2027, 1, 5, 12))) == []
    late = [{"type": "review_published", "at": iso(2027, 1, 6, 10), "role": "ops_team"}]
    r = estimating.evaluate(campaign(iso(2026, 12, 30, 15), late), sh(2027, 1, 6, 12))
    (v,) = r.violations
    assert (v.rule, v.severity) == ("review_report.late", "warning")  # an error on published data
    assert v.messages.en.endswith(f"({NOTE})") and "2027 年尚无公布的放假安排，按法定节假日推算" in v.messages.zh
    assert v.evidence["estimated"] == NOTE and v.evidence["estimated_years"] == [2027]
    assert any(NOTE in t and "statutory-2025" in t for t in r.trace)


@pytest.mark.parametrize("ends, due", [
    ((2027, 9, 30, 15), "2027-10-06T18:00:00+08:00"),  # National Day 10-01..03 (Fri-Sun): 10-04, 05, 06
    ((2027, 2, 4, 15), "2027-02-11T18:00:00+08:00"),   # 除夕 02-05 (Fri) .. 初三 02-08 (Mon): 02-09, 10, 11
])
def test_around_national_day_and_spring_festival_2027(estimating, ends, due):
    r = estimating.evaluate(campaign(iso(*ends)), sh(*ends) + timedelta(hours=1))
    assert action(r, "review_report").due == due


def test_overdue_on_an_estimate_is_a_warning_unless_the_calendar_says_otherwise(tree):
    with_time_data(tree)
    tree("campaign.yaml", CAMPAIGN)
    r = sopengine.load(tree.root).evaluate(campaign(iso(2027, 2, 4, 15)), sh(2027, 2, 12, 9))
    (v,) = r.violations
    assert (v.rule, v.severity) == ("review_report.overdue", "warning") and NOTE in v.messages.en
    path = tree.root / "calendars" / "cn.yaml"
    path.write_text(path.read_text("utf-8").replace("max_severity: warning", "max_severity: error"), "utf-8")
    (v,) = sopengine.load(tree.root).evaluate(campaign(iso(2027, 2, 4, 15)), sh(2027, 2, 12, 9)).violations
    assert (v.rule, v.severity) == ("review_report.overdue", "error") and NOTE in v.messages.en


def test_a_declared_2027_overrides_the_estimate_in_deadlines(tree):
    with_time_data(tree)
    path = tree.root / "calendars" / "cn.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    tree("campaign.yaml", CAMPAIGN)
    estimated = sopengine.load(tree.root)
    path.write_text(yaml.safe_dump({**doc, "schedules": [SCHEDULE_2027]}, allow_unicode=True), "utf-8")
    declared = sopengine.load(tree.root)
    r = declared.evaluate(campaign(iso(2027, 2, 4, 15)), sh(2027, 2, 18, 9))
    (v,) = r.violations
    assert (v.rule, v.severity) == ("review_report.overdue", "error")  # published data: the rule's severity
    assert v.evidence["due"] == "2027-02-17T18:00:00+08:00" and "estimated" not in v.evidence
    # a re-run after the notice is visibly a different judgement
    assert r.digest != estimated.evaluate(campaign(iso(2027, 2, 4, 15)), sh(2027, 2, 18, 9)).digest


def test_a_year_before_the_data_is_still_unevaluable(estimating):
    (v,) = estimating.evaluate(campaign(iso(2003, 6, 10, 15)), sh(2003, 6, 11)).violations
    assert (v.rule, v.severity) == ("review_report.unevaluable", "error") and "2003-06-11" in v.messages.en


def test_the_48h_promotion_rule_works_in_2027():
    bundled = sopengine.load(RULES)
    from .test_sla import shipping_due
    due, text = shipping_due(bundled, "2027-11-01T10:00:00+08:00")
    assert due == "2027-11-03T10:00:00+08:00" and "double_11-2027, dates estimated" in text
    due, text = shipping_due(bundled, "2027-06-10T10:00:00+08:00")
    assert due == "2027-06-12T10:00:00+08:00" and "618-2027, dates estimated" in text
    assert shipping_due(bundled, "2027-03-01T10:00:00+08:00")[0] == "2027-03-02T10:00:00+08:00"


# ---------------------------------------------------------------- the bundled examples in 2027

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}(T.*)?$")


def _shift(node, days: int):
    """Every date and timestamp of a record moved by ``days``: the examples replayed in 2027."""
    if isinstance(node, dict):
        return {k: _shift(v, days) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift(v, days) for v in node]
    if isinstance(node, str) and _INSTANT.match(node):
        if "T" in node:
            return (datetime.fromisoformat(node) + timedelta(days=days)).isoformat()
        return (date.fromisoformat(node) + timedelta(days=days)).isoformat()
    return node


def calendar_unevaluable(results) -> list[str]:
    return [f"{r.record}: {v.rule}: {v.messages.en}" for r in results for v in r.violations
            if v.rule.endswith(".unevaluable") and v.evidence.get("data") in ("cn", "big_promotions")]


def test_the_bundled_examples_judged_in_2027_need_no_published_2027_schedule(capsys, tree):
    from .clirun import run
    code, out, _ = run(capsys, "check", EXAMPLES, "--rules", RULES, "--now", "2027-03-01T12:00:00+08:00",
                         "--format", "json")
    results = json.loads(out)
    assert code in (0, 1) and results
    assert not [v for r in results for v in r["violations"] if v["rule"].endswith(".unevaluable")
                and v["evidence"].get("data") == "cn"]
    # The same records moved into 2027 (the deadlines then fall in 2027 and need its calendar).
    now = datetime(2027, 3, 1, 12, tzinfo=SH)
    shift = (date(2027, 3, 1) - date(2023, 6, 3)).days
    records = [_shift(rec, shift) for f in sorted(EXAMPLES.glob("*.jsonl")) for rec in read_jsonl(f)]
    bundled = sopengine.load(RULES)
    results = [bundled.evaluate(rec, now) for rec in records]
    assert not calendar_unevaluable(results)
    estimated = [v for r in results for v in r.violations if "estimated" in v.evidence]
    assert estimated and all(v.severity != "error" for v in estimated)
    # Without the estimate the same records do need the 2027 schedule: the test can fail.
    with_time_data(tree, estimate=False)
    for p in sorted(RULES.glob("processes/*.yaml")):
        tree(f"processes/{p.name}", p.read_text("utf-8"))
    tree("manual.yaml", (RULES / "manual.yaml").read_text("utf-8"))
    for p in sorted(RULES.glob("vocabularies/*")) + sorted(RULES.glob("qualifications/*")):
        tree(f"{p.parent.name}/{p.name}", p.read_text("utf-8"))
    package_only = sopengine.load(tree.root)
    assert calendar_unevaluable([package_only.evaluate(rec, now) for rec in records])


def test_the_schema_agrees_with_the_loader_on_schedules_and_estimates():
    import jsonschema

    from .test_calendars import _jsonable

    validator = jsonschema.Draft202012Validator(json.loads((RULES.parent / "schemas" / "calendar.schema.json")
                                                           .read_text("utf-8")))
    for good in ({"schedules": [SCHEDULE_2027, NOTICE_2026]},
                 {"estimate": {"method": "statutory-2025", "max_severity": "info"}}):
        doc = {**BUNDLED, **good}
        assert validator.is_valid(_jsonable(doc)), good
        Calendar.from_definition(doc)
    for bad in ({"estimate": {"method": "guess"}}, {"estimate": {"method": "statutory-2025", "max_severity": "fatal"}},
                {"estimate": {}}, {"schedules": [{**SCHEDULE_2027, "year": "2027"}]},
                {"schedules": [{k: v for k, v in SCHEDULE_2027.items() if k != "source"}]},
                {"schedules": [{**SCHEDULE_2027, "source": {"title": "x", "date": "2026-11-20", "by": "y"}}]},
                {"schedules": [{"year": 2027, "source": SCHEDULE_2027["source"]}]}):
        doc = {**BUNDLED, **bad}
        assert not validator.is_valid(_jsonable(doc)), bad
        with pytest.raises(CalendarError):
            Calendar.from_definition(doc)

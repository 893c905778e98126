"""The time layer: holidays and 调休, batches, working hours, zones, promotion windows.

Expected dates come from the State Council's holiday notices (2025 National Day and
Mid-Autumn: 10-01..10-08 off, 09-28 and 10-11 worked; 2026 Spring Festival:
02-15..02-23 off, 02-14 and 02-28 worked), not from the package under test.
"""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.chrono.calendars import (
    WEEKDAY_NAMES,
    Calendar,
    CalendarError,
    CalendarRangeError,
    parse_clock,
)
from sopengine.chrono.promotions import PromotionWindows
from sopengine.chrono.spans import BatchSpan, WorkingDaysSpan

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
BATCHES = ["09:00", "14:00", "18:00"]  # ORD-01


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / "rules" / "calendars" / name).read_text(encoding="utf-8"))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def definition(**changes) -> dict:
    doc = {"apiVersion": "sopengine/v1", "kind": "Calendar", "id": "t",
           "title": {"zh": "测试", "en": "test"}, "base": "chinese-calendar"}
    doc.update(changes)
    return doc


CN = Calendar.from_definition(load("cn.yaml"), source="cn.yaml")
# Same official days, no business hours: a deadline then ends at 24:00.
CN_ALLDAY = Calendar.from_definition(definition())
PROMOS = PromotionWindows.from_definition(load("promotions.yaml"), source="promotions.yaml")


# ---------------------------------------------------------------- official days

@pytest.mark.parametrize("day", ["2025-09-28", "2025-10-11", "2026-02-14", "2026-02-28"])
def test_make_up_weekend_days_are_working_days(day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5 and CN.is_working_day(d)
    assert "调休" in CN.day_reason(d)


@pytest.mark.parametrize("first,last", [("2025-10-01", "2025-10-08"), ("2026-02-15", "2026-02-23")])
def test_official_breaks_are_days_off(first, last):
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    while d <= end:
        assert not CN.is_working_day(d), d
        d += timedelta(days=1)
    assert CN.is_working_day(end + timedelta(days=1))  # both breaks end on a Monday/Thursday worked


def test_ordinary_weekend_and_weekday():
    assert not CN.is_working_day(date(2025, 9, 27))  # Saturday
    assert CN.is_working_day(date(2025, 9, 29)) and CN.day_reason(date(2025, 9, 29)) is None


# ---------------------------------------------------------------- working days

def test_three_working_days_after_a_campaign_crosses_national_day():
    # MKT-09: ends Tue 09-30 15:00 -> 10-09, 10-10, 10-11 (make-up Saturday); due at close.
    assert CN.add_working_days(sh(2025, 9, 30, 15), 3) == sh(2025, 10, 11, 18)


def test_the_day_of_the_event_is_not_counted_even_at_one_minute_past_midnight():
    assert CN.add_working_days(sh(2025, 9, 26, 0, 1), 1) == sh(2025, 9, 28, 18)  # Fri -> make-up Sun


def test_without_working_hours_a_deadline_ends_at_24_00():
    due = CN_ALLDAY.add_working_days(sh(2025, 9, 30, 15), 3)
    assert due == sh(2025, 10, 12) and due.isoformat() == "2025-10-12T00:00:00+08:00"


def test_zero_and_negative_working_days():
    assert CN.shift_working_days(date(2025, 10, 3), 0) == date(2025, 10, 9)
    assert CN.shift_working_days(date(2025, 9, 29), 0) == date(2025, 9, 29)
    assert CN.shift_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert CN.shift_working_days(date(2025, 10, 9), -3) == date(2025, 9, 28)


def test_working_days_between_counts_after_a_up_to_b():
    assert CN.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert CN.working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert CN.working_days_between(sh(2025, 10, 1, 12), sh(2025, 10, 8, 23)) == 0


# ---------------------------------------------------------------- batches (ORD-01)

@pytest.mark.parametrize("placed,due,only", [
    (sh(2025, 6, 3, 18, 5), sh(2025, 6, 4, 9), True),       # Tue evening -> Wed 09:00
    (sh(2025, 6, 3, 14), sh(2025, 6, 3, 14), True),         # exactly on a batch
    (sh(2025, 6, 3, 14, 0, 1), sh(2025, 6, 3, 18), True),
    (sh(2025, 6, 3, 7, 30), sh(2025, 6, 3, 9), True),
    (sh(2025, 9, 30, 18, 5), sh(2025, 10, 9, 9), True),     # skips the National Day break
    (sh(2025, 9, 30, 18, 5), sh(2025, 10, 1, 9), False),    # every calendar day has batches
    (sh(2025, 9, 26, 18, 30), sh(2025, 9, 28, 9), True),    # Fri -> make-up Sunday
])
def test_next_batch(placed, due, only):
    got = CN.next_batch(placed, BATCHES, only)
    assert got == due and got.utcoffset() == timedelta(hours=8)


def test_next_batch_accepts_time_objects_and_refuses_nonsense():
    assert CN.next_batch(sh(2025, 6, 3, 10), [time(18), time(9)], True) == sh(2025, 6, 3, 18)
    with pytest.raises(ValueError):
        CN.next_batch(sh(2025, 6, 3, 10), [], True)
    with pytest.raises(ValueError, match="quote"):
        CN.next_batch(sh(2025, 6, 3, 10), [840], True)
    with pytest.raises(ValueError):
        parse_clock("24:00")
    with pytest.raises(TypeError):
        CN.add_working_days(sh(2025, 6, 3, 10), 2.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- working hours

@pytest.mark.parametrize("start,hours,due", [
    (sh(2025, 6, 3, 17), 2, sh(2025, 6, 4, 10)),     # 1 h today, 1 h tomorrow
    (sh(2025, 6, 3, 9), 9, sh(2025, 6, 3, 18)),      # the earliest instant, not next morning
    (sh(2025, 6, 3, 6), 1, sh(2025, 6, 3, 10)),      # before opening: the clock starts at 09:00
    (sh(2025, 9, 30, 17), 2, sh(2025, 10, 9, 10)),   # across the break
    (sh(2025, 10, 3, 12), 1, sh(2025, 10, 9, 10)),   # starting on a day off
])
def test_add_working_time(start, hours, due):
    assert CN.add_working_time(start, timedelta(hours=hours)) == due
    assert CN.working_time_between(start, due) == timedelta(hours=hours)


def test_lunch_break_is_not_working_time():
    cal = Calendar.from_definition(definition(working_hours={
        "start": "09:00", "end": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]}))
    assert cal.add_working_time(sh(2025, 6, 3, 11), timedelta(hours=2)) == sh(2025, 6, 3, 14)
    assert cal.working_time_between(sh(2025, 6, 3, 0), sh(2025, 6, 4, 0)) == timedelta(hours=8)
    assert cal.end_of_day(date(2025, 6, 3)) == sh(2025, 6, 3, 18)


def test_working_time_refuses_negative_amounts():
    with pytest.raises(ValueError):
        CN.add_working_time(sh(2025, 6, 3, 9), timedelta(minutes=-1))
    assert CN.working_time_between(sh(2025, 6, 3, 12), sh(2025, 6, 3, 10)) == -timedelta(hours=2)


# ---------------------------------------------------------------- zones

def test_a_utc_instant_is_reckoned_on_its_shanghai_date():
    t = datetime(2025, 9, 30, 16, 30, tzinfo=UTC)  # 2025-10-01 00:30 in Shanghai
    assert CN.is_working_day(t.date()) and not CN.is_working_day(t)
    due = CN.add_working_days(t, 1)
    assert due == sh(2025, 10, 9, 18) and due.tzinfo == SH
    assert CN.next_batch(datetime(2025, 9, 30, 10, 5, tzinfo=UTC), BATCHES, True) == sh(2025, 10, 9, 9)


def test_an_offset_other_than_the_zone_is_converted_not_misread():
    new_york = datetime(2025, 6, 3, 6, 5, tzinfo=ZoneInfo("America/New_York"))  # 18:05 Shanghai
    assert CN.next_batch(new_york, BATCHES, True) == sh(2025, 6, 4, 9)


def test_working_time_is_measured_in_real_time_across_a_dst_change():
    berlin = Calendar.from_definition(definition(
        base="weekdays", timezone="Europe/Berlin", weekly_working_days=list(WEEKDAY_NAMES)))
    spring = datetime(2025, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # 02:00 -> 03:00
    assert berlin.working_time_between(spring, berlin.end_of_day(spring)) == timedelta(hours=23)
    assert berlin.add_working_time(spring, timedelta(hours=3)).isoformat() == "2025-03-30T04:00:00+02:00"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        CN.add_working_days(datetime(2025, 6, 3, 12), 1)
    with pytest.raises(ValueError, match="naive"):
        PROMOS.window_at(datetime(2025, 11, 11))


# ---------------------------------------------------------------- range

def test_dates_outside_the_data_are_an_error_not_a_guess():
    # CN_ALLDAY declares no estimate: the package's years are all it answers for.
    with pytest.raises(CalendarRangeError, match=r"2027-01-04.*2004-01-01\.\.2026-12-31"):
        CN_ALLDAY.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarRangeError, match="2003-12-31"):
        CN_ALLDAY.is_working_day(sh(2003, 12, 31, 12))
    with pytest.raises(CalendarRangeError, match="2027-01-01"):
        CN_ALLDAY.add_working_days(sh(2026, 12, 30, 12), 3)
    with pytest.raises(CalendarRangeError):
        CN_ALLDAY.add_working_time(sh(2026, 12, 31, 23), timedelta(hours=2))
    # A question answerable inside the range is answered, even near its edge.
    assert CN.working_time_between(sh(2026, 12, 31, 9), sh(2026, 12, 31, 18, 30)) == timedelta(hours=9)
    # The bundled calendar estimates later years, but a year before the first with data is still an error.
    with pytest.raises(CalendarRangeError, match=r"2003-12-31: it covers 2004\.\.2026, estimated 2027\.\.2100"):
        CN.is_working_day(sh(2003, 12, 31, 12))
    with pytest.raises(CalendarRangeError, match="2101-01-01"):
        CN.is_working_day(date(2101, 1, 1))


def test_weekdays_base_has_no_holiday_data_and_no_range_limit():
    cal = Calendar.from_definition(definition(base="weekdays"))
    assert cal.is_working_day(date(2025, 10, 1)) and cal.is_working_day(date(2031, 1, 1))
    assert not cal.is_working_day(date(2025, 9, 28))


# ---------------------------------------------------------------- YAML extensions

WAREHOUSE = definition(
    id="warehouse_sh",
    weekly_working_days=["mon", "tue", "wed", "thu", "fri", "sat"],
    working_hours={"start": "08:00", "end": "20:00"},
    extra_days_off=[{"date": date(2025, 12, 31), "reason": "stocktake 盘点"},
                    {"from": "2026-02-09", "to": "2026-02-13", "reason": "early Spring Festival closure"}],
    extra_working_days=[{"date": "2025-10-08", "reason": "Double 11 stocking"}],
)


def test_extensions_from_yaml():
    cal = Calendar.from_definition(WAREHOUSE)
    assert cal.is_working_day(date(2025, 9, 27))          # an ordinary Saturday is worked
    assert not cal.is_working_day(date(2025, 10, 4))      # a Saturday inside the official break is not
    assert cal.is_working_day(date(2025, 10, 8))          # the YAML overrides the official break
    assert not cal.is_working_day(date(2025, 12, 31)) and cal.day_reason(date(2025, 12, 31)) == "stocktake 盘点"
    assert not any(cal.is_working_day(date(2026, 2, d)) for d in range(9, 14))
    assert cal.add_working_days(sh(2025, 10, 7, 12), 1) == sh(2025, 10, 8, 20)
    assert cal.digest() != CN.digest()


@pytest.mark.parametrize("changes,pointer", [
    ({"extra_day_off": []}, "/extra_day_off"),
    ({"base": "holidays"}, "/base"),
    ({"timezone": "Mars/Olympus"}, "/timezone"),
    ({"weekly_working_days": ["mon", "Tue"]}, "/weekly_working_days/1"),
    ({"weekly_working_days": []}, "/weekly_working_days"),
    ({"working_hours": {"start": "09:00", "end": 1080}}, "/working_hours/end"),
    ({"working_hours": {"start": "18:00", "end": "09:00"}}, "/working_hours/end"),
    ({"working_hours": {"start": "09:00", "end": "18:00", "breaks": [{"start": "08:00", "end": "10:00"}]}},
     "/working_hours/breaks/0"),
    ({"extra_days_off": [{"date": "2025-13-01", "reason": "x"}]}, "/extra_days_off/0/date"),
    ({"extra_days_off": [{"date": "20251231", "reason": "x"}]}, "/extra_days_off/0/date"),
    ({"extra_days_off": [{"date": "2025-12-31"}]}, "/extra_days_off/0/reason"),
    ({"extra_days_off": [{"date": "2030-01-02", "reason": "x"}]}, "/extra_days_off/0"),
    ({"extra_days_off": [{"from": "2025-12-31", "to": "2025-12-01", "reason": "x"}]}, "/extra_days_off/0/to"),
    ({"extra_days_off": [{"date": "2025-12-31", "to": "2026-01-02", "reason": "x"}]}, "/extra_days_off/0"),
    ({"extra_days_off": [{"date": "2025-12-31", "reason": "x"}],
      "extra_working_days": [{"date": "2025-12-31", "reason": "y"}]}, "/extra_working_days/0"),
    ({"kind": "Process"}, "/kind"),
    ({"apiVersion": "v0"}, "/apiVersion"),
    ({"title": {"zh": "测试"}}, "/title/en"),
])
def test_definition_errors_name_the_key(changes, pointer):
    with pytest.raises(CalendarError) as err:
        Calendar.from_definition(definition(**changes), source="bad.yaml")
    assert err.value.pointer == pointer and str(err.value).startswith(f"bad.yaml: {pointer}: ")


# ---------------------------------------------------------------- immutability, snapshot, digest

def test_pickles_and_cannot_be_changed():
    again = pickle.loads(pickle.dumps(CN))
    assert again.digest() == CN.digest()
    assert again.add_working_days(sh(2025, 9, 30, 15), 3) == sh(2025, 10, 11, 18)
    with pytest.raises(AttributeError):
        CN.id = "other"  # type: ignore[misc]


def test_package_data_is_snapshotted_at_construction(monkeypatch):
    from chinese_calendar import constants
    before = CN.digest()
    monkeypatch.setitem(constants.holidays, date(2025, 6, 3), "National Day")
    assert CN.is_working_day(date(2025, 6, 3)) and CN.digest() == before


def test_digest_follows_effective_content_only():
    renamed = copy.deepcopy(WAREHOUSE)
    renamed["id"], renamed["extra_days_off"][0]["reason"] = "renamed", "another reason"
    assert Calendar.from_definition(renamed).digest() == Calendar.from_definition(WAREHOUSE).digest()
    moved = copy.deepcopy(WAREHOUSE)
    moved["extra_days_off"][0]["date"] = date(2025, 12, 30)
    assert Calendar.from_definition(moved).digest() != Calendar.from_definition(WAREHOUSE).digest()
    assert len(CN.digest()) == 64 and CN.digest() == Calendar.from_definition(load("cn.yaml")).digest()


# ---------------------------------------------------------------- properties

DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30))
INSTANTS = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 6, 30),
                        timezones=st.sampled_from([SH, UTC, ZoneInfo("America/New_York")]))
N = st.integers(min_value=0, max_value=40)
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(d=DAYS, n=N, cal=st.sampled_from([CN, CN_ALLDAY]))
def test_n_working_days_forth_and_back_lands_on_the_start(d, n, cal):
    if cal.is_working_day(d):
        there = cal.shift_working_days(d, n)
        assert cal.shift_working_days(there, -n) == d
        assert cal.working_days_between(d, there) == n


@FAST
@given(t=INSTANTS, n=N)
def test_deadline_forth_and_back_with_business_hours(t, n):
    if CN.is_working_day(t):
        assert CN.add_working_days(CN.add_working_days(t, n), -n) == CN.end_of_day(t)


@FAST
@given(a=INSTANTS, b=INSTANTS, n=N, hours=st.integers(0, 60))
def test_deadlines_never_move_earlier_when_the_start_moves_later(a, b, n, hours):
    a, b = sorted((a, b))
    assert CN.add_working_days(a, n) <= CN.add_working_days(b, n)
    assert CN_ALLDAY.add_working_days(a, n) <= CN_ALLDAY.add_working_days(b, n)
    assert CN.add_working_time(a, timedelta(hours=hours)) <= CN.add_working_time(b, timedelta(hours=hours))
    assert CN.next_batch(a, BATCHES, True) <= CN.next_batch(b, BATCHES, True)


@FAST
@given(ts=st.lists(INSTANTS, min_size=1, max_size=6), n=st.integers(1, 10), working=st.booleans())
def test_a_span_answers_what_its_calendar_computes_whatever_it_was_asked_before(ts, n, working):
    """A working-days span keeps its dues by the start's local date in the calendar's zone (not the date
    the instant is written in), a batch span reads its times once: each answers as the calendar does afresh."""
    days = WorkingDaysSpan(n, f"{n} working days", CN)
    batch = BatchSpan(tuple(parse_clock(x) for x in BATCHES), working, "next batch at 09:00, 14:00, 18:00", CN)
    for t in [u + timedelta(hours=h) for u in ts for h in (0, -9, 9)]:
        assert days.add(t) == CN.add_working_days(t, n)
        assert batch.add(t) == CN.next_batch(t, BATCHES, working)


@FAST
@given(t=INSTANTS, n=st.integers(min_value=-40, max_value=40))
def test_a_working_day_deadline_never_lands_on_a_day_off(t, n):
    assert CN.is_working_day(CN.add_working_days(t, n))
    assert CN_ALLDAY.is_working_day(CN_ALLDAY.add_working_days(t, n) - timedelta(microseconds=1))
    assert CN.is_working_day(CN.next_batch(t, BATCHES, True))


@FAST
@given(t=INSTANTS, minutes=st.integers(min_value=1, max_value=60 * 60))
def test_working_time_lands_inside_working_hours_and_inverts(t, minutes):
    due = CN.add_working_time(t, timedelta(minutes=minutes))
    assert CN.is_working_day(due) and time(9) < due.timetz().replace(tzinfo=None) <= time(18)
    assert CN.working_time_between(t, due) == timedelta(minutes=minutes)


# ---------------------------------------------------------------- promotion windows

@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
@pytest.mark.parametrize("event,month,day", [("618", 6, 18), ("double_11", 11, 11)])
def test_every_year_declares_both_big_promotions(year, event, month, day):
    w = PROMOS.window_at(sh(year, month, day, 12))
    assert w is not None and w.event == event and w.start.year == year


def test_window_bounds_are_half_open_and_zone_aware():
    w = PROMOS.window_at(sh(2024, 10, 14, 20))
    assert w is not None and w.id == "double_11-2024"
    assert PROMOS.window_at(sh(2024, 10, 14, 19, 59, 59)) is None
    assert PROMOS.window_at(w.end) is None and PROMOS.window_at(w.end - timedelta(microseconds=1)) is w
    assert PROMOS.window_at(datetime(2024, 10, 14, 12, 0, tzinfo=UTC)) is w  # 20:00 in Shanghai
    assert PROMOS.window_at(sh(2025, 7, 1, 12)) is None


ZONES = st.sampled_from([SH, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
NEAR_BOUNDS = st.builds(lambda w, end, us, zone: ((w.end if end else w.start) + timedelta(microseconds=us)).astimezone(zone),
                        st.sampled_from(PROMOS.windows), st.booleans(), st.integers(-2_000_000, 2_000_000), ZONES)


NEAR_YEARS = st.builds(lambda day, us, zone: (datetime.combine(day, time(0), PROMOS.windows[0].start.tzinfo)
                                              + timedelta(microseconds=us)).astimezone(zone),
                       st.sampled_from([PROMOS.covered[0], PROMOS.covered[1] + timedelta(days=1)]),
                       st.integers(-2_000_000, 2_000_000), ZONES)


@FAST
@given(t=st.one_of(NEAR_BOUNDS, NEAR_YEARS, INSTANTS))
def test_the_window_at_an_instant_is_the_one_that_contains_it(t):
    """window_at bisects the windows' bounds converted to UTC: the answer a scan of every window gives,
    in whatever zone the instant is written, to the microsecond at either end. lookup answers the same
    inside the declared years (read in the first window's offset), and refuses every instant outside them."""
    found = next((w for w in PROMOS.windows if w.contains(t)), None)
    assert PROMOS.window_at(t) is found
    day = t.astimezone(PROMOS.windows[0].start.tzinfo).date()
    if PROMOS.covered[0] <= day <= PROMOS.covered[1]:
        assert PROMOS.lookup(t) is found
    else:
        with pytest.raises(CalendarRangeError):
            PROMOS.lookup(t)


def _promo_doc(*windows: dict) -> dict:
    return {"apiVersion": "sopengine/v1", "kind": "PromotionWindows", "id": "p",
            "title": {"zh": "大促", "en": "promotions"}, "windows": list(windows)}


def _win(wid: str, start: str, end: str) -> dict:
    return {"id": wid, "event": "x", "title": {"zh": wid, "en": wid}, "start": start, "end": end}


@pytest.mark.parametrize("windows,pointer", [
    ([_win("a", "2025-01-01T00:00:00+08:00", "2025-01-10T00:00:00+08:00"),
      _win("b", "2025-01-09T00:00:00+08:00", "2025-01-20T00:00:00+08:00")], "/windows/1/start"),
    ([_win("a", "2025-01-01T00:00:00", "2025-01-10T00:00:00+08:00")], "/windows/0/start"),
    ([_win("a", "2025-01-10T00:00:00+08:00", "2025-01-01T00:00:00+08:00")], "/windows/0/end"),
    ([_win("a", "2025-01-01T00:00:00+08:00", "2025-01-02T00:00:00+08:00"),
      _win("a", "2025-02-01T00:00:00+08:00", "2025-02-02T00:00:00+08:00")], "/windows/1/id"),
    ([{**_win("a", "2025-01-01T00:00:00+08:00", "2025-01-02T00:00:00+08:00"), "url": "x"}], "/windows/0/url"),
])
def test_promotion_definition_errors_name_the_key(windows, pointer):
    with pytest.raises(CalendarError) as err:
        PromotionWindows.from_definition(_promo_doc(*windows))
    assert err.value.pointer == pointer


def test_promotions_pickle_and_digest():
    again = pickle.loads(pickle.dumps(PROMOS))
    assert again.digest() == PROMOS.digest() and again.window_at(sh(2025, 11, 11)).id == "double_11-2025"
    touching = PromotionWindows.from_definition(_promo_doc(
        _win("a", "2025-01-01T00:00:00+08:00", "2025-01-10T00:00:00+08:00"),
        _win("b", "2025-01-10T00:00:00+08:00", "2025-01-20T00:00:00+08:00")))
    assert touching.window_at(sh(2025, 1, 10)).id == "b"
    assert touching.digest() != PROMOS.digest()


# ---------------------------------------------------------------- files and schemas

def _jsonable(node):
    """YAML's dates as the strings an editor's schema check sees."""
    if isinstance(node, dict):
        return {k: _jsonable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_jsonable(v) for v in node]
    return node.isoformat() if isinstance(node, (date, datetime)) else node


@pytest.mark.parametrize("name,schema", [("cn.yaml", "calendar.schema.json"),
                                         ("promotions.yaml", "promotions.schema.json")])
def test_rule_files_name_and_pass_their_schema(name, schema):
    text = (ROOT / "rules" / "calendars" / name).read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../../schemas/{schema}"
    validator = jsonschema.Draft202012Validator(
        json.loads((ROOT / "schemas" / schema).read_text(encoding="utf-8")),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(_jsonable(yaml.safe_load(text)))


def test_calendar_schema_agrees_with_the_loader():
    validator = jsonschema.Draft202012Validator(
        json.loads((ROOT / "schemas" / "calendar.schema.json").read_text(encoding="utf-8")))
    assert validator.is_valid(_jsonable(WAREHOUSE))
    for bad in ({"extra_day_off": []}, {"base": "holidays"}, {"weekly_working_days": ["Tue"]},
                {"working_hours": {"start": "9:00", "end": "18:00"}},
                {"extra_days_off": [{"date": "2025-12-31", "to": "2026-01-02", "reason": "x"}]}):
        doc = definition(**bad)
        assert not validator.is_valid(_jsonable(doc)), bad
        with pytest.raises(CalendarError):
            Calendar.from_definition(doc)

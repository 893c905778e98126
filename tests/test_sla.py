"""SLAs end to end: rules written in YAML, loaded by ``sopengine.load``, deadlines out.

The calendar arithmetic itself is tested in test_calendars.py; here the question is
whether the rules *use* it: the span grammar, promotion windows in SLA cases, load
errors at file:line, out-of-range years as a clear result, zones, due-soon in working
time. Expected dates come from the State Council's notices (2025 National Day:
10-01..10-08 off, 09-28 and 10-11 worked; 2026 Spring Festival: 02-15..02-23 off,
02-14 and 02-28 worked) and from rules/calendars/promotions.yaml (双11 2025 opened
2025-10-09 20:00 +08:00), not from the code under test.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopengine
from sopengine.chrono.sla import TimeContext
from sopengine.errors import DefinitionError

from .conftest import RULES, SCHEMAS, SH

CALENDARS = RULES / "calendars"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def iso(*args: int) -> str:
    return sh(*args).isoformat()


# ---------------------------------------------------------------- small rules trees

def with_time_data(tree, *, estimate: bool = True) -> None:
    """The bundled calendar and promotion windows, copied into a scratch tree; without ``estimate``
    the calendar answers only for the package's years, as before the estimate existed."""
    for name in ("cn.yaml", "promotions.yaml"):
        text = (CALENDARS / name).read_text("utf-8")
        if not estimate and name == "cn.yaml":
            cut = text.index("estimate:\n")
            text = text[:cut] + text[text.index("# When a notice", cut):]
            assert "\nestimate:" not in text
        tree(f"calendars/{name}", text)


ORDER = """
apiVersion: sopengine/v1
kind: Process
id: order
version: 1.0.0
title: {zh: 订单, en: Order}
record_schema: records/order.schema.json
start_field: placed_at
@calendar@roles: [ops_specialist, warehouse]
states:
  - {id: placed, initial: true}
  - {id: reviewed}
  - {id: shipped, final: true}
steps:
  - id: review
    event: reviewed
    from: placed
    to: reviewed
    roles: [ops_specialist]
    clauses: [ORD-01]
    sla:
@sla@
  - id: ship
    event: shipped
    from: reviewed
    to: shipped
    roles: [warehouse]
    clauses: [ORD-06]
"""


def order_process(sla: str, *, calendar: str | None = "cn") -> str:
    """A two-step order process whose review step carries ``sla`` (YAML, any indentation)."""
    body = textwrap.indent(textwrap.dedent(sla).strip("\n"), " " * 6)
    return ORDER.replace("@calendar@", f"calendar: {calendar}\n" if calendar else "").replace("@sla@", body)


CAMPAIGN = """
apiVersion: sopengine/v1
kind: Process
id: campaign
version: 1.0.0
title: {zh: 活动, en: Campaign}
record_schema: records/campaign.schema.json
start_field: starts_at
calendar: cn
roles: [ops_team]
states:
  - {id: running, initial: true}
  - {id: ended}
  - {id: reported, final: true}
steps:
  - id: end
    event: ended
    from: running
    to: ended
    roles: [ops_team]
    clauses: [MKT-09]
  - id: review_report
    event: review_published
    from: ended
    to: reported
    roles: [ops_team]
    clauses: [MKT-09]
    sla: {id: MKT-09-sla, from: {field: ends_at}, within: 3 working days, warn_at: 0.8}
"""


def order(placed_at: str, events: list | None = None, **fields) -> dict:
    return {"process": "order", "id": "T", "placed_at": placed_at, "events": events or [], **fields}


def campaign(ends_at: str, events: list | None = None) -> dict:
    return {"process": "campaign", "id": "C", "starts_at": "2025-09-01T00:00:00+08:00", "ends_at": ends_at,
            "events": [{"type": "ended", "at": ends_at, "role": "ops_team"}] + (events or [])}


def action(result, name: str):
    assert result.error is None, result.error
    found = [a for a in result.next_actions if a.action == name]
    assert len(found) == 1, result.next_actions
    return found[0]


def rules_of(result) -> list[str]:
    assert result.error is None, result.error
    return sorted(v.rule for v in result.violations)


@pytest.fixture
def campaign_engine(tree):
    with_time_data(tree)
    tree("campaign.yaml", CAMPAIGN)
    return sopengine.load(tree.root)


@pytest.fixture
def bundled():
    return sopengine.load(RULES)


# ---------------------------------------------------------------- review batches (ORD-01)

def test_an_order_at_18_05_is_due_at_the_next_days_09_00_batch(bundled):
    # Friday 2025-09-26 18:05: the bundled rule reviews every day, so Saturday 09:00.
    r = bundled.evaluate(order(iso(2025, 9, 26, 18, 5)), sh(2025, 9, 26, 20))
    a = action(r, "review")
    assert a.due == "2025-09-27T09:00:00+08:00" and not a.overdue
    assert a.sla == "ORD-review-sla: next batch at 09:00, 14:00, 18:00 after state entered"
    # Earlier in the day the next batch is the same day's; exactly at a batch time, that batch.
    assert action(bundled.evaluate(order(iso(2025, 9, 26, 11, 0)), sh(2025, 9, 26, 11)), "review").due \
        == "2025-09-26T14:00:00+08:00"
    assert action(bundled.evaluate(order(iso(2025, 9, 26, 14, 0)), sh(2025, 9, 26, 14)), "review").due \
        == "2025-09-26T14:00:00+08:00"


@pytest.mark.parametrize("placed, due", [
    ((2025, 9, 26, 18, 5), "2025-09-28T09:00:00+08:00"),   # Fri evening -> Sun 09-28, a make-up working day
    ((2025, 9, 30, 18, 5), "2025-10-09T09:00:00+08:00"),   # before National Day -> after the break
    ((2025, 10, 3, 10, 0), "2025-10-09T09:00:00+08:00"),   # placed inside the break
    ((2025, 10, 10, 14, 30), "2025-10-10T18:00:00+08:00"),  # an ordinary working afternoon
])
def test_batches_on_working_days_skip_days_off(tree, placed, due):
    with_time_data(tree)
    tree("order.yaml", order_process("within: next batch at 09:00, 14:00, 18:00 on working days"))
    r = sopengine.load(tree.root).evaluate(order(iso(*placed)), sh(*placed) + timedelta(minutes=1))
    assert action(r, "review").due == due


def test_a_review_after_its_batch_is_late_and_quotes_the_batch(bundled):
    r = bundled.evaluate(order(iso(2025, 9, 26, 18, 5), [
        {"type": "reviewed", "at": iso(2025, 9, 27, 14, 0), "role": "ops_specialist", "actor": "a"}]),
        sh(2025, 9, 27, 15))
    (v,) = [v for v in r.violations if v.rule == "review.late"]
    assert v.evidence["due"] == "2025-09-27T09:00:00+08:00" and v.evidence["late_by"] == "5 h"
    assert v.clauses == ("ORD-01",)


# ---------------------------------------------------------------- promotion windows (ORD-06)

def shipping_due(engine, placed: str, **fields) -> tuple[str, str]:
    """(due, SLA text) of the ship action of a paid order packed the moment it was placed."""
    steps = (("reviewed", "ops_specialist", "a"), ("cross_checked", "ops_supervisor", "b"),
             ("allocated", "system", "w"), ("inspected", "warehouse", "c"), ("packed", "warehouse", "c"))
    rec = order(placed, [{"type": t, "at": placed, "role": role, "actor": who} for t, role, who in steps],
                payment_status="paid", address={"text": "上海市浦东新区世纪大道100号"}, phone="13812341234",
                **fields)
    ship = action(engine.evaluate(rec, datetime.fromisoformat(placed) + timedelta(minutes=1)), "ship")
    return ship.due, ship.sla


def test_a_during_case_reads_its_anchor_once_for_the_window_and_the_span(bundled, monkeypatch):
    from sopengine.chrono import sla as sla_mod

    read = []
    real = sla_mod.anchor_time
    monkeypatch.setattr(sla_mod, "anchor_time", lambda anchor, ctx: read.append(anchor) or real(anchor, ctx))
    ship = next(s for s in bundled.versions("order")[0].steps if s.id == "ship").sla
    placed = iso(2025, 11, 11, 10)
    dl = ship.deadline(TimeContext({"placed_at": placed}, SH, sh(2025, 11, 11, 12), None, [], {"record": {}, "events": []}))
    assert dl.window is not None and dl.case.during is not None and len(read) == 1
    assert (dl.start, dl.due) == (datetime.fromisoformat(placed), sh(2025, 11, 13, 10))  # 48 h from placed_at


def test_inside_double_11_2025_an_order_has_48_h_the_day_before_24_h(bundled):
    due, sla = shipping_due(bundled, iso(2025, 10, 10, 10, 0))
    assert due == "2025-10-12T10:00:00+08:00"
    assert sla.startswith("ORD-ship-sla-big-promotion:") and "double_11-2025" in sla and "estimated" not in sla
    due, sla = shipping_due(bundled, iso(2025, 10, 8, 10, 0))
    assert (due, sla) == ("2025-10-09T10:00:00+08:00", "ORD-ship-sla: within 24h of placed_at")


def test_a_case_quotes_the_window_of_each_deadline(bundled):
    """A case's deadline text is made once per window (Deadline.text): each deadline still names its own."""
    for placed, window in [(iso(2025, 10, 10, 10), "double_11-2025"), (iso(2025, 6, 10, 10), "618-2025"),
                           (iso(2025, 10, 11, 10), "double_11-2025"), (iso(2024, 6, 10, 10), "618-2024")]:
        _, sla = shipping_due(bundled, placed)
        assert sla.startswith("ORD-ship-sla-big-promotion:") and f"promotion window {window}" in sla, (placed, sla)


def test_window_edges_are_half_open(bundled):
    assert shipping_due(bundled, iso(2025, 10, 9, 19, 59))[0] == "2025-10-10T19:59:00+08:00"
    assert shipping_due(bundled, iso(2025, 10, 9, 20, 0))[0] == "2025-10-11T20:00:00+08:00"
    assert shipping_due(bundled, iso(2025, 11, 15, 0, 0))[0] == "2025-11-16T00:00:00+08:00"  # end excluded


def test_an_estimated_window_says_so_and_the_flag_still_widens(bundled):
    assert "dates estimated" in shipping_due(bundled, iso(2026, 10, 20, 10, 0))[1]  # double_11-2026 is estimated
    due, sla = shipping_due(bundled, iso(2025, 7, 1, 10, 0), big_promotion=True)   # the shop's own promotion
    assert due == "2025-07-03T10:00:00+08:00" and sla.startswith("ORD-ship-sla-promotion-flag:")
    assert shipping_due(bundled, iso(2025, 10, 10, 10, 0), big_promotion=False)[0] == "2025-10-12T10:00:00+08:00"


def test_the_window_is_tested_at_the_anchor_not_at_now(tree):
    """`during` looks at the case's anchor (placed_at), so an order placed the day before the
    window keeps 24 h although `now` is inside it."""
    with_time_data(tree)
    tree("order.yaml", order_process("""
        from: {field: placed_at}
        within: 24h
        cases:
          - {id: promo, during: big_promotions, within: 48h}
        """))
    eng = sopengine.load(tree.root)
    r = eng.evaluate(order(iso(2025, 10, 8, 10)), sh(2025, 10, 9, 21))
    assert action(r, "review").due == "2025-10-09T10:00:00+08:00" and rules_of(r) == ["review.overdue"]
    assert action(eng.evaluate(order(iso(2025, 10, 9, 21)), sh(2025, 10, 9, 22)), "review").due \
        == "2025-10-11T21:00:00+08:00"


def test_in_the_replay_an_sla_sees_the_events_before_its_step_and_now_at_it(tree):
    """A step's SLA is read at its event: ``now`` is the event's time and an event anchor looks only at
    the events before it. The next actions read the SLAs at the evaluation's ``now``, over every event."""
    when = "\"now < timestamp('2025-06-02T12:00:00+08:00')\""
    sla = f"{{from: {{event: customer_contacted}}, within: 1h, cases: [{{when: {when}, within: @h@}}]}}"
    ship = "    roles: [warehouse]\n    clauses: [ORD-06]\n"
    tree("order.yaml", order_process(sla.replace("@h@", "2h"), calendar=None)
         .replace(ship, ship + "    sla: " + sla.replace("@h@", "5h") + "\n"))
    r = sopengine.load(tree.root).evaluate(order(iso(2025, 6, 2, 8), [
        {"type": "customer_contacted", "at": iso(2025, 6, 2, 9)}, {"type": "reviewed", "at": iso(2025, 6, 2, 11, 30),
         "role": "ops_specialist"}, {"type": "customer_contacted", "at": iso(2025, 6, 2, 12)}]), sh(2025, 6, 2, 13))
    late = next(v for v in r.violations if v.rule == "review.late")
    assert (late.evidence["due"], late.evidence["late_by"]) == ("2025-06-02T11:00:00+08:00", "30 min")  # 09:00 + 2 h
    assert action(r, "ship").due == "2025-06-02T13:00:00+08:00"  # 12:00 + 1 h: now is 13:00 again


# ---------------------------------------------------------------- working days (MKT-09)

def test_mkt09_over_national_day_is_due_on_the_make_up_saturday(campaign_engine):
    r = campaign_engine.evaluate(campaign(iso(2025, 9, 30, 15)), sh(2025, 10, 2, 12))
    a = action(r, "review_report")
    assert a.due == "2025-10-11T18:00:00+08:00" and date(2025, 10, 11).weekday() == 5
    assert a.sla == "MKT-09-sla: within 3 working days after ends_at (calendar cn)"
    late = campaign_engine.evaluate(campaign(iso(2025, 9, 30, 15), [
        {"type": "review_published", "at": iso(2025, 10, 13, 10), "role": "ops_team"}]), sh(2025, 10, 14))
    (v,) = late.violations
    assert v.rule == "review_report.late" and v.evidence["due"] == "2025-10-11T18:00:00+08:00"
    assert v.evidence["late_by"] == "1 d 16 h"


def test_spring_festival_2026_counts_the_make_up_saturday_and_skips_the_break(campaign_engine):
    # Ends Fri 02-13: 02-14 (Sat, worked), then 02-15..23 off, 02-24, 02-25.
    r = campaign_engine.evaluate(campaign(iso(2026, 2, 13, 20)), sh(2026, 2, 14))
    assert action(r, "review_report").due == "2026-02-25T18:00:00+08:00"


def test_due_soon_is_measured_in_working_time(campaign_engine):
    # The period is 10-09, 10-10 and 10-11, 09:00-18:00: 27 working hours; 80 % is 21.6 h,
    # reached at 10-11 12:36. In wall time 80 % would already be reached on 10-09 at 12:36.
    rec = campaign(iso(2025, 9, 30, 15))
    assert rules_of(campaign_engine.evaluate(rec, sh(2025, 10, 9, 12, 40))) == []
    assert rules_of(campaign_engine.evaluate(rec, sh(2025, 10, 11, 12, 30))) == []
    r = campaign_engine.evaluate(rec, sh(2025, 10, 11, 12, 40))
    (v,) = r.violations
    assert v.rule == "review_report.due_soon" and v.severity == "warning"
    assert v.evidence["left"] == "5 h 20 min" and v.evidence["used"] == 0.802


def test_working_hours_span_and_its_due_soon(tree):
    with_time_data(tree)
    tree("order.yaml", order_process("{within: 4 working hours, warn_at: 0.6}"))
    eng = sopengine.load(tree.root)
    rec = order(iso(2025, 9, 30, 16))  # 2 h on Tue 09-30, then the break, then 2 h on Thu 10-09
    assert action(eng.evaluate(rec, sh(2025, 9, 30, 17)), "review").due == "2025-10-09T11:00:00+08:00"
    assert rules_of(eng.evaluate(rec, sh(2025, 9, 30, 17, 59))) == []
    assert rules_of(eng.evaluate(rec, sh(2025, 10, 8, 12))) == []  # 89 % of the wall time, 50 % of the working time
    assert rules_of(eng.evaluate(rec, sh(2025, 10, 9, 9, 30))) == ["review.due_soon"]  # 2.5 of 4 working hours


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ends=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 20),
                         timezones=st.sampled_from([SH, UTC, ZoneInfo("America/New_York")])))
def test_a_working_day_deadline_never_lands_on_a_day_off(campaign_engine, ends):
    import yaml

    from sopengine.chrono.calendars import Calendar

    cn = Calendar.from_definition(yaml.safe_load((CALENDARS / "cn.yaml").read_text("utf-8")))
    r = campaign_engine.evaluate(campaign(ends.isoformat()), ends + timedelta(minutes=1))
    due = datetime.fromisoformat(action(r, "review_report").due)
    assert cn.is_working_day(due.date()) and due.time().hour == 18 and due.utcoffset() == timedelta(hours=8)
    assert cn.working_days_between(ends.astimezone(SH).date(), due.date()) == 3


# ---------------------------------------------------------------- zones

def test_a_record_in_utc_is_converted_not_misread(bundled, campaign_engine):
    # 10:05Z is 18:05 in Shanghai: the next batch is the next morning, not 14:00 the same day.
    r = bundled.evaluate(order("2025-09-26T10:05:00Z"), datetime(2025, 9, 26, 10, 30, tzinfo=UTC))
    assert action(r, "review").due == "2025-09-27T09:00:00+08:00"
    # 09-29 16:30Z is Tue 09-30 00:30 in Shanghai: read as Monday 09-29, the deadline would be 10-10.
    r = campaign_engine.evaluate(campaign("2025-09-29T16:30:00Z"), datetime(2025, 9, 30, tzinfo=UTC))
    assert action(r, "review_report").due == "2025-10-11T18:00:00+08:00"


def test_a_window_is_matched_on_the_instant_whatever_its_offset(bundled):
    # 2025-10-09 12:00Z is 20:00 in Shanghai: the first instant of 双11 2025.
    assert shipping_due(bundled, "2025-10-09T12:00:00+00:00")[0] == "2025-10-11T20:00:00+08:00"
    assert shipping_due(bundled, "2025-10-09T11:59:59+00:00")[0] == "2025-10-10T19:59:59+08:00"


# ---------------------------------------------------------------- out of range: a clear result, never a guess

@pytest.fixture
def package_only(tree):
    """The campaign tree with a calendar that has no ``estimate:``: the package's years only."""
    with_time_data(tree, estimate=False)
    tree("campaign.yaml", CAMPAIGN)
    return sopengine.load(tree.root)


def test_a_year_beyond_the_calendar_is_an_unevaluable_error_not_a_guess(package_only):
    campaign_engine = package_only
    r = campaign_engine.evaluate(campaign("2027-01-05T15:00:00+08:00"), sh(2027, 1, 6))
    assert r.error is None and r.state == "ended"
    (v,) = r.violations
    assert (v.rule, v.severity, v.clauses) == ("review_report.unevaluable", "error", ("MKT-09",))
    assert "calendar 'cn' has no data for 2027-01-06" in v.messages.en and "2004-01-01..2026-12-31" in v.messages.en
    assert v.evidence["covered"] == "2004-01-01..2026-12-31"
    assert action(r, "review_report").due is None


def test_an_order_beyond_the_promotion_years_says_so_and_keeps_its_other_findings(bundled):
    placed = "2028-03-01T10:00:00+08:00"
    rec = order(placed, [{"type": "reviewed", "at": placed, "role": "ops_specialist", "actor": "a"},
                         {"type": "cross_checked", "at": placed, "role": "ops_specialist", "actor": "a"},  # ORD-11
                         {"type": "allocated", "at": placed, "role": "system"}],
                payment_status="paid", address={"text": "上海市浦东新区世纪大道100号"}, phone="13812341234")
    r = bundled.evaluate(rec, sh(2028, 3, 1, 11))
    assert rules_of(r) == ["ORD-four-eyes", "ship.unevaluable"]  # the rest of the record is still judged
    (v,) = [v for v in r.violations if v.rule == "ship.unevaluable"]
    assert v.severity == "error" and v.clauses == ("ORD-06",)
    assert "promotion windows 'big_promotions' has no data for 2028-03-01" in v.messages.en
    assert "2023-01-01..2027-12-31" in v.messages.en
    assert action(r, "ship").due is None
    # The review batch needs no calendar data, so it is still computed in 2028.
    assert action(bundled.evaluate(order(placed), sh(2028, 3, 1, 11)), "review").due == "2028-03-01T14:00:00+08:00"


def test_a_step_done_beyond_the_calendar_is_not_judged_on_time(package_only):
    r = package_only.evaluate(campaign(iso(2026, 12, 30, 12), [
        {"type": "review_published", "at": iso(2027, 1, 2, 10), "role": "ops_team"}]), sh(2027, 1, 3))
    assert r.error is None and rules_of(r) == ["review_report.unevaluable"]


# ---------------------------------------------------------------- load errors at file:line:column

def position(path: Path, needle: str) -> str:
    """``file:line:column`` of the value that follows ``needle`` on the first line holding it."""
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return f"{path}:{n}:{line.index(needle) + len(needle) + 1}"
    raise AssertionError(f"{needle!r} not in {path}")


def load_errors(root: Path) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        sopengine.load(root)
    return [str(f) for f in err.value.findings if f.severity == "error"]


def test_a_working_time_span_without_a_calendar_names_the_line(tree):
    with_time_data(tree)
    path = tree("order.yaml", order_process("sla_text", calendar=None).replace("sla_text", "within: 3 working days"))
    (msg,) = load_errors(tree.root)
    assert position(path, "within: ") in msg and "'3 working days'" in msg and "calendar: cn" in msg


@pytest.mark.parametrize("within, needle", [
    ("3 business days", "write 'N working days'"),
    ("1d working", "ambiguous"),
    ("0 working days", "at least 1 working day"),
    ("next batch at 9:00", "batch time '9:00'"),
    ("next batch at 09:00, 09:00", "listed twice"),
    ("next batch 09:00", "not a batch span"),
    ("24 hrs", "not a duration"),
])
def test_a_bad_span_is_a_finding_at_its_line(tree, within, needle):
    with_time_data(tree)
    path = tree("order.yaml", order_process(f"within: {within}"))
    (msg,) = load_errors(tree.root)
    assert position(path, "within: ") in msg and needle in msg, msg


def test_an_unknown_promotion_resource_is_a_finding_at_the_during_key(tree):
    with_time_data(tree)
    path = tree("order.yaml", order_process("""
        within: 24h
        cases:
          - during: big_promotion
            within: 48h
        """))
    (msg,) = load_errors(tree.root)
    assert position(path, "during: ") in msg and "no PromotionWindows with id 'big_promotion'" in msg
    assert "(have: big_promotions)" in msg


def line_no(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line)


def test_a_bad_calendar_is_a_finding_at_its_own_line_not_a_crash(tree):
    cal = tree("calendars/cn.yaml", (CALENDARS / "cn.yaml").read_text("utf-8") + textwrap.dedent("""
        extra_days_off:
          - {date: 2026-12-31, reason: 年会}
          - {date: "2003-01-02", reason: too early}
        """))
    tree("calendars/promotions.yaml", (CALENDARS / "promotions.yaml").read_text("utf-8"))
    proc = tree("order.yaml", order_process("{within: 3 working days}"))
    errors = load_errors(tree.root)
    at = f"{cal}:{line_no(cal, '2003-01-02')}:5"  # the list entry that names the day
    assert (f"{at}: error: 2003-01-02 is outside the data's range 2004..2026, estimated 2027..2100 (statutory-2025) "
            "[at /extra_days_off/1]") in errors
    # the process that names it says so at its `calendar:` value, pointing at the cause
    assert f"{proc}:{line_no(proc, 'calendar: cn')}:11: error: Calendar 'cn' is invalid (see {at}) [at /calendar]" \
        in errors
    assert len(errors) == 2


def test_overlapping_promotion_windows_are_a_finding_at_the_later_start(tree):
    text = (CALENDARS / "promotions.yaml").read_text("utf-8")
    promos = tree("calendars/promotions.yaml", text.replace("start: 2025-10-09T20:00:00+08:00",
                                                            "start: 2025-06-18T20:00:00+08:00"))
    tree("calendars/cn.yaml", (CALENDARS / "cn.yaml").read_text("utf-8"))
    errs = load_errors(tree.root)
    (msg,) = [m for m in errs if "overlaps" in m]
    assert len(errs) == 2 and any("no process definitions" in m for m in errs)  # an error of its own (#16)
    assert msg.startswith(f"{promos}:{line_no(promos, 'start: 2025-06-18')}:12: error: window 'double_11-2025' "
                          "overlaps '618-2025'"), msg


def test_a_case_needs_when_or_during(tree):
    with_time_data(tree)
    path = tree("order.yaml", order_process("""
        within: 24h
        cases:
          - within: 48h
        """))
    (msg,) = load_errors(tree.root)
    assert msg.startswith(f"{path}:{line_no(path, '- within: ')}:"), msg


# ---------------------------------------------------------------- digests

def test_the_time_data_is_part_of_the_process_digest(tree):
    with_time_data(tree)
    tree("order.yaml", order_process("""
        within: next batch at 09:00, 14:00, 18:00
        cases:
          - {during: big_promotions, within: next batch at 09:00}
        """))
    base = sopengine.load(tree.root).versions("order")[0].digest
    promos = tree.root / "calendars/promotions.yaml"
    promos.write_text(promos.read_text("utf-8").replace("2025-10-09T20:00:00", "2025-10-09T21:00:00"), "utf-8")
    moved_window = sopengine.load(tree.root).versions("order")[0].digest
    cal = tree.root / "calendars/cn.yaml"
    cal.write_text(cal.read_text("utf-8").replace('end: "18:00"', 'end: "17:30"'), "utf-8")
    moved_close = sopengine.load(tree.root).versions("order")[0].digest
    assert len({base, moved_window, moved_close}) == 3


# ---------------------------------------------------------------- the schema documents what the loader reads

def test_the_process_schema_accepts_during_cases_and_rejects_a_case_without_condition():
    schema = json.loads((SCHEMAS / "process.schema.json").read_text("utf-8"))
    v = jsonschema.Draft202012Validator({"$ref": "#/$defs/sla", "$defs": schema["$defs"]})
    assert v.is_valid({"within": "24h", "cases": [{"during": "big_promotions", "within": "48h"}]})
    assert v.is_valid({"within": "next batch at 09:00, 14:00, 18:00 on working days"})
    assert not v.is_valid({"within": "24h", "cases": [{"within": "48h"}]})
    assert "working days" in schema["$defs"]["span"]["description"]


# ---------------------------------------------------------------- the bundled rules

def test_bundled_order_rules_use_the_cn_calendar_and_the_windows(bundled):
    proc = bundled.versions("order")[0]
    review = next(s for s in proc.steps if s.id == "review")
    ship = next(s for s in proc.steps if s.id == "ship")
    assert review.sla.cases[-1].span.calendar.id == "cn"
    assert [c.id for c in ship.sla.cases] == ["ORD-ship-sla-made-to-order", "ORD-ship-sla-presale",
                                              "ORD-ship-sla-agreed-after-shortage", "ORD-ship-sla-promotion-flag",
                                              "ORD-ship-sla-big-promotion", "ORD-ship-sla"]
    assert ship.sla.cases[4].during.id == "big_promotions"


def bundled_campaign(ends_at: str, events: list | None = None) -> dict:
    return {"process": "campaign", "id": "HD-T", "starts_at": "2025-09-20T00:00:00+08:00", "ends_at": ends_at,
            "events": [{"type": "planned", "at": "2025-09-01T10:00:00+08:00", "role": "ops_manager"},
                       {"type": "launched", "at": "2025-09-20T00:00:00+08:00", "role": "system"},
                       {"type": "ended", "at": ends_at, "role": "system"}] + (events or [])}


def test_bundled_mkt09_review_report_over_national_day(bundled):
    r = bundled.evaluate(bundled_campaign("2025-09-30T23:59:59+08:00"), sh(2025, 10, 8, 12))
    a = action(r, "publish_review")
    assert a.due == "2025-10-11T18:00:00+08:00" and a.clauses == ("MKT-09",)
    assert a.sla == "MKT-review-sla: within 3 working days after ends_at (calendar cn)"
    late = bundled.evaluate(bundled_campaign("2025-09-30T23:59:59+08:00", [
        {"type": "review_published", "at": iso(2025, 10, 12, 10), "role": "ops_team"}]), sh(2025, 10, 13))
    (v,) = [v for v in late.violations if v.rule.startswith("publish_review.")]
    assert (v.rule, v.evidence["due"], v.evidence["late_by"]) == ("publish_review.late", "2025-10-11T18:00:00+08:00",
                                                                  "16 h")


def ticket(**fields) -> dict:
    return {"process": "service_ticket", "id": "T-1", "channel": "chat", "category": "after_sale",
            "opened_at": "2025-06-02T10:15:00+08:00", **fields}


def test_bundled_service_ticket_slas_are_plain_durations(bundled):
    def steps(*evs):
        return [{"type": t, "at": at, "role": role, "actor": "x"} for t, at, role in evs]

    # CS-01: first response within 10 s of opening.
    r = bundled.evaluate(ticket(events=steps(("responded", "2025-06-02T10:15:12+08:00", "cs_agent"))),
                         sh(2025, 6, 2, 10, 20))
    (v,) = [v for v in r.violations if v.rule == "respond.late"]
    assert v.evidence["due"] == "2025-06-02T10:15:10+08:00" and v.evidence["late_by"] == "2 s"
    # CS-05: a complex case gets a solution within 24 h of opening, days off included (wall clock).
    r = bundled.evaluate(ticket(complex=True, events=steps(("responded", "2025-06-02T10:15:05+08:00", "cs_agent"),
                                                           ("classified", "2025-06-02T10:16:00+08:00", "cs_agent"))),
                         sh(2025, 6, 2, 11))
    assert action(r, "offer_solution").due == "2025-06-03T10:15:00+08:00"
    # CS-07: a 1-2 star rating gets the supervisor's call within 2 h of the rating.
    r = bundled.evaluate(ticket(rating={"stars": 1, "at": "2025-06-02T11:00:00+08:00"}, events=steps(
        ("responded", "2025-06-02T10:15:05+08:00", "cs_agent"), ("classified", "2025-06-02T10:16:00+08:00", "cs_agent"),
        ("resolved", "2025-06-02T10:40:00+08:00", "cs_agent"))), sh(2025, 6, 2, 13, 30))
    a = action(r, "supervisor_contact")
    assert (a.due, a.overdue) == ("2025-06-02T13:00:00+08:00", True)


# ---------------------------------------------------------------- property: later start, never earlier deadline

SPANS = ["24h", "3 working days", "1 working day", "4 working hours", "2h30m working",
         "next batch at 09:00, 14:00, 18:00", "next batch at 09:00, 14:00, 18:00 on working days"]


@pytest.fixture(scope="module")
def span_slas(tmp_path_factory):
    """One compiled SLA per span kind, each from a process loaded through sopengine.load."""
    import shutil

    root = tmp_path_factory.mktemp("spans")
    shutil.copytree(SCHEMAS, root / "schemas")
    (root / "rules" / "calendars").mkdir(parents=True)
    for name in ("cn.yaml", "promotions.yaml"):
        shutil.copy(CALENDARS / name, root / "rules" / "calendars" / name)
    shutil.copy(CALENDARS.parent / "manual.yaml", root / "rules" / "manual.yaml")  # a tree needs its clause list
    for i, span in enumerate(SPANS):
        text = order_process(f"{{within: '{span}', from: now}}").replace("id: order\n", f"id: order{i}\n")
        (root / "rules" / f"p{i}.yaml").write_text(text, "utf-8")
    eng = sopengine.load(root / "rules")
    return {span: next(s for s in eng.versions(f"order{i}")[0].steps if s.id == "review").sla
            for i, span in enumerate(SPANS)}


def deadline(sla, at: datetime) -> datetime:
    ctx = TimeContext({}, SH, at, None, [], {})
    return sla.deadline(ctx).due


@settings(max_examples=200, deadline=None)
@given(span=st.sampled_from(SPANS),
       a=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 15),
                      timezones=st.sampled_from([SH, UTC])),
       later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)))
def test_a_deadline_never_moves_earlier_when_its_start_moves_later(span_slas, span, a, later):
    sla = span_slas[span]
    assert deadline(sla, a) <= deadline(sla, a + later)
    assert deadline(sla, a) >= a  # and never before its own start


def test_a_case_switch_can_move_a_deadline_earlier_and_that_is_what_ord06_says(bundled):
    """Not a property of the SLA layer: 48 h for the last minute of a window, 24 h right after."""
    inside = shipping_due(bundled, "2025-11-14T23:59:00+08:00")[0]
    after = shipping_due(bundled, "2025-11-15T00:00:00+08:00")[0]
    assert after < inside

"""Stage 4: replaying events, checks in the reached state, next actions and their deadlines."""

import copy
import pickle
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import NOW, SH

# The examples fall in June 2023, inside the 618-2023 window of rules/calendars/promotions.yaml,
# so ORD-06 gives them 48 h to ship; review is due at the batch (09:00, 14:00, 18:00) that
# follows the order (ORD-01), and the examples that review at 18:00 an order placed earlier
# in the day skipped a batch: review.late.
EXPECTED = {  # example order -> (state, rules that fire)
    "DD20230601001": ("completed", []),
    "DD20230601002": ("delivered", []),
    "DD20230601003": ("shipped", ["ship.out_of_order"]),
    "DD20230601004": ("shipped", ["review.late", "ship.wrong_role"]),
    "DD20230601005": ("shipped", []),  # shipped after 28 h 10 min: inside the 48 h of 618
    "DD20230602006": ("packed", ["review.late"]),  # ship due 2023-06-04 09:00 (48 h): not yet overdue
    "DD20230602007": ("packed", ["review.late"]),
    "DD20230601008": ("shipped", ["ORD-four-eyes", "review.late"]),
    "DD20230602009": ("cross_checked", ["ORD-paid-before-fulfilment", "review.late"]),
    "DD20230602010": ("placed", ["review.overdue"]),
    "DD20230601011": ("packed", ["review.late"]),
    "DD20230520012": ("shipped", ["ship.late"]),  # before the 618 window: 24 h, shipped 4 h 10 min late
    "DD20230520013": ("packed", ["ship.overdue"]),  # never shipped: overdue at now
}


@pytest.mark.parametrize("rid", sorted(EXPECTED))
def test_each_example_order(engine, orders, rid):
    r = engine.evaluate(orders[rid], NOW)
    assert r.error is None
    assert (r.state, sorted(v.rule for v in r.violations)) == EXPECTED[rid]
    assert (r.process, r.version) == ("order", "1.0.0")
    assert r.digest and r.digest.startswith("sha256:")


def test_missed_deadline_quotes_deadline_and_lateness(engine, orders):
    # Placed 11:00, due at the 14:00 review batch, reviewed at 18:00.
    v = engine.evaluate(orders["DD20230601004"], NOW).violations[0]
    assert v.rule == "review.late" and v.clauses == ("ORD-01",) and v.path == "/events/0/at"
    assert v.evidence["due"] == "2023-06-01T14:00:00+08:00" and v.evidence["late_by"] == "4 h"
    assert "4 h late" in v.messages.en and "迟了 4 h" in v.messages.zh


def test_missed_24h_shipping_outside_a_promotion(engine, orders):
    v = engine.evaluate(orders["DD20230520012"], NOW).violations[0]
    assert (v.rule, v.clauses, v.path) == ("ship.late", ("ORD-06",), "/events/5/at")
    assert v.evidence["due"] == "2023-05-21T15:30:00+08:00" and v.evidence["late_by"] == "4 h 10 min"
    (a,) = engine.evaluate(orders["DD20230520013"], NOW).next_actions
    assert (a.action, a.role, a.due, a.overdue) == ("ship", "warehouse", "2023-05-21T09:00:00+08:00", True)


def test_overdue_next_action_is_flagged(engine, orders):
    r = engine.evaluate(orders["DD20230602010"], NOW)
    (a,) = r.next_actions
    assert (a.action, a.role, a.due, a.overdue) == ("review", "ops_specialist", "2023-06-02T09:00:00+08:00", True)
    assert r.violations[0].evidence["late_by"] == "1 d 3 h"


def test_sla_cases_big_promotion_and_made_to_order(engine, orders):
    assert engine.evaluate(orders["DD20230602007"], NOW).next_actions[0].due == "2023-06-04T10:00:00+08:00"
    window = engine.evaluate(orders["DD20230602006"], NOW).next_actions[0]  # no flag, placed inside 618-2023
    assert window.due == "2023-06-04T09:00:00+08:00" and "618-2023" in window.sla
    a = engine.evaluate(orders["DD20230601011"], NOW).next_actions[0]
    assert a.due == "2023-06-10T18:00:00+08:00" and a.sla.startswith("ORD-ship-sla-made-to-order")


def test_due_soon_warning_before_the_deadline(engine, orders):
    rec = orders["DD20230602006"]
    r = engine.evaluate(rec, datetime(2023, 6, 3, 23, 30, tzinfo=SH))  # 38.5 of 48 hours used; warn_at 0.8
    assert [v.rule for v in r.violations] == ["review.late", "ship.due_soon"] and r.violations[1].severity == "warning"
    assert [v.rule for v in engine.evaluate(rec, datetime(2023, 6, 3, 23, 0, tzinfo=SH)).violations] == ["review.late"]


def test_wrong_role_names_the_allowed_roles(engine, orders):
    (v,) = [v for v in engine.evaluate(orders["DD20230601004"], NOW).violations if v.rule == "ship.wrong_role"]
    assert v.evidence["allowed"] == ["warehouse"] and v.path == "/events/5/role"


def test_events_are_ordered_by_time_not_by_position(engine, orders):
    rec = copy.deepcopy(orders["DD20230601001"])
    rec["events"].reverse()
    r = engine.evaluate(rec, NOW)
    assert r.state == "completed" and r.violations == ()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_events_listed_in_any_order_are_judged_as_listed_in_time_order(engine, orders, data):
    """The replay, the checks' ``events`` and the deadlines see the events by time (ties in the order
    listed), whatever order the record lists them in; pointers and steps name each event where it is listed."""
    rec = orders[data.draw(st.sampled_from(sorted(orders)))]
    listed = [rec["events"][i] for i in data.draw(st.permutations(range(len(rec["events"]))))]
    by_time = sorted(range(len(listed)), key=lambda i: datetime.fromisoformat(listed[i]["at"]))  # stable
    shuffled = engine.evaluate({**rec, "events": listed}, NOW)
    ordered = engine.evaluate({**rec, "events": [listed[i] for i in by_time]}, NOW)

    def where(path: str) -> str:  # a pointer into the time-ordered listing, as a pointer into the shuffled one
        head, sep, rest = path.partition("/events/")
        k, _, tail = rest.partition("/")
        return f"{head}{sep}{by_time[int(k)]}" + (f"/{tail}" if tail else "") if sep else path

    assert (shuffled.state, shuffled.trace, shuffled.next_actions) == (ordered.state, ordered.trace, ordered.next_actions)
    assert [(v.rule, v.path, v.evidence) for v in shuffled.violations] == [
        (v.rule, where(v.path), v.evidence) for v in ordered.violations]
    assert [(s.event, s.step) for s in shuffled.steps] == [(by_time[s.event], s.step) for s in ordered.steps]


def test_events_of_a_dict_subclass_are_judged_as_dicts(engine, orders):
    """The replay copies each event (a dict by its own copy, any other mapping through dict()): the same result."""
    from collections import OrderedDict

    for rid in ("DD20230601004", "DD20230520012"):
        rec = orders[rid]
        as_given = engine.evaluate({**rec, "events": [OrderedDict(e) for e in rec["events"]]}, NOW)
        plain = engine.evaluate(rec, NOW)
        assert as_given.error is None and (as_given, as_given.trace, as_given.steps) == (plain, plain.trace, plain.steps)


def test_timestamps_in_other_zones_are_converted(engine, orders):
    rec = copy.deepcopy(orders["DD20230601004"])
    rec["placed_at"] = "2023-06-01T03:00:00Z"  # the same instant as 11:00 in Shanghai
    for e in rec["events"]:
        e["at"] = datetime.fromisoformat(e["at"]).astimezone(UTC).isoformat()
    v = engine.evaluate(rec, NOW).violations[0]
    assert v.rule == "review.late" and v.evidence["due"] == "2023-06-01T14:00:00+08:00"


def test_timestamp_without_offset_is_read_in_the_process_zone(engine, orders):
    rec = copy.deepcopy(orders["DD20230601004"])
    rec["placed_at"] = "2023-06-01 11:00"
    assert engine.evaluate(rec, NOW).violations[0].evidence["due"] == "2023-06-01T14:00:00+08:00"


@pytest.mark.parametrize("record, needle", [
    ([], "must be a JSON object"),
    ({"id": "X"}, "the record has no 'process' field"),
    ({"process": "nope", "id": "X"}, "unknown process 'nope'"),
    ({"process": "order", "id": "X"}, "'placed_at' is a required property"),
    ({"process": "order", "id": "X", "placed_at": "2023-06-01T10:00:00+08:00", "amount": "abc"}, "/amount"),
    ({"process": "order", "id": "X", "placed_at": "2023-13-45T10:00:00"}, "/placed_at"),
])
def test_bad_records_get_an_error_not_an_exception(engine, record, needle):
    r = engine.evaluate(record, NOW)
    assert r.error is not None and needle in r.error, r.error
    assert r.violations == () and r.state is None


def test_evaluate_many_is_lazy_ordered_and_complete(engine, orders):
    recs = list(orders.values()) * 3 + ["not a record"]
    consumed = []

    def gen():
        for r in recs:
            consumed.append(r)
            yield r

    it = engine.evaluate_many(gen(), NOW)
    first = next(it)
    assert len(consumed) == 1 and first.record == "DD20230601001"
    rest = list(it)
    assert [r.record for r in [first, *rest][:-1]] == [r["id"] for r in recs[:-1]]
    assert rest[-1].error is not None


def test_evaluation_is_pure_and_deterministic(engine, orders):
    rec = orders["DD20230601005"]
    before = copy.deepcopy(rec)
    a = engine.evaluate(rec, NOW).to_dict()
    b = engine.evaluate(rec, NOW).to_dict()
    assert a == b and rec == before


def test_engine_is_picklable_and_gives_identical_results(engine, orders):
    clone = pickle.loads(pickle.dumps(engine))
    for rec in orders.values():
        assert clone.evaluate(rec, NOW).to_dict() == engine.evaluate(rec, NOW).to_dict()


def test_engine_is_safe_to_share_between_threads(engine, orders):
    recs = list(orders.values())
    expected = [engine.evaluate(r, NOW).to_dict() for r in recs]
    errors = []

    def work():
        for _ in range(20):
            got = [engine.evaluate(r, NOW).to_dict() for r in recs]
            if got != expected:
                errors.append(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_now_must_be_aware(engine, orders):
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.evaluate(orders["DD20230601001"], datetime(2023, 6, 3, 12))


def test_results_match_the_public_result_schema(engine, orders):
    import json

    import jsonschema

    from .conftest import SCHEMAS

    schema = json.loads((SCHEMAS / "result.schema.json").read_text())
    for rec in orders.values():
        jsonschema.validate(engine.evaluate(rec, NOW).to_dict(), schema)


def test_phone_numbers_never_leave_in_clear(engine, orders):
    rec = copy.deepcopy(orders["DD20230602010"])
    rec["events"] = [{"type": "shipped", "at": "2023-06-02T09:00:00+08:00", "role": "cs_agent", "actor": "13812345678"}]
    text = str(engine.evaluate(rec, NOW).to_dict())
    assert "13812345678" not in text and "138****5678" in text


def test_a_late_step_in_the_past_and_a_clean_future(engine, orders):
    rec = orders["DD20230602006"]
    early = engine.evaluate(rec, NOW - timedelta(hours=10))
    assert [v.rule for v in early.violations] == ["review.late"] and early.next_actions[0].overdue is False


def test_a_self_loop_does_not_restart_the_states_clock(engine, orders):
    """Chasing the carrier (shipped -> shipped) must not move ORD-09's 15 days from shipment."""
    rec = copy.deepcopy(orders["DD20230520012"])  # shipped 2023-05-21 19:40
    before = engine.evaluate(rec, NOW).next_actions[0]
    rec["events"].append({"type": "carrier_contacted", "at": "2023-05-25T10:00:00+08:00", "actor": "李娜", "role": "ops_specialist"})
    after = engine.evaluate(rec, NOW).next_actions[0]
    assert before.action == after.action == "confirm_receipt"
    assert before.due == after.due == "2023-06-05T19:40:00+08:00"


def test_rules_that_cannot_fire_are_not_listed(engine):
    """A step that is never a next action (expected: false) has no overdue rule to report on."""
    rules = engine.process("order", "1.0.0").rules
    assert "refund_exception.late" in rules and "refund_exception.overdue" not in rules
    assert "ship.due_soon" in rules and "contact_customer.due_soon" not in rules  # no warn_at there


def test_the_replay_is_recorded_as_structured_steps_outside_the_json(engine, orders):
    """Tools read Result.steps (event index, step, states before and after), never the trace text."""
    r = engine.evaluate(orders["DD20230601001"], NOW)
    assert r.steps and [s.event for s in r.steps] == sorted(s.event for s in r.steps)
    assert r.steps[0].before == "placed" and r.steps[-1].after == r.state == "completed"
    assert all(a.after == b.before for a, b in zip(r.steps, r.steps[1:], strict=False))
    assert "steps" not in r.to_dict(trace=True)

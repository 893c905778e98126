"""Differential: the screened fast path of the record view against the general one.

``Engine.evaluate`` screens each record once (``inputs.json_data.screen``); a record of
plain JSON data gets ``view.screened_view``, which converts only what the schema's
plan converts and shares the rest. On generated variations of every process's example
records (fields dropped, retyped, replaced by broken timestamps, money text, ints past
int64, NaN), the screened view must equal ``build_view``'s, fail exactly when it fails
with the same error, and the whole results must be the same as without the fast path.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopengine
from sopengine.chrono.instants import ValueProblem
from sopengine.evaluate import evaluate_record
from sopengine.inputs.json_data import record_problem, screen
from sopengine.view import build_view, screened_view, view_problem

from .conftest import NOW, RULES
from .plankit import same
from .test_plan_differential import RECORDS, STAMPS, values

ODD = st.sampled_from([2**63, -(2**63) - 1, 2**63 - 1, -(2**63), 10**30, "12.50", "1e3", "abc", "１２", "NaN",
                       float("nan"), float("inf"), 199.99, "2023-06-01 10:00", "2023-13-01T00:00:00Z", [], {}])


@pytest.fixture(scope="module")
def engine():
    return sopengine.load(RULES)


def _vary(record: dict, draw) -> dict:
    """Replace up to 4 values anywhere in the record (any depth) by odd, broken or retyped ones."""
    import copy

    r = copy.deepcopy(record)
    for _ in range(draw(st.integers(0, 4))):
        holders = value_holders(r)
        if not holders:
            break
        c, k = draw(st.sampled_from(holders))
        c[k] = draw(ODD | values | st.sampled_from(STAMPS))
    return r


def value_holders(record: dict) -> list:
    """Every (container, key) of ``record`` at any depth, but its process and id, which decide how it is judged."""
    holders: list = []
    todo: list = [record]
    while todo:
        c = todo.pop()
        keys = [k for k in c if k not in ("process", "id")] if isinstance(c, dict) else range(len(c))
        holders += [(c, k) for k in keys]
        todo += [v for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, (dict, list))]
    return holders


def _view(fn, record, plan, tz):
    try:
        return fn(record, plan, tz)
    except ValueProblem:
        return ValueProblem


@pytest.mark.parametrize("process", sorted(RECORDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_screened_view_and_result_agree(engine, process, data):
    record = _vary(data.draw(st.sampled_from(RECORDS[process])), data.draw)
    problem, plain = screen(record)
    assert problem == record_problem(record)
    if not plain:
        return  # the general path judges it, as before
    proc = engine.versions(process)[-1]
    want = _view(build_view, record, proc.view, proc.timezone)
    got = _view(screened_view, record, proc.view, proc.timezone)
    if want is ValueProblem or got is ValueProblem:
        assert want is got
        assert str(view_problem(record, proc.view, proc.timezone))
    else:
        assert same(got, want)
    now = data.draw(st.sampled_from([NOW, NOW + timedelta(days=30)]))
    fast = evaluate_record(proc, record, now, engine.tables, screened=True)
    slow = evaluate_record(proc, record, now, engine.tables, screened=False)
    assert fast.to_dict() == slow.to_dict()
    assert fast.trace == slow.trace


def test_screen_sends_ints_past_int64_the_general_way():
    assert screen({"a": [1, {"b": 2**63 - 1}]}) == (None, True)
    assert screen({"a": [1, {"b": 2**63}]}) == (None, False)  # fine data, but CEL holds it as a double
    assert screen({"a": float("nan")})[0] is not None


@pytest.mark.parametrize("process", ["order", "product"])
def test_amounts_and_dates_read_twice_view_as_the_general_path(engine, process):
    """Amounts written as text are remembered once read (and text that is no amount never is); dates, and
    containers holding only dates, are their own view. Each value is viewed twice, the second time remembered."""
    proc = engine.versions(process)[-1]
    base = next(r for r in RECORDS[process] if process != "product" or "qualifications" in r)
    for amount in ["299.00", " 12.5 ", "1e3", "0.1", "abc", "NaN", "１２", "1_000", "", 150000, 0.1]:
        for field in ("amount", "price", "cost_price"):
            record = {**base, field: amount}
            for _ in range(2):
                want = _view(build_view, record, proc.view, proc.timezone)
                got = _view(screened_view, record, proc.view, proc.timezone)
                assert (got is want) if want is ValueProblem else same(got, want)
    if process == "product":
        view = screened_view(base, proc.view, proc.timezone)
        assert view["qualifications"] is base["qualifications"] and view["monitoring"] is base["monitoring"]


def test_a_list_of_events_is_viewed_object_by_object_as_the_general_path(engine):
    """The converter of a list of objects reads each object itself (and anything else in the list through the
    items' converter); an object whose instants are written as shown is shared, one that is not is copied."""
    proc = engine.versions("order")[-1]
    base = next(r for r in RECORDS["order"] if len(r.get("events") or []) >= 2)
    shown, odd = dict(base["events"][0]), {**base["events"][1], "at": "2023-06-01 18:04"}
    for events in ([shown, odd], [shown, "x", None, 3, [odd]], [{**odd, "at": None}, {**odd, "retain_until": "2025-01-01"}],
                   [{**odd, "at": 20230601}]):
        record = {**base, "events": events}
        want = _view(build_view, record, proc.view, proc.timezone)
        got = _view(screened_view, record, proc.view, proc.timezone)
        assert (got is want) if want is ValueProblem else same(got, want)
    view = screened_view({**base, "events": [shown, odd]}, proc.view, proc.timezone)
    assert view["events"][0] is shown and view["events"][1]["at"] == "2023-06-01T18:04:00+08:00"

"""The record's view is plain data by construction, which lets ``for_each`` skip checking so.

``ExpressionCheck`` hands a ``for_each`` list to the assertion without ``is_plain``'s walk
when ``plan.parse.part_of`` finds that the list can only be part of ``record`` or
``events`` (a field path, or a ``filter`` of one). That is sound only if (1) every view
the engine builds, screened or not, holds nothing but plain values, whatever a Python
caller passed, and (2) ``part_of`` accepts no expression that computes new values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopengine
from sopengine.checks.expression import VIEW_ROOTS
from sopengine.chrono.instants import ValueProblem
from sopengine.inputs.json_data import screen
from sopengine.plan.parse import part_of
from sopengine.view import build_view, screened_view

from .conftest import RULES
from .test_plan_differential import RECORDS
from .test_view_differential import _vary, value_holders

INT64 = 2**63


def strictly_plain(v: Any) -> bool:
    """Plain as CEL's own values, stricter than ``is_plain``: text keys, int64 ints, no timestamps."""
    t = type(v)
    if t is dict:
        return all(type(k) is str and strictly_plain(x) for k, x in v.items())
    if t is list:
        return all(strictly_plain(x) for x in v)
    if t is int:
        return -INT64 <= v < INT64
    return v is None or t in (str, float, bool)


PYTHON_ONLY = st.sampled_from([Decimal("12.50"), Decimal("1e30"), datetime(2023, 6, 1, 10), date(2023, 6, 1),
                               datetime(2023, 6, 1, 10, tzinfo=UTC), (1, "a"), 2**70, -(2**70),
                               timedelta(hours=1), frozenset({1}), {1: "int key"}, ({"a": (2**64,)},)])


@pytest.fixture(scope="module")
def engine():
    return sopengine.load(RULES)


def _place(record: dict, draw) -> dict:
    """``_vary``'s record with up to 3 more values only a Python caller can pass, anywhere in it."""
    r = _vary(record, draw)
    for _ in range(draw(st.integers(0, 3))):
        holders = value_holders(r)
        if holders:
            c, k = draw(st.sampled_from(holders))
            c[k] = draw(PYTHON_ONLY)
    return r


@pytest.mark.parametrize("process", sorted(RECORDS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_view_is_plain(engine, process, data):
    record = _place(data.draw(st.sampled_from(RECORDS[process])), data.draw)
    proc = engine.versions(process)[-1]
    problem, screened = screen(record)
    if problem is not None:
        return  # the engine reports it and builds no view
    try:
        view = (screened_view if screened else build_view)(record, proc.view, proc.timezone)
    except ValueProblem:
        return  # a value its schema cannot read: an error, no view
    assert strictly_plain(view), view


@pytest.mark.parametrize("source", ["record.skus", "record.a.b", "events", "events.filter(e, e.type == 'x')",
                                    "record.skus.filter(s, s.stock < 0).filter(s, has(s.id))"])
def test_part_of_the_view(source):
    assert part_of(source, VIEW_ROOTS)


@pytest.mark.parametrize("source", ["record.skus.map(s, s)", "events.filter(e, true).map(e, e.at)", "[record.a]",
                                    "record.a[0]", "now", "item", "event.items", "record.a + record.b",
                                    "has(record.a) ? record.a : []", "[timestamp(record.at)]", "params.xs",
                                    "record.a.filter(x, true) + [now]", "size(record.a)"])
def test_not_part_of_the_view(source):
    """Anything that computes, indexes or names another variable is walked as before."""
    assert not part_of(source, VIEW_ROOTS)

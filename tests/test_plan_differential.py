"""Differential: the translated plans against CEL (the reference), on generated data.

1. Every expression of the bundled rules, on generated variables (missing fields,
   wrong types, int64 edges, NaN and infinities, broken and valid timestamps, long
   and empty lists), with and without the events index the evaluator passes: the
   closure gives CEL's value (same type), or hands back exactly where CEL reports an error.
2. Whole results: an engine compiled with plans and one without judge generated
   variations of every process's example records identically.
"""

from __future__ import annotations

import copy
import gc
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopengine
import sopengine.expr as expr_mod
from sopengine.expr import EvaluationError, Expression
from sopengine.plan import Fallback
from sopengine.plan.events import BY_TYPE, index_events

from .conftest import EXAMPLES, NOW, RULES, read_jsonl
from .plankit import same

BIG = 2**63 - 1


@pytest.fixture(scope="module")
def engines():
    with_plans = sopengine.load(RULES)
    expr_mod.USE_PLANS = False
    try:
        reference = sopengine.load(RULES)
    finally:
        expr_mod.USE_PLANS = True
    return with_plans, reference


@pytest.fixture(scope="module")
def expressions(engines):
    found = {o.source: o for o in gc.get_objects()
             if type(o).__name__ in ("Expression", "ExtExpression") and getattr(o, "_plan", None) is not None}
    assert len(found) > 100  # the rules' expressions, translated
    return sorted(found.values(), key=lambda e: e.source)


def _field_names() -> list[str]:
    names: set[str] = set()
    for path in (RULES / "processes").glob("*.yaml"):
        names |= set(re.findall(r"(?:record|item|event|[a-z])\.([a-z_]+)", path.read_text("utf-8")))
    return sorted(names)


FIELDS = _field_names()
STAMPS = ["2023-06-01T10:00:00+08:00", "2023-06-02T23:59:59Z", "2023-06-01T10:00:00.5+08:00", "2023-06-01", "soon",
          "2023-06-01T10:00:00.1234567Z", "9999-12-31T23:59:59-01:00", "2022-12-31T16:00:00+00:00"]
WORDS = ["approved", "rejected", "listed", "presale", "paid", "none", "lost", "damaged", "design", "tech", "launched",
         "reviewed", "shipped", "delivered", "inspected", "allocated", "cross_checked", "archived", "quality",
         "stock_reconciled", "partner_confirmed", "classified", "load_tested", "", "—", "质检报告"]
scalars = (st.none() | st.booleans() | st.sampled_from([0, 1, 2, 5, 12, -1, BIG, -BIG - 1, 2**53 + 1, 100000])
           | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0.0, 0.5, 0.99, 1.0, 55.5, -0.0]) | st.sampled_from(STAMPS) | st.sampled_from(WORDS)
           # no NUL: cel-expr-python now and then returns a string holding only NUL as "" (seen in
           # this test, not reproducible alone) - a fault of the reference binding, not of the plan.
           # No lone surrogates: they are not Unicode, the engine refuses such a record before any
           # expression sees it (inputs.json_data.record_problem), and CEL errors on them where the
           # plan answers, a disagreement no record can reach.
           | st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=4))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(FIELDS), c, max_size=5),
                      max_leaves=12)
objects = st.dictionaries(st.sampled_from(FIELDS), values, max_size=10)
events = st.lists(st.fixed_dictionaries({"type": st.sampled_from(WORDS), "at": st.sampled_from(STAMPS)},
                                        optional={k: values for k in ("role", "kind", "actor", "outcome", "defects",
                                                                      "retain_until", "reported_at", "partner")}),
                  max_size=5)
variables = st.fixed_dictionaries({
    "record": objects, "events": events, "event": objects, "item": values | objects, "index": st.integers(0, 3),
    "state": st.sampled_from(["scored", "archived", "refunded", "shipped", "x"]),
    "now": st.sampled_from([NOW, NOW + timedelta(days=400), datetime(2023, 5, 1, tzinfo=UTC)]),
    "decisions": st.dictionaries(st.sampled_from(["market_demand", "profit_margin", "supply_stability", "recommendation"]),
                                 objects | st.fixed_dictionaries({"full_marks": values, "recommendation": values}), max_size=4),
})


def reference(e: Expression, env) -> object:
    try:
        return Expression(e.source, e._compiled, None, e.extra, e.consts).evaluate(env)  # CEL alone, with the same constants
    except EvaluationError:
        return EvaluationError


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variables, st.data())
def test_every_rule_expression_agrees_with_cel(expressions, env, data):
    planned = env  # and half the time with the evaluator's index of the events by type (plan/events.py)
    index = index_events(env["events"]) if data.draw(st.booleans()) else None
    if index is not None:
        planned = {**env, BY_TYPE: index}
    for e in data.draw(st.lists(st.sampled_from(expressions), min_size=8, max_size=8)):
        want = reference(e, env)
        try:
            got = e._plan(planned)
        except Fallback:
            continue  # CEL answers: the value, or its own error
        assert want is not EvaluationError, f"{e.source!r}: CEL reports an error, the plan answered {got!r}"
        assert same(got, want), f"{e.source!r}: plan {got!r} != CEL {want!r}"


def _records() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for r in read_jsonl(path):
            out.setdefault(r["process"], []).append(r)
    return out


RECORDS = _records()


def _mutate(record: dict, draw) -> dict:
    """Drop, retype or replace some fields (top level and one level down, events included)."""
    r = copy.deepcopy(record)
    for _ in range(draw(st.integers(0, 4))):
        target = r
        if draw(st.booleans()):
            events = r.get("events")  # an earlier mutation may have retyped it (True is not iterable)
            nested = [v for v in r.values() if isinstance(v, dict)]
            nested += [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
            if nested:
                target = draw(st.sampled_from(nested))
        keys = [k for k in target if k not in ("process", "id")]
        if not keys:
            continue
        k = draw(st.sampled_from(keys))
        op = draw(st.sampled_from(["drop", "value", "stamp"]))
        if op == "drop":
            del target[k]
        elif op == "value":
            target[k] = draw(values)
        else:
            target[k] = draw(st.sampled_from(STAMPS))
    return r


@pytest.mark.parametrize("process", sorted(RECORDS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_whole_results_agree(engines, process, data):
    planned, interpreted = engines
    record = _mutate(data.draw(st.sampled_from(RECORDS[process])), data.draw)
    now = data.draw(st.sampled_from([NOW, NOW + timedelta(days=30), NOW - timedelta(days=20)]))
    a, b = planned.evaluate(record, now), interpreted.evaluate(record, now)
    assert a.to_dict() == b.to_dict()
    assert a.trace == b.trace



@pytest.fixture(scope="module")
def parameterised(expressions):
    found = [e for e in expressions if e.consts]
    assert len(found) >= 3  # ORD-13's "at once", the GMV tolerance, MKT-06's drop ratio
    return found


# the fields those expressions read, with values that reach the parameter (generic data rarely does)
numbers = st.integers(0, 10**6) | st.floats(0, 10**6) | st.sampled_from([0, 1, 100, 0.5, -1.0])
readings = st.fixed_dictionaries({}, optional={"uv": numbers, "at": st.sampled_from(STAMPS), "investigation": st.just("x"),
                                               "reported_at": st.sampled_from(STAMPS), "kind": st.sampled_from(["lost", "damaged"]),
                                               "date": st.just("2023-06-01")})
figures = st.fixed_dictionaries({}, optional={"gmv": numbers, "uv": numbers, "conversion_rate": st.floats(0, 1) | numbers,
                                              "aov": numbers, "monitoring": st.lists(readings, max_size=4)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variables, figures, readings, st.lists(readings, max_size=3))
def test_expressions_reading_declared_parameters_agree_with_cel(parameterised, env, record, item, listed):
    """A declared parameter is a constant in the plan and a typed variable for CEL: the same value either way."""
    env = {**env, "record": record, "item": item, "events": [{"type": "exception_raised", **e} for e in listed]}
    for e in parameterised:
        want = reference(e, env)
        try:
            got = e._plan(env)
        except Fallback:
            continue
        assert want is not EvaluationError, f"{e.source!r}: CEL reports an error, the plan answered {got!r}"
        assert same(got, want), f"{e.source!r}: plan {got!r} != CEL {want!r}"

"""An expression check with ``for_each``: its plan asks the items first, and the hits are exactly what
asking every item in full gives.

``ExpressionCheck.run`` runs the assertion's translated closure over the items and answers ``()`` when
each one holds (no generator for the engine to iterate); from the first item the plan does not find
true it hands over to the generator, which asks ``Expression.evaluate`` (CEL where the plan cannot
say) and reports each hit, or the error of an assertion that is not true or false.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine import expr
from sopengine.checks import Hit
from sopengine.checks.expression import ExpressionCheck
from sopengine.errors import EvaluationError

from .checkkit import context, env

ASSERTS = ["item > 1", "item.size() < 3", "item == 2 || index > 1", "string(item) != '3'", "item"]
ITEM = st.one_of(st.integers(-3, 4), st.sampled_from([1.5, 2.0, "ab", "abcd", True, False, None, [1], [1, 2, 3]]))


def reference(check: ExpressionCheck, record: dict[str, Any]) -> list[Hit] | str:
    """Every item asked through ``Expression.evaluate``, as the check did before its plan went first."""
    variables = context(record).variables
    assert check.for_each is not None
    items = check.for_each.evaluate(variables)
    out = []
    try:
        for i, x in enumerate(items):
            scope = {**variables, "item": x, "index": i}
            v = check.assertion.evaluate(scope)
            if v is not True:
                if v is not False:
                    return f"assert gave {v!r}, not true or false"
                out.append(Hit(check.path.replace("{index}", str(i)), {"index": i, **check._evidence(scope)}))
    except EvaluationError as exc:
        return str(exc)
    return out


def answer(check: ExpressionCheck, record: dict[str, Any]) -> list[Hit] | str:
    try:
        return list(check.run(context(record)))
    except EvaluationError as exc:
        return str(exc)


@pytest.mark.parametrize("plans", [True, False])
@settings(max_examples=150, deadline=None)
@given(source=st.sampled_from(ASSERTS), xs=st.lists(ITEM, max_size=6))
def test_hits_are_those_of_every_item_asked(plans, source, xs):
    old = expr.USE_PLANS
    expr.USE_PLANS = plans  # without plans: CEL alone, the generator from the first item
    try:
        check = ExpressionCheck({"assert": source, "for_each": "record.xs", "path": "/xs/{index}",
                                 "evidence": {"it": "string(item)"}}, env())
    finally:
        expr.USE_PLANS = old
    record = {"xs": xs}
    assert answer(check, record) == reference(check, record)


def test_all_holding_items_answer_an_empty_tuple():
    """(So the engine skips a check that finds nothing without iterating it.)"""
    check = ExpressionCheck({"assert": "item > 1", "for_each": "record.xs"}, env())
    assert check.run(context({"xs": [2, 3, 4]})) == ()
    assert check.run(context({"xs": []})) == ()
    assert [h.evidence["index"] for h in check.run(context({"xs": [2, 0, 3, 1]}))] == [1, 3]


def test_a_list_that_is_not_one_is_an_error():
    check = ExpressionCheck({"assert": "item > 1", "for_each": "record.x"}, env())
    with pytest.raises(EvaluationError, match="for_each gave str, not a list"):
        check.run(context({"x": "abc"}))

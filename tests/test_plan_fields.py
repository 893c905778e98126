"""The fused shapes of plan/fields.py and plan/comprehensions.py against CEL, the reference.

A chain's tests of one object's fields judged in one closure, ``has(x.f) && x.f.exists(...)`` read once,
``!x.exists(...)`` as one comprehension: each on hand-picked cases (the spec's answer stated, errors
included) and on generated chains and records. Over picked events (``events.filter(e, e.type == 'a')
.all(...)``, ``!events.exists(...)``) with and without the index: test_plan_conformance's PICKED.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopengine.expr import EvaluationError
from sopengine.plan import Fallback, translate
from sopengine.plan.unknown import Partial

from .plankit import cel, same
from .test_plan_conformance import ERR, NAMES, NOW
from .test_plan_conformance import test_spec_case as spec_case

CASES = [
    # has(x.f) && x.f: a missing field is false, a value that is no bool an error
    ("has(record.a) && record.a", True, {"a": True}), ("has(record.a) && record.a", False, {"a": False}),
    ("has(record.a) && record.a", False, {}), ("has(record.a) && record.a", ERR, {"a": 1}),
    ("has(record.a) && record.a", ERR, {"a": None}), ("record.a && has(record.b)", False, {}),
    ("record.a && has(record.b)", ERR, {"b": 1}), ("has(record.a) && record.a && has(record.b)", False, {"a": 1}),
    ("has(record.a) && record.a && has(record.b)", ERR, {"a": 1, "b": 0}),
    ("record.a || record.b", True, {"a": "s", "b": True}), ("record.a || record.b", ERR, {"a": False}),
    # sizes
    ("has(record.s) && size(record.s) > 0", False, {"s": ""}), ("has(record.s) && size(record.s) > 0", True, {"s": [0]}),
    ("has(record.s) && size(record.s) > 0", ERR, {"s": 5}), ("has(record.s) && size(record.s) > 0", False, {}),
    ("has(record.s) && record.s.size() == 2 && has(record.t)", True, {"s": {"a": 1, "b": 2}, "t": 0}),
    ("size(record.s) > 0 && size(record.t) > 0", False, {"s": "x", "t": ""}),
    ("size(record.s) > 0 && size(record.t) > 0", ERR, {"s": "x"}), ("size(record.s) > 0 && size(record.t) > 0", False, {"t": ""}),
    # text in a list of texts, equality and order with a literal
    ("record.s in ['a', 'b'] && has(record.t)", True, {"s": "a", "t": 1}),
    ("record.s in ['a', 'b'] && has(record.t)", False, {"s": 1, "t": 1}),
    ("record.s in ['a', 'b'] && has(record.t)", ERR, {"t": 1}), ("record.s in ['a', 'b'] && has(record.t)", False, {}),
    ("record.i == 5 && record.s == 'x'", True, {"i": 5.0, "s": "x"}), ("record.i == 5 && record.s == 'x'", False, {"i": True, "s": "x"}),
    ("record.i != 5 || record.s != 'x'", False, {"i": 5, "s": "x"}), ("record.i == 5 && record.s == 'x'", ERR, {"i": 5}),
    ("record.b == true && record.d == 0.5", True, {"b": True, "d": 0.5}), ("record.b == true && record.d == 0.5", False, {"b": 1, "d": 0.5}),
    ("record.i > 2 && record.d <= 1.5", True, {"i": 3, "d": 1.5}), ("record.i > 2 && record.d <= 1.5", True, {"i": 3.5, "d": 1}),
    ("record.i > 2 && record.d <= 1.5", ERR, {"i": "a", "d": 1}), ("record.i > 2 && record.d <= 1.5", False, {"i": 1, "d": "x"}),
    ("record.s >= 'b' && record.s < 'c'", True, {"s": "bz"}), ("record.d >= 0.0 && record.d <= 1.0", False, {"d": float("nan")}),
    ("record.d >= 0 && record.d <= 1", True, {"d": 0}), ("record.i > 2 && record.i < 9", ERR, {"i": None}),
    # an int and a double compared in place (kpi_daily's rates against 0 and 1), CEL's answer at the edges
    ("record.d >= 0 && record.d <= 1", True, {"d": 0.25}), ("record.d >= 0 && record.d <= 1", False, {"d": 1.5}),
    ("record.d > 0 && has(record.e)", True, {"d": 0.5, "e": 1}),
    ("record.i >= 0.5 && record.i < 2.0", True, {"i": 1}), ("record.i == 1.0 && has(record.e)", True, {"i": 1, "e": 0}),
    ("record.d == 2 && has(record.e)", False, {"d": 2.5, "e": 0}),
    ("record.d > 0 && record.d < 10", ERR, {"d": "1"}),
    # || chains
    ("!has(record.a) || record.a > 1", True, {}), ("!has(record.a) || record.a > 1", False, {"a": 0}),
    ("!has(record.a) || record.a > 1", ERR, {"a": "s"}), ("!has(record.a) || record.a > 1", True, {"a": 2}),
    ("has(record.a) || has(record.b) || record.c", ERR, {"c": 1}), ("has(record.a) || has(record.b) || record.c", True, {"c": True}),
    ("has(record.a) || has(record.b) || record.c", True, {"b": 1}), ("!has(record.a) || !has(record.b)", False, {"a": 1, "b": 2}),
    # a field of a field
    ("has(record.x.a) && has(record.x.b) && size(record.x.a) > 1", True, {"x": {"a": "ab", "b": 0}}),
    ("has(record.x.a) && has(record.x.b) && size(record.x.a) > 1", ERR, {"x": 1}),
    ("has(record.x.a) && has(record.x.b) && size(record.x.a) > 1", False, {"x": {"b": 1}}),
    ("has(record.x.a) && has(record.x.b) && size(record.x.a) > 1", ERR, {}),
    ("has(record.x.a) && has(record.x.b) && false", False, {}),
    # has(x.f) && x.f.exists(...) / .all(...)
    ("has(record.l) && record.l.exists(x, x > 1)", True, {"l": [1, 2]}), ("has(record.l) && record.l.exists(x, x > 1)", False, {}),
    ("has(record.l) && record.l.exists(x, x > 1)", ERR, {"l": 3}), ("has(record.l) && record.l.exists(x, x > 1)", ERR, {"l": [1, "a"]}),
    ("has(record.l) && record.l.exists(x, x == 'k')", True, {"l": {"k": 1}}),
    ("has(record.m.l) && record.m.l.all(x, x > 0)", ERR, {"m": 1}), ("has(record.m.l) && record.m.l.all(x, x > 0)", False, {"m": {}}),
    ("has(record.m.l) && record.m.l.all(x, x > 0)", True, {"m": {"l": [1]}}), ("has(record.m.l) && record.m.l.all(x, x > 0)", ERR, {}),
    ("has(record.l) && record.l.all(x, x > 0) && false", False, {"l": 3}),
    ("has(record.l) && record.l.all(x, x > 0) && has(record.l)", False, {"l": [0]}),
    ("record.l.exists(x, x > 1) && has(record.l) && has(record.n)", False, {"l": [2]}),
    ("has(record.l) && record.l.exists(x, record.l.all(y, y >= x))", True, {"l": [2, 1]}),
    # has(x.f) && <other>, !has(x.f) || <other>
    ("has(record.a) && record.b > 1", False, {"b": 2}), ("has(record.a) && record.b > 1", True, {"a": 1, "b": 2}),
    ("has(record.a) && record.b > 1", ERR, {"a": 1, "b": "x"}), ("has(record.a) && record.b > 1", False, {"b": "x"}),
    ("has(record.a) && record.b > 1", ERR, {"a": 1}), ("record.b && has(record.a)", ERR, {"a": 1, "b": 5}),
    ("!has(record.a) || record.b", True, {"b": True}), ("!has(record.a) || record.b", ERR, {"a": 1, "b": 1}),
    ("!has(record.a) || record.b", False, {"a": 1, "b": False}), ("!has(record.a) || record.b", True, {}),
    ("has(item.a) && true", ERR, {}), ("has(item.a) && false", False, {}), ("!has(item.a) || true", True, {}),
    ("has(record.m.a) && record.b == 1", ERR, {"m": 1, "b": 1}), ("has(record.m.a) && record.b == 1", False, {"m": 1, "b": 2}),
    ("has(record.m.a) && record.b == 1", True, {"m": {"a": 0}, "b": 1}),
    ("record.l.all(c, has(c.n) && record.k.all(r, has(r.n) && r.n != c.n))", False, {"l": [{"n": 1}], "k": [{"n": 2}, {}]}),
    ("record.l.all(c, has(c.n) && record.k.all(r, has(r.n) && r.n != c.n))", True, {"l": [{"n": 1}, {"n": 3}], "k": [{"n": 2}]}),
    ("record.l.all(c, has(c.n) && record.k.all(r, has(r.n) && r.n != c.n))", ERR, {"l": [{"n": 1}, 5], "k": [{"n": 2}]}),
    # now - timestamp(x) compared with a duration; type(x) == <type>
    ("now - timestamp(record.s) >= duration('24h')", True, {"s": "2023-06-02T04:00:00Z"}),
    ("now - timestamp(record.s) > duration('24h')", False, {"s": "2023-06-02T04:00:00Z"}),
    ("now - timestamp(record.s) < duration('24h')", True, {"s": "2023-06-02T12:00:01+08:00"}),
    ("now - timestamp(record.s) <= duration('1h')", False, {"s": "2023-06-03T02:59:59.999999Z"}),
    ("now - timestamp(record.s) <= duration('-1h')", True, {"s": "2023-06-03T13:00:00+08:00"}),
    ("now - timestamp(record.s) >= duration('24h')", ERR, {}), ("now - timestamp(record.s) >= duration('24h')", ERR, {"s": [1]}),
    ("now - timestamp(record.s) >= duration('24h')", ERR, {"s": "soon"}),
    ("now - timestamp(record.s) >= duration('24h')", True, {"s": "0001-01-01T00:00:00Z"}),
    ("now - timestamp(has(record.a) ? record.a : record.b) <= duration('720h')", True, {"b": "2023-05-20T00:00:00Z"}),
    ("now - timestamp(has(record.a) ? record.a : record.b) <= duration('720h')", False, {"a": "2023-01-01T00:00:00Z"}),
    ("now - timestamp(has(record.a) ? record.a : record.b) <= duration('720h')", ERR, {}),
    ("[1].exists(x, now - timestamp(record.s) > duration('1s') && x == 1)", True, {"s": "2023-06-01T00:00:00Z"}),
    ("type(record.d) == string", True, {"d": "x"}), ("type(record.d) == string", False, {"d": 1}),
    ("type(record.d) != list", False, {"d": []}), ("type(record.d) == map", True, {"d": {}}), ("type(record.d) == int", ERR, {}),
    ("type(record.d) == null_type", True, {"d": None}), ("type(record.d) == bool", False, {"d": 1.5}),
    # integer arithmetic past int64
    ("record.i + 1 > 0", ERR, {"i": 9223372036854775807}), ("record.i - 1 < 0", ERR, {"i": -9223372036854775808}),
    ("record.i * 3 > 0", ERR, {"i": 2**62}), ("record.i * 3 - record.i", 2**62, {"i": 2**61}),
    # !exists, !all
    ("!record.l.exists(x, x > 1)", True, {"l": [1]}), ("!record.l.exists(x, x > 1)", False, {"l": [2]}),
    ("!record.l.exists(x, x > 1)", ERR, {"l": ["a"]}), ("!record.l.all(x, x > 1)", True, {"l": [1, "a"]}),
    ("!record.l.all(x, x > 1)", False, {"l": []}), ("!record.l.exists(x, x > 1)", ERR, {}),
    ("[1, 2].all(y, !record.l.exists(x, x == y))", True, {"l": [3]}),
]


@pytest.mark.parametrize("expr,expected,record", CASES, ids=range(len(CASES)))
def test_fused_shapes_answer_as_cel(expr, expected, record):
    spec_case(expr, expected, record)


@pytest.mark.parametrize("expr,record", [
    ("record.i == 9007199254740992.0 && has(record.e)", {"i": 2**53 + 1, "e": 0}),  # CEL: true (Python: false)
    ("record.i > 9007199254740992.0 && has(record.e)", {"i": 2**53 + 1, "e": 0}),  # CEL: false
    ("record.d < 9007199254740993 && has(record.e)", {"d": 2.0**53, "e": 0}),  # CEL: false (Python: true)
    ("record.d == 9007199254740993 || has(record.e)", {"d": 2.0**53}),  # CEL: true
    ("record.d >= 0 && record.d <= 1", {"d": float("nan")}), ("record.d != 1 && has(record.e)", {"d": float("nan"), "e": 0}),
    ("record.i < 0.5 && has(record.e)", {"i": 2**53, "e": 0}), ("record.i >= 0.5 && record.i < 2.0", {"i": True}),
    ("record.i >= 0 && record.i <= 1", {"i": -0.0}), ("record.d == 0 && has(record.e)", {"d": 0.0, "e": 1}),
])
def test_a_group_compares_an_int_and_a_double_only_where_python_does_as_cel(expr, record):
    """Past 2**53 (or a NaN) the group leaves an int against a double to the general closures, which leave
    it to CEL: it converts where Python compares exactly, so the two answer differently there."""
    env = {"record": record, "events": [], "event": {}, "item": None, "index": 0, "state": "", "now": NOW}
    try:
        expected = cel(expr).evaluate(env)
    except EvaluationError:
        expected = ERR
    try:
        got = translate(expr, NAMES)(env)
    except Fallback:
        return  # (CEL answers)
    assert expected is not ERR and same(got, expected)


def test_fused_shapes_over_unknowns():
    """Over a map with unknown keys (plan/unknown.py) a group of field tests answers as its operands chained."""
    plan = translate("has(record.a) && record.a > 0 && has(record.b)", NAMES)
    with pytest.raises(Fallback):
        plan({"record": Partial({"a": 1}, None)})  # b may exist
    assert plan({"record": Partial({"a": 1}, frozenset({"c"}))}) is False  # b is known to be absent
    assert plan({"record": Partial({"a": 1, "b": 2}, None)}) is True
    guarded = translate("has(record.l) && record.l.exists(x, x > 1)", NAMES)
    assert guarded({"record": Partial({"l": [2]}, None)}) is True
    assert guarded({"record": Partial({}, frozenset({"z"}))}) is False  # l is known to be absent
    for unknown in (None, frozenset({"l"})):
        with pytest.raises(Fallback):
            guarded({"record": Partial({}, unknown)})


_PLAIN = st.sampled_from(["a", "x", "ab", "", 0, 1, 2, 3, True, False, [], [1, 2]])  # what a test reads as it is
_VALUES = _PLAIN | _PLAIN | st.sampled_from([None, 2.5, -1.0, float("nan"), ["a"], {}, {"a": "x"}, {"a": 1, "b": True}])
_OBJECTS = st.fixed_dictionaries({}, optional={k: _VALUES for k in "abc"})
_TESTS = st.sampled_from([
    "has(record.{f})", "!has(record.{f})", "record.{f}", "size(record.{f}) > 1", "size(record.{f}) == 0",
    "record.{f} == 'x'", "record.{f} != 1", "record.{f} == true", "record.{f} in ['a', 'x']", "record.{f} < 2",
    "record.{f} >= 1.5", "record.{f} > 'a'", "has(record.m.{f})", "size(record.m.{f}) >= 1", "record.m.{f} == 1",
    "record.{f}.exists(v, v == 1)", "!record.{f}.all(v, v != 'a')", "record.{f}.all(v, v > 0)", "record.x == 1"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_TESTS, st.sampled_from("abc")), min_size=2, max_size=6), st.lists(st.booleans(), min_size=5, max_size=5),
       st.fixed_dictionaries({k: _VALUES for k in "abc"}, optional={"m": _OBJECTS})
       | st.fixed_dictionaries({}, optional={"a": _VALUES, "b": _VALUES, "c": _VALUES, "m": _OBJECTS | _VALUES}))
def test_generated_chains_agree_with_cel(tests, ors, record):
    """Chains of field tests (&& and || mixed, guarded and negated comprehensions among them) on generated records."""
    expr = tests[0][0].format(f=tests[0][1])
    for (t, f), use_or in zip(tests[1:], ors, strict=False):  # (&& binds tighter: chains of both kinds)
        expr += f" {'||' if use_or else '&&'} {t.format(f=f)}"
    env = {"record": record, "events": [], "event": {}, "item": None, "index": 0, "state": "", "now": NOW}
    try:
        want = cel(expr).evaluate(env)
    except EvaluationError:
        want = ERR
    plan = translate(expr, NAMES)
    assert plan is not None, expr
    try:
        got = plan(env)
    except Fallback:
        return  # CEL answers (where it errs, and for what the subset leaves to it: a NaN next to an int)
    assert want is not ERR and same(got, want), f"{expr!r}: plan {got!r}, CEL {want!r}"


def test_a_guard_written_first_is_asked_first(monkeypatch):
    """``has(r.x) && r.x.k == 'a' && has(r.x.b) && r.x.b`` (service_ticket's no-reason return): on a record
    without r.x the guard answers and the group of r.x's tests is never asked. Asked first, the group met
    the missing r.x and handed every such record to its general closures, which asked everything again."""
    from sopengine.plan import fields

    asked: list[tuple[str, ...]] = []
    real = fields.fields_group

    def spy(key, tests, wins, general, last=None):
        group = real(key, tests, wins, general, last)

        def counted(env):
            asked.append(key)
            return group(env)
        return counted

    monkeypatch.setattr(fields, "fields_group", spy)
    expr = "has(record.x) && record.x.k == 'a' && has(record.x.b) && record.x.b"
    plan = translate(expr, NAMES)
    assert plan({"record": {}}) is False
    assert asked == []
    assert plan({"record": {"x": {"k": "a", "b": True}}}) is True
    assert asked == [("record", "x")]
    reference = cel(expr)
    for record in ({}, {"x": {"k": "a", "b": False}}, {"x": {"k": "b", "b": True}}, {"x": {"k": "a", "b": True}}):
        env = {"record": record, "events": [], "event": {}, "item": None, "index": 0, "state": "", "now": NOW}
        assert same(plan(env), reference.evaluate(env)), record

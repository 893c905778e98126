"""Tests of one object's fields in an ``&&`` or ``||`` chain, judged in one closure.

The rules guard and test fields again and again: ``has(i.made_to_order) && i.made_to_order``,
``has(item.carrier) && size(item.carrier) > 0``, ``record.status in [...] && has(record.skus)``.
Each such operand was a closure of its own, and the chain one more, all reading the same object.
Here every operand of a chain that tests a field of the same object (``x.f`` or ``x.a.f`` of a
variable ``x``) becomes one test in a table, and one closure reads the object once and judges
the tests in turn. A chain's operands commute in CEL (false decides an ``&&`` over errors on
either side, true an ``||``; else an error in any is an error), so the tests may be pulled out
of the chain into one operand, in the order written.

Each test answers only where its answer is plain Python: the object a map, the field a value
of the type the test expects. Anywhere else (an object that is no map, a missing field a test
reads, a value of another type) the closure asks ``general``, the operands' own closures chained
as before, which give CEL's answer or its error. In an ``&&`` chain a field that its ``has()``
guards (``has(x.f) && size(x.f) > 0``) and that is missing makes the chain false whatever reads
it, so a test of it answers false there (never an error).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from math import isnan
from typing import Any

from .ops import EXACT_FLOAT_INT, _Fallback
from .parse import Node

Fn = Callable[[Mapping[str, Any]], Any]
Test = tuple[str, str, Any, Any]  # (kind, field, the literal, how: a comparison, or for EQ whether ==)
Key = tuple[str, ...]  # the object a test reads: a variable and the fields down to it, ("record",), ("record", "detail")

HAS, NOT_HAS, FLAG, EQ, IN, SIZE, ORDER = "has", "not has", "flag", "eq", "in", "size", "order"
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
_LITERALS = (str, int, float, bool)


def field_of(n: Node, scope: set[str]) -> tuple[Key, str] | None:
    """``x.f`` or ``x.a.f`` of a variable ``x`` in ``scope`` as ((x, a), f); None for anything else."""
    if n[0] != "select":
        return None
    fields = [n[2]]
    n = n[1]
    while n[0] == "select":
        fields.append(n[2])
        n = n[1]
    if n[0] != "ident" or n[1] not in scope:
        return None
    return (n[1], *fields[:0:-1]), fields[0]


def field_test(n: Node, scope: set[str], literal: Callable[[Node], Any], no_literal: Any) -> tuple[Key, Test] | None:
    """The test ``n`` makes of one object's field, or None when ``n`` is no such test. ``literal(node)``:
    the constant a node folds to (a literal, ``params.x``, ``duration('1h')``), else ``no_literal``."""
    kind = n[0]
    if kind == "has":
        f = field_of(("select", n[1], n[2]), scope)
        return None if f is None else (f[0], (HAS, f[1], None, None))
    if kind == "not" and n[1][0] == "has":
        f = field_of(("select", n[1][1], n[1][2]), scope)
        return None if f is None else (f[0], (NOT_HAS, f[1], None, None))
    if kind == "select":
        f = field_of(n, scope)
        return None if f is None else (f[0], (FLAG, f[1], None, None))
    if kind != "bin":
        return None
    op, left, right = n[1], n[2], n[3]
    if op == "in":
        f = field_of(left, scope)
        if f is None or right[0] != "list" or not right[1] or not all(i[0] == "lit" and type(i[1]) is str for i in right[1]):
            return None
        return f[0], (IN, f[1], frozenset(i[1] for i in right[1]), None)  # (text is in it exactly when equal to one)
    if op not in _COMPARE:
        return None
    lit = literal(right)
    if type(lit) not in _LITERALS:
        return None
    if left[0] == "call" and left[1] == "size" and type(lit) is int:  # size(x.f) <op> n, x.f.size() <op> n
        arg = left[3][0] if left[2] is None and len(left[3]) == 1 else left[2] if left[2] is not None and not left[3] else None
        f = None if arg is None else field_of(arg, scope)
        return None if f is None else (f[0], (SIZE, f[1], lit, _COMPARE[op]))
    f = field_of(left, scope)
    if f is None:
        return None
    if op in ("==", "!="):
        return f[0], (EQ, f[1], lit, op == "==")
    if type(lit) is bool:  # (ordered too, but no rule orders booleans: left to the general closures)
        return None
    return f[0], (ORDER, f[1], lit, _COMPARE[op])


def fields_group(key: Key, tests: list[Test], wins: bool, general: Fn, last: Fn | None = None) -> Fn:
    """The closure judging ``tests`` of the object at ``key`` as one operand of an ``&&`` (``wins`` false)
    or ``||`` (true) chain; ``general``: the same operands' own closures, chained (see the module's docstring).
    ``last``: the chain's one other operand, asked when no test decided (its true or false is the chain's,
    anything else an error): ``has(c.actor) && has(c.at) && events.filter(...).all(...)`` in one call less.

    The tests commute, so presence is asked first, field by field in a loop of its own: in ``&&`` a field
    ``has()`` asks for (in ``||`` one ``!has()`` asks for) decides the chain when it is missing, the other
    way round when present. Then every field the other tests read is there when the chain's ``has()``
    guards it, and a missing one is an error that ``general`` reports (or a later false absorbs)."""
    loses = not wins
    name, path = key[0], key[1:]
    absent = tuple(t[1] for t in tests if t[0] == (NOT_HAS if wins else HAS))  # missing: the chain is ``wins``
    present = tuple(t[1] for t in tests if t[0] == (HAS if wins else NOT_HAS))  # there: the chain is ``wins``
    # each test with the other number type its field may hold and be compared in Python (_other_number)
    rest = [(*t, _other_number(t[2])) for t in tests if t[0] is not HAS and t[0] is not NOT_HAS]

    def group(env: Mapping[str, Any]) -> bool:
        try:
            o = env[name]
        except KeyError:
            raise _Fallback from None
        for p in path:
            if type(o) is not dict or p not in o:
                return general(env)  # type: ignore[no-any-return]
            o = o[p]
        if type(o) is not dict:
            return general(env)  # type: ignore[no-any-return]
        for f in absent:
            if f not in o:
                return wins
        for f in present:
            if f in o:
                return wins
        for kind, f, lit, how, other in rest:
            if f not in o:
                return general(env)  # type: ignore[no-any-return]
            v: Any = o[f]
            if kind is FLAG:
                if v is not True and v is not False:
                    return general(env)  # type: ignore[no-any-return]
                r = v
            elif kind is SIZE:
                t = type(v)
                if t is not str and t is not list and t is not dict:
                    return general(env)  # type: ignore[no-any-return]
                r = how(len(v), lit)
            elif kind is IN:
                if type(v) is not str:
                    return general(env)  # type: ignore[no-any-return]
                r = v in lit
            elif type(v) is not type(lit) and (type(v) is not other or (  # (else Python compares as CEL does)
                    not -EXACT_FLOAT_INT <= v <= EXACT_FLOAT_INT if other is int else isnan(v))):
                return general(env)  # type: ignore[no-any-return]
            elif kind is EQ:
                r = (v == lit) is how
            else:
                r = how(v, lit)
            if r is wins:
                return wins
        if last is None:
            return loses
        v = last(env)
        if v is True or v is False:
            return v
        raise _Fallback
    return group


def _other_number(lit: Any) -> Any:  # (float, int or None; Any: a type test on it must not narrow the value)
    """The number type other than the literal's whose values Python compares with it exactly as CEL does
    (``ops._num_pair``), with the test the group makes of the value: a double (not NaN) against an int
    literal within 2**53 of zero, an int within 2**53 of zero against a double literal (not NaN); a rate
    held as 0 or 1 against ``>= 0.0``, an amount as 12.5 against ``> 0``. Decided here, once: asked per
    record through ``_num_pair``, which builds two sets a call, the group cost kpi_daily's rate checks
    more than the closures it replaced (18,066 instructions against 11,068 for one rate's range test)."""
    if type(lit) is int:
        return float if abs(lit) <= EXACT_FLOAT_INT else None
    if type(lit) is float and not isnan(lit):
        return int
    return None


def chain(operands: list[Node], wins: bool, scope: set[str], node: Callable[[Node], Fn],
          literal: Callable[[Node], Any], no_literal: Any, all_of: Callable[[list[Fn], bool], Fn]) -> Fn:
    """The closure of an ``&&`` (``wins`` false) or ``||`` chain of ``operands``: two or more tests of one
    object's fields are one ``fields_group`` operand, standing where the first of them stood; ``node``
    translates an operand, ``all_of`` chains closures (shapes.all_of)."""
    found = [field_test(o, scope, literal, no_literal) for o in operands]
    counts: dict[Key, int] = {}
    for t in found:
        if t is not None:
            counts[t[0]] = counts.get(t[0], 0) + 1
    groups: dict[Key, tuple[list[Test], list[Fn]]] = {}
    fns: list[Fn | Key] = []
    for o, t in zip(operands, found, strict=True):
        if t is None or counts[t[0]] < 2:
            fns.append(node(o))
            continue
        if t[0] not in groups:
            groups[t[0]] = ([], [])
            fns.append(t[0])
        groups[t[0]][0].append(t[1])
        groups[t[0]][1].append(node(o))
    if len(fns) == 2:  # a group, then one other operand (has(x.f) && x.a > 0 && <other>): the other asked by the group
        # (A test alone and one other operand, has(x.f) && <other>, is no group: its closures chained cost less
        # than a group of one, which reads the object and loops over its tables of tests to ask one.)
        f, other = fns
        # Only in the order written: an operand before the group is most often its guard (has(r.x) &&
        # r.x.kind == 'a' && ...), which, asked last, left the group to meet a missing r.x and hand every
        # such record to ``general`` (service_ticket's no-reason return: +6 % instructions a ticket).
        if not callable(f) and callable(other):
            tests, fs = groups[f]
            return fields_group(f, tests, wins, all_of([*fs, other], wins), other)
    made = [f if callable(f) else fields_group(f, groups[f][0], wins, all_of(groups[f][1], wins)) for f in fns]
    return made[0] if len(made) == 1 else all_of(made, wins)

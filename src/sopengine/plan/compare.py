"""Closures for comparisons the rules write again and again, each one Python call: ``e.type == 'shipped'``,
``record.status in ['listed', 'presale']``, ``now - timestamp(e.at) <= duration('24h')``.

A value of the literal's type is compared in Python, as CEL compares it; anything else is asked of
``ops`` (heterogeneous equality, a missing field, a value out of range), which answers as CEL does or
raises ``_Fallback``. The conformance and differential tests hold each to CEL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from . import ops
from .ops import MAX_DURATION_S, _Fallback
from .times import timestamp_of

Fn = Callable[[Mapping[str, Any]], Any]


def equality(same: bool, f: Fn, g: Fn, lit: Any, field: tuple[str, str] | None) -> Fn:
    """``f == g`` (``same``) or ``f != g``; ``lit``: the right side's constant (else ``NO_LITERAL``); ``field``:
    the left side is ``x.f`` of a variable, (x, f), read in place (``e.type == 'shipped'``, in every comprehension)."""
    eq = ops.eq
    if type(lit) in (str, int, bool, float):
        lt = type(lit)  # a value of the literal's type: Python's ==
        if field is not None:
            (name, key), select = field, ops.select

            def eq_field(env: Mapping[str, Any]) -> bool:
                try:
                    o = env[name]
                except KeyError:
                    raise _Fallback from None
                v = o[key] if type(o) is dict and key in o else select(o, key)
                return (v == lit) is same if type(v) is lt else eq(v, lit) is same
            return eq_field

        def eq_literal(env: Mapping[str, Any]) -> bool:
            v = f(env)
            return (v == lit) is same if type(v) is lt else eq(v, lit) is same
        return eq_literal

    def equal(env: Mapping[str, Any]) -> bool:
        a, b = f(env), g(env)
        t = type(a)
        if t is type(b) and (t is int or t is str or t is float or t is bool):
            return (a == b) is same  # what eq() answers for two values of one plain type
        return eq(a, b) is same
    return equal


def type_is(name: str, same: bool, f: Fn) -> Fn:
    """``type(f) == name`` (``same``) or ``!=``, ``name`` one of ``ops.TYPES``: the value's kind compared with
    it, as two types compare (by name); a kind with no type of its own here (timestamp, duration) goes to CEL."""
    kind, types = ops.kind, ops.TYPES

    def type_test(env: Mapping[str, Any]) -> bool:
        k = kind(f(env))
        if k not in types:
            raise _Fallback
        return (k == name) is same
    return type_test


def in_words(words: frozenset[str], f: Fn, g: Fn, field: tuple[str, str] | None) -> Fn:
    """``f in ['a', 'b']`` (``g``: the list's closure): text is in it exactly when equal to one of ``words``;
    ``field`` as for ``equality`` (``record.status in [...]``)."""
    contains = ops.contains
    if field is not None:
        (name, key), select = field, ops.select

        def field_in_words(env: Mapping[str, Any]) -> bool:
            try:
                o = env[name]
            except KeyError:
                raise _Fallback from None
            v = o[key] if type(o) is dict and key in o else select(o, key)
            return v in words if type(v) is str else contains(g(env), v)
        return field_in_words

    def in_list(env: Mapping[str, Any]) -> bool:
        v = f(env)
        return v in words if type(v) is str else contains(g(env), v)
    return in_list


_ORDERS: dict[str, Callable[[Any, Any], bool]] = {
    "<": timedelta.__lt__, "<=": timedelta.__le__, ">": timedelta.__gt__, ">=": timedelta.__ge__}


def elapsed(name: str, read: Fn, field: tuple[str, str] | None, op: str, lit: timedelta, general: Fn) -> Fn:
    """``name - timestamp(<read>) <op> <lit>`` (``now - timestamp(e.at) <= duration('24h')``, ``lit`` a folded
    duration) as one closure: two aware instants subtracted and the duration compared in Python, as ``ops.sub``
    and ``order`` do; ``field``: ``read`` is ``x.f`` of a variable, (x, f), read in place. Anything else (a
    variable that is no timestamp, a duration out of CEL's range) is ``general``'s: the closures it replaces."""
    test, select = _ORDERS[op], ops.select

    def since(env: Mapping[str, Any]) -> Any:
        try:
            a = env[name]
        except KeyError:
            raise _Fallback from None
        if field is None:
            v = read(env)
        else:
            try:
                o = env[field[0]]
            except KeyError:
                raise _Fallback from None
            v = o[field[1]] if type(o) is dict and field[1] in o else select(o, field[1])
        t = timestamp_of(v)
        if type(a) is datetime and a.tzinfo is not None:  # (timestamp_of gives an aware datetime or raises)
            try:
                d = a - t
            except OverflowError:
                raise _Fallback from None
            if abs(d.days * 86400 + d.seconds) > MAX_DURATION_S:
                raise _Fallback
            return test(d, lit)
        return general(env)
    return since

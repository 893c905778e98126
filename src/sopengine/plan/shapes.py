"""Closures for the shapes the rules use most, each one Python call where the general form takes several.

``a && b && c`` is one chain, not two nested pairs; ``size(x)`` tests the type inline; a comparison
of two values of one ordered type compares them in Python, with a literal side read once. Each
gives exactly what the general closures give (the differential and conformance tests hold them to CEL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from math import isnan
from typing import Any

from . import ops
from .ops import _Fallback

Fn = Callable[[Mapping[str, Any]], Any]
NO_LITERAL: Any = object()
_ORDERED = frozenset({int, float, str, bool, timedelta})  # one type on both sides: Python orders them as CEL does


def all_of(fns: list[Fn], wins: bool) -> Fn:
    """A chain of && (``wins`` false) or || (true): ``wins`` from any operand decides alone, over errors
    in the others (CEL's commutative operators, associative as they are); else an error (or a value
    that is no bool) in any operand is an error; else ``not wins``."""
    loses = not wins
    if len(fns) == 2:  # the commonest: no loop
        f, g = fns

        def logic(env: Mapping[str, Any]) -> bool:
            a: object  # (not Any: ``a is wins`` must not make ``wins`` Any)
            try:
                a = f(env)
            except _Fallback:
                a = None
            if a is wins:
                return wins
            b: object = g(env)  # if this raises, so does CEL: an error unless the right side wins
            if b is wins:
                return wins
            if a is loses and b is loses:
                return loses
            raise _Fallback
        return logic

    def chain(env: Mapping[str, Any]) -> bool:
        failed = False
        for f in fns:
            r: object
            try:
                r = f(env)
            except _Fallback:
                failed = True
                continue
            if r is wins:
                return wins
            if r is not loses:
                failed = True
        if failed:
            raise _Fallback
        return loses
    return chain


def path_reader(name: str, fields: tuple[str, ...], has: str | None, negate: bool = False) -> Fn:
    """``name.f1.f2...`` as one closure; with ``has``, ``has(name.f1.f2....has)`` instead, and with
    ``negate`` too, ``!has(...)`` (``ops.has`` answers true or false, or raises)."""
    select, has_of = ops.select, ops.has

    def read_path(env: Mapping[str, Any]) -> Any:
        try:
            v = env[name]
        except KeyError:
            raise _Fallback from None
        for f in fields:
            v = v[f] if type(v) is dict and f in v else select(v, f)
        if has is None:
            return v
        if type(v) is dict:
            return (has in v) is not negate
        return has_of(v, has) is not negate
    return read_path


def size_of(f: Fn) -> Fn:
    def size(env: Mapping[str, Any]) -> int:
        v = f(env)
        t = type(v)
        if t is str or t is list or t is dict:
            return len(v)
        raise _Fallback
    return size


def choice(c: Fn, x: Any, y: Any) -> Fn:
    """``c ? x : y`` of two constants (``!c`` is ``c ? false : true``): a condition that is no bool is an error."""
    def chosen(env: Mapping[str, Any]) -> Any:
        v = c(env)
        if v is True:
            return x
        if v is False:
            return y
        raise _Fallback
    return chosen


def arithmetic(fn: Callable[[Any, Any], Any], f: Fn, g: Fn, left: Any, right: Any, name: str | None) -> Fn:
    """``f <op> g`` by ``fn`` (``ops.add`` ...): a side that is a constant (``left``/``right``, else
    ``NO_LITERAL``) taken as it is, a left side that is the variable ``name`` read in place
    (``index - 1``, ``now - timestamp(x)``, ``gmv * 0.99``): one call where there were two or three."""
    if name is not None:
        def of_variable(env: Mapping[str, Any]) -> Any:
            try:
                a = env[name]
            except KeyError:
                raise _Fallback from None
            return fn(a, right if right is not NO_LITERAL else g(env))
        return of_variable
    if right is not NO_LITERAL:
        return lambda env: fn(f(env), right)
    if left is not NO_LITERAL:
        return lambda env: fn(left, g(env))
    return lambda env: fn(f(env), g(env))


_SIZE_TESTS: dict[str, Callable[[int, int], bool]] = {
    "<": int.__lt__, "<=": int.__le__, ">": int.__gt__, ">=": int.__ge__, "==": int.__eq__, "!=": int.__ne__}


def size_compared(f: Fn, op: str, lit: int) -> Fn:
    """``size(x) <op> <int literal>`` as one closure: ``size_of``'s length, compared as two ints compare."""
    test = _SIZE_TESTS[op]

    def size_is(env: Mapping[str, Any]) -> bool:
        v = f(env)
        t = type(v)
        if t is str or t is list or t is dict:
            return test(len(v), lit)
        raise _Fallback
    return size_is


def order(op: str, f: Fn, g: Fn, lit: Any, fields: tuple[tuple[str, str], tuple[str, str]] | None = None) -> Fn:
    """``<``, ``>``, ``<=``, ``>=``: two values of one ordered type compare as in Python (timestamps when
    both are aware), anything else as ``ops.less``/``ops.le`` say; ``lit``: the right side's literal;
    ``fields``: each side a field of a variable, (variable, field), read in place."""
    flip, strict = op[0] == ">", len(op) == 1
    test = ops.less if strict else ops.le
    if lit is not NO_LITERAL:
        lt = type(lit)
        if lt not in _ORDERED:
            return lambda env: test(lit, f(env)) if flip else test(f(env), lit)
        # the other number type, where Python compares it with the literal exactly as CEL does
        # (ops._num_pair: ints within 2**53 of zero, no NaN): rate >= 0, count > 0.5
        other = float if lt is int and abs(lit) <= ops.EXACT_FLOAT_INT else int if lt is float else None

        def with_literal(env: Mapping[str, Any]) -> bool:
            v = f(env)
            tv = type(v)
            if tv is lt or (tv is other and (not isnan(v) if tv is float else -ops.EXACT_FLOAT_INT <= v <= ops.EXACT_FLOAT_INT)):
                if flip:
                    return bool(lit < v) if strict else bool(lit <= v)
                return bool(v < lit) if strict else bool(v <= lit)
            return test(lit, v) if flip else test(v, lit)
        return with_literal

    if fields is not None:  # r.at <= l.at, e.at <= record.starts_at: both fields read here
        (x, fx), (y, fy) = fields[::-1] if flip else fields
        select = ops.select

        def compare_fields(env: Mapping[str, Any]) -> bool:
            try:
                o, p = env[x], env[y]
            except KeyError:
                raise _Fallback from None
            a = o[fx] if type(o) is dict and fx in o else select(o, fx)
            b = p[fy] if type(p) is dict and fy in p else select(p, fy)
            t = type(a)
            if t is type(b) and (t in _ORDERED or (t is datetime and a.tzinfo is not None and b.tzinfo is not None)):
                return bool(a < b) if strict else bool(a <= b)
            return test(a, b)
        return compare_fields

    def compare(env: Mapping[str, Any]) -> bool:
        a, b = (g(env), f(env)) if flip else (f(env), g(env))
        t = type(a)
        if t is type(b) and (t in _ORDERED or (t is datetime and a.tzinfo is not None and b.tzinfo is not None)):
            return bool(a < b) if strict else bool(a <= b)
        return test(a, b)
    return compare

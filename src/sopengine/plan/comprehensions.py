"""The comprehension macros (``exists``, ``all``, ``exists_one``, ``filter``, ``map``) as closures.

``exists``/``all`` absorb an error in one iteration when another decides alone (CEL's
commutative semantics); ``exists_one``, ``filter`` and ``map`` are strict. Every
comprehension counts its iterations against a budget shared with the comprehensions
nested in it (past ``limit`` CEL evaluates, and reports its own budget error).

The loop variable is bound in a scope: the outermost comprehension of an evaluation
copies the caller's variables once (the caller's mapping is never written) and stores
the budget in the copy; a comprehension nested in it binds its variable in that same
scope, since no closure reads a name the translator did not resolve to it, unless the
variable shadows a name in scope: then it copies, so the shadowed value is never lost.

Over the events of one type (plan/events.py) the body's leading ``x.type == '<text>'``
holds for every event visited, and ``true && rest`` is ``rest`` wherever a comprehension
can tell (a value that is not a bool is an error either way), so the picked events are
judged by the rest alone, and a filter with no rest is the picked events themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .events import BY_TYPE
from .ops import _Fallback
from .shapes import all_of
from .unknown import Open

Fn = Callable[[Mapping[str, Any]], Any]
BUDGET = " iterations"  # a key no CEL identifier can be
_NONE: list[Any] = []  # no event of the type (never written: only read)
_NO_SCOPE: dict[str, Any] = {}


def _items(v: Any) -> list[Any]:
    """What a comprehension runs over: a list (or an Open one), a map's keys."""
    if type(v) is dict:
        keys = list(v)  # a map's comprehension runs over its keys
        for k in keys:
            if type(k) is not str:
                raise _Fallback
        return keys
    if type(v) is not list and type(v) is not Open:
        raise _Fallback
    return v


def comprehension(kind: str, var: str, src: Fn, fn: Fn, etype: str | None, picked: Fn | None, shadows: bool,
                  nested: bool, limit: list[int], guard: tuple[tuple[str, ...], str, Fn] | None = None,
                  of_type: str | None = None, negate: bool = False) -> Fn:
    """The closure of ``<src>.<kind>(var, <fn>)``; over the events of ``etype`` (when the evaluator indexed
    them) the body is ``picked`` instead (None: always true), see the module's docstring. ``nested``: the
    comprehension is in another's body (so it is always called with that one's scope, which holds the budget).
    ``guard`` (an exists or all outside any comprehension, over ``x.f`` or ``x.a.f``): ((x, a), f, the closure of
    ``has(x.a.f)``), and the closure is that of ``has(x.a.f) && x.a.f.<kind>(...)``: false where a map lacks
    ``f``; where the path meets anything but a map, the two closures chained as ``&&`` chains them.
    ``of_type``: ``src`` is ``events.filter(x, x.type == of_type)``, whose list the index holds: read there
    (its iterations counted as the filter counts them). ``negate`` (exists, all): the closure of ``!<it>``."""

    def enter(env: Mapping[str, Any]) -> tuple[list[Any], Fn | None, dict[str, Any]]:
        index = env.get(BY_TYPE) if etype is not None else None
        body: Fn | None
        skipped = 0  # the iterations of a filter whose list is read from the index
        if index is None:
            typed = env.get(BY_TYPE) if of_type is not None else None
            if typed is None:
                xs = src(env)
                if type(xs) is not list:  # (a list is its own items: no call)
                    xs = _items(xs)
            else:
                xs, skipped = typed[1].get(of_type, _NONE), typed[0]
            body, n = fn, len(xs)
        else:
            xs, body, n = index[1].get(etype, _NONE), picked, index[0]  # every event counts, visited or not
        if nested:
            budget = env[BUDGET]
            budget[0] += n + skipped
            if budget[0] > limit[0]:
                raise _Fallback
            return xs, body, dict(env) if shadows and xs else env  # type: ignore[return-value]  # (the enclosing scope)
        if n > limit[0] or skipped > limit[0]:
            raise _Fallback
        if body is None or not xs:
            return xs, body, _NO_SCOPE  # nothing to bind (no body, or no item to bind it to): no scope
        scope = dict(env)
        scope[BUDGET] = [n]
        return xs, body, scope

    # events.filter(...) outside any other comprehension: the commonest filter, which does enter's work
    # itself, without its call (exists and all do it for any list)
    top_picked = etype is not None and not nested

    if kind in ("exists", "all"):
        wins = kind == "exists"
        loses = not wins
        says, denies = (loses, wins) if negate else (wins, loses)  # what the closure answers when it wins, loses
        if guard is not None:
            (name, *path), field, has = guard
            general = all_of([has, comprehension(kind, var, src, fn, etype, picked, shadows, nested, limit)], False)

        def quantifier(env: Mapping[str, Any]) -> bool:
            body: Fn | None
            if nested:
                xs, body, scope = enter(env)
                if body is None:  # picked events, nothing else to test (exists only)
                    return says if xs else denies
            else:  # enter's work, without its call: what most rules ask, record.skus.all(...) as events.exists(...)
                index = env.get(BY_TYPE) if etype is not None else None
                if index is None:
                    typed = env.get(BY_TYPE) if of_type is not None else None
                    if typed is not None:
                        if typed[0] > limit[0]:
                            raise _Fallback  # (the filter's own count)
                        xs = typed[1].get(of_type, _NONE)
                    elif guard is None:
                        xs = src(env)
                    else:  # the path read here, and has() answered on the way
                        try:
                            xs = env[name]
                        except KeyError:
                            raise _Fallback from None
                        for p in path:
                            if type(xs) is not dict or p not in xs:
                                return general(env)  # type: ignore[no-any-return]
                            xs = xs[p]
                        if type(xs) is not dict:
                            return general(env)  # type: ignore[no-any-return]
                        if field not in xs:
                            return False
                        xs = xs[field]
                    if type(xs) is not list:
                        xs = _items(xs)
                    body, n = fn, len(xs)
                else:  # (an exists: picked_type picks no type for an all)
                    xs, body, n = index[1].get(etype, _NONE), picked, index[0]
                if n > limit[0]:
                    raise _Fallback
                if body is None:  # picked events, nothing else to test
                    return says if xs else denies
                if not xs:
                    return denies  # (no event of the type, an empty list: nothing to bind, no scope)
                scope = dict(env)
                scope[BUDGET] = [n]
            failed = False
            for x in xs:
                scope[var] = x
                r: object
                try:
                    r = body(scope)
                except _Fallback:
                    failed = True
                    continue
                if r is wins:
                    return says
                if r is not loses:
                    failed = True
            if failed:
                raise _Fallback
            return denies
        return quantifier
    if kind == "exists_one":
        def exists_one(env: Mapping[str, Any]) -> bool:
            xs, body, scope = enter(env)
            if type(xs) is Open:
                raise _Fallback  # how many of the unknown elements match is unknown
            if body is None:
                return len(xs) == 1
            n = 0
            for x in xs:
                scope[var] = x
                r = body(scope)
                if r is True:
                    n += 1
                elif r is not False:
                    raise _Fallback
            return n == 1
        return exists_one
    if kind == "filter":
        def filter_(env: Mapping[str, Any]) -> list[Any]:
            index = env.get(BY_TYPE) if top_picked else None
            body: Fn | None
            if index is not None:
                xs = index[1].get(etype, _NONE)
                if index[0] > limit[0]:
                    raise _Fallback
                if picked is None or not xs:
                    return list(xs)  # the events of the type, or none
                body, scope = picked, dict(env)
                scope[BUDGET] = [index[0]]
            else:
                xs, body, scope = enter(env)
                if body is None:
                    return list(xs)
            out = []
            for x in xs:
                scope[var] = x
                r = body(scope)
                if r is True:
                    out.append(x)
                elif r is not False:
                    raise _Fallback
            return Open(out) if type(xs) is Open else out
        return filter_

    def map_(env: Mapping[str, Any]) -> list[Any]:
        xs, _, scope = enter(env)
        out = []
        for x in xs:
            scope[var] = x
            out.append(fn(scope))
        return Open(out) if type(xs) is Open else out
    return map_

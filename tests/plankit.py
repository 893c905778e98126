"""What the plan tests share: CEL's notion of the same value (type and value; NaN equals NaN)."""

from __future__ import annotations

import math


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def cel(source: str, extra: tuple[str, ...] = ()):
    """``source`` evaluated by CEL alone (``compile_expression`` would try the translated plan first)."""
    from sopengine.expr import Expression, compile_expression

    e = compile_expression(source, extra)
    return Expression(e.source, e._compiled, None, e.extra, e.consts)

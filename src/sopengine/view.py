"""The record as CEL sees it: timestamps with explicit offsets, money as numbers, nothing CEL cannot hold.

Built once per record, before any rule reads it. ``build_view`` converts any
value a Python caller may pass (Decimals, datetimes, tuples, ints past int64);
``screened_view`` is the fast path for a record the engine has screened as
plain JSON data (``inputs.json_data.screen``): only the values the schema's
``ViewPlan`` converts, and the containers on the way to them, are new; every
other part is the record's own object, shared, since nothing that reads the
view writes to it (the plan's closures copy what they return, CEL copies on entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from .chrono.instants import (
    ValueProblem,
    parse_instant,
    parse_until,
    rfc3339,
    to_decimal,
)
from .loader import escape
from .schema_fields import ViewPlan

_INT64 = 2**63 - 1


def build_view(value: Any, plan: ViewPlan | None, tz: tzinfo) -> Any:
    """The view of any value. Raises ValueProblem for a value its schema type cannot read."""
    if plan is not None and plan.kind is not None and value is not None:
        if plan.kind == "timestamp":
            return rfc3339(parse_instant(value, tz), tz)  # one zone: RFC 3339 strings then compare as text
        if plan.kind == "until":  # a day or an instant; a day is kept through its end
            return rfc3339(parse_until(value, tz), tz)
        if plan.kind == "money":
            return float(to_decimal(value))
    t = type(value)
    if t is str or t is float or t is bool or value is None:  # exact types first: isinstance on ABCs is slow
        return value
    if t is dict or isinstance(value, Mapping):
        props = plan.props if plan is not None else {}
        return {str(k): build_view(v, props.get(k), tz) for k, v in value.items()}
    if t is list or isinstance(value, tuple):
        items = plan.items if plan is not None else None
        return [build_view(v, items, tz) for v in value]
    if isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return value if -_INT64 - 1 <= value <= _INT64 else float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return rfc3339(value if value.tzinfo else value.replace(tzinfo=tz))
    return str(value)


def screened_view(value: Any, plan: ViewPlan, tz: tzinfo) -> Any:
    """``build_view`` of a screened record (dicts with text keys, lists, text, finite floats, bools,
    None and int64 ints only): equal to it, sharing what needs no conversion. A ValueProblem may
    name another bad value than ``build_view`` would first meet; ``view_problem`` then names the
    one ``build_view`` meets, so the error is the same."""
    kind = plan.kind
    if kind is not None and value is not None:
        if kind == "timestamp":
            return rfc3339(parse_instant(value, tz), tz)
        if kind == "until":
            return rfc3339(parse_until(value, tz), tz)
        if kind == "money":
            return float(to_decimal(value))
    t = type(value)
    if t is dict:
        props = plan.props
        if not props:
            return value
        out = None
        for k, sub in props.items():
            v = value.get(k)
            if v is None and k not in value:
                continue
            w = screened_view(v, sub, tz)
            if w is not v:
                if out is None:
                    out = dict(value)
                out[k] = w
        return value if out is None else out
    if t is list:
        items = plan.items
        if items is None:
            return value
        return [screened_view(v, items, tz) for v in value]
    return value


def view_problem(value: Any, plan: ViewPlan | None, tz: tzinfo, pointer: str = "") -> ValueProblem:
    """The ValueProblem ``build_view`` raised, prefixed with the JSON Pointer of the value.

    The slow path, taken only after building the view has failed: the view is built for
    every record, so it does not carry pointers itself.
    """
    if plan is not None and plan.kind is not None and value is not None:
        try:
            build_view(value, plan, tz)
        except ValueProblem as exc:
            return ValueProblem(f"{pointer or 'the record'}: {exc}")
        return ValueProblem(f"{pointer or 'the record'}: unreadable value")
    if isinstance(value, Mapping):
        props = plan.props if plan is not None else {}
        for k, v in value.items():
            found = _failing(v, props.get(k), tz, f"{pointer}/{escape(str(k))}")
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _failing(v, plan.items if plan is not None else None, tz, f"{pointer}/{i}")
            if found is not None:
                return found
    return ValueProblem(f"{pointer or 'the record'}: unreadable value")


def _failing(value: Any, plan: ViewPlan | None, tz: tzinfo, pointer: str) -> ValueProblem | None:
    try:
        build_view(value, plan, tz)
    except ValueProblem:
        return view_problem(value, plan, tz, pointer)
    return None

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

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from .chrono.instants import (
    ValueProblem,
    parse_instant,
    parse_until,
    rfc3339,
    shown_as_read,
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
    return _converter(plan)(value, tz)


Convert = Callable[[Any, tzinfo], Any]
_CONVERTERS: dict[int, tuple[ViewPlan, Convert]] = {}  # by id(plan), the plan kept so that its id stays its own


def _converter(plan: ViewPlan) -> Convert:
    """``plan`` as one function per level, made once per plan: the view of every record walks the
    same plan, and the walk's dispatch on the plan (kind? props? items?) is the same each time."""
    hit = _CONVERTERS.get(id(plan))
    if hit is None or hit[0] is not plan:
        if len(_CONVERTERS) >= 4096:
            _CONVERTERS.clear()
        hit = _CONVERTERS[id(plan)] = (plan, _convert(plan) or _same)
    return hit[1]


def _same(value: Any, tz: tzinfo) -> Any:
    return value


def _convert(plan: ViewPlan) -> Convert | None:
    """The converter of ``plan``, or None where it converts nothing a screened record can hold (dates,
    and containers holding only those, are their own view), so that no call is made for them."""
    return _parts(plan)[0]


OfDict = Callable[[dict[str, Any], tzinfo], dict[str, Any]]


def _parts(plan: ViewPlan) -> tuple[Convert | None, OfDict | None]:
    """``_convert(plan)``, and what it does to a dict (None: nothing, or the plan converts the value itself),
    which the converter of a list of such objects calls for each object itself (no call per object)."""
    leaf = _LEAVES.get(plan.kind) if plan.kind is not None else None
    if leaf is not None:
        return leaf, None
    of_dict = _of_dict(plan)
    items, each = _parts(plan.items) if plan.items is not None else (None, None)
    if of_dict is None and items is None:
        return None, None

    def convert(value: Any, tz: tzinfo) -> Any:
        t = type(value)
        if t is dict:
            return value if of_dict is None else of_dict(value, tz)
        if t is list and items is not None:
            if each is None:
                return [items(v, tz) for v in value]
            return [each(v, tz) if type(v) is dict else items(v, tz) for v in value]
        return value
    return convert, of_dict


def _of_dict(plan: ViewPlan) -> OfDict | None:
    """What the converter of ``plan`` (no ``kind``) does to a dict; None if nothing. Timestamps, most of what
    a view converts, are read by ``shown_as_read`` itself (one call, not two); the order in which a dict's
    values are converted is free: which bad value raises first, ``view_problem`` decides."""
    props = tuple((k, c) for k, sub in plan.props.items() if (c := _convert(sub)) is not None)
    if not props:
        return None
    stamps = tuple(k for k, c in props if c is _timestamp)
    others = tuple((k, c) for k, c in props if c is not _timestamp)

    def of_dict(value: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
        out = None
        for k in stamps:
            v = value.get(k)
            if v is None:  # absent, or null: a null is its own view
                continue
            text = shown_as_read(v, tz)
            if text != v:  # (text already in that form is its own view: the dict holding it is not copied)
                if out is None:
                    out = dict(value)
                out[k] = text
        for k, sub in others:
            v = value.get(k)
            if v is None:
                continue
            w = sub(v, tz)
            if w is not v:
                if out is None:
                    out = dict(value)
                out[k] = w
        return value if out is None else out
    return of_dict


def _timestamp(value: Any, tz: tzinfo) -> Any:
    """The view of a timestamp: its RFC 3339 text in ``tz`` (``shown_as_read``, remembered). Text already
    in that form is its own view, so the object holding it need not be copied."""
    if value is None:
        return None
    text = shown_as_read(value, tz)
    return value if text == value else text


def _until(value: Any, tz: tzinfo) -> Any:
    return None if value is None else rfc3339(parse_until(value, tz), tz)


_AMOUNTS: dict[str, float] = {}


def _money(value: Any, tz: tzinfo) -> Any:
    """The view of an amount: a number. Amounts written as text recur (prices, fees), and reading one
    exactly costs ten look-ups, so they are remembered (a bounded table; floats are immutable)."""
    if type(value) is not str:
        return None if value is None else float(to_decimal(value))
    amount = _AMOUNTS.get(value)
    if amount is None:
        amount = float(to_decimal(value))  # (raises for text that is no amount: nothing is remembered)
        if len(_AMOUNTS) >= 8192:
            _AMOUNTS.clear()
        _AMOUNTS[value] = amount
    return amount


_LEAVES: dict[str, Convert] = {"timestamp": _timestamp, "until": _until, "money": _money}  # a plan's kind: its converter


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

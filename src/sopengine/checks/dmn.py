"""Decision tables (DMN): cell conditions, hit policies, and overlap analysis, without CEL.

A rule row is a conjunction of one condition per input; a condition is ``-``
(anything), an equality (a number, text, true/false, null), a range
(``>= 100000``, ``[50000..100000)``, ``]0..1]``), a list meaning any of its
conditions, or a CEL test (``{expr: ...}``, where ``item`` is the input value).
Numbers compare as exact decimals (a gross margin of 0.5 is ``>= 0.5``, with no
float rounding either way), and ``true`` never equals ``1``.

Because every condition except a CEL test is a set of values known at load
time, whether two rows of a *unique* table can match the same inputs is decided
exactly there: the rows overlap if and only if, for every input, their two
conditions have a value in common (the rows are boxes in input space). A CEL
test is unknown until run time, so a pair involving one is left to the run-time
check, which reports the rows that matched together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import SopError

POLICIES = ("unique", "first", "priority", "collect")
AGGREGATIONS = ("sum", "min", "max", "count")
_NUM = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"  # ASCII: Decimal() also reads "８０"
_CMP = re.compile(rf"^(<=|>=|<|>|=|≤|≥)\s*({_NUM})$")
_RANGE = re.compile(rf"^([\[(\]])\s*({_NUM})\s*\.\.\s*({_NUM})\s*([\])\[])$")

Test = Callable[[Any, Any], bool]  # (CEL expression, input value) -> bool


_EXACT: dict[float, Decimal] = {}  # non-zero floats: equal ones have one repr, so one exact value


def number(v: Any) -> Decimal | None:
    """The exact value of a JSON/CEL number; None for anything else (booleans included)."""
    t = type(v)
    if t is float and v:  # (not 0.0, whose twin -0.0 is equal but writes as -0.0)
        d = _EXACT.get(v)
        if d is None:
            if not math.isfinite(v):
                return None
            if len(_EXACT) >= 4096:
                _EXACT.clear()
            d = _EXACT[v] = Decimal(repr(v))
        return d
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v)) if math.isfinite(v) else None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    return None


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    na, nb = number(a), number(b)
    if na is not None and nb is not None:
        return na == nb
    return type(a) is type(b) and a == b


def plain(d: Decimal) -> int | float:
    """A decimal result for CEL and JSON: an int when whole (12, not 12.0)."""
    return int(d) if d == d.to_integral_value() else float(d)


class Cond:
    text: str = "-"

    def matches(self, v: Any, test: Test) -> bool:
        return True


class AnyValue(Cond):
    pass


@dataclass(frozen=True)
class Equal(Cond):
    value: Any
    text: str

    def matches(self, v: Any, test: Test) -> bool:
        return same(v, self.value)


@dataclass(frozen=True)
class Interval(Cond):
    lo: Decimal | None
    lo_closed: bool
    hi: Decimal | None
    hi_closed: bool
    text: str

    def contains(self, n: Decimal | int) -> bool:
        if self.lo is not None and (n < self.lo or (n == self.lo and not self.lo_closed)):
            return False
        return not (self.hi is not None and (n > self.hi or (n == self.hi and not self.hi_closed)))

    def matches(self, v: Any, test: Test) -> bool:
        if type(v) is int:  # an int compares with the Decimal bounds exactly: no Decimal of it needed
            return self.contains(v)
        n = number(v)
        return n is not None and self.contains(n)


@dataclass(frozen=True)
class OneOf(Cond):
    parts: tuple[Cond, ...]
    text: str

    def matches(self, v: Any, test: Test) -> bool:
        return any(p.matches(v, test) for p in self.parts)


@dataclass(frozen=True)
class Dynamic(Cond):
    expr: Any
    text: str

    def matches(self, v: Any, test: Test) -> bool:
        return v is not None and test(self.expr, v)  # a missing input matches no CEL test


def parse_cell(cell: Any, compile_test: Callable[[str], Any]) -> Cond:
    """One condition cell; raises ValueError with what is wrong."""
    if isinstance(cell, list):
        if not cell:
            raise ValueError("an empty list matches nothing; write - for any value")
        return OneOf(tuple(parse_cell(c, compile_test) for c in cell), " or ".join(map(_show_cell, cell)))
    if isinstance(cell, Mapping):
        if set(cell) != {"expr"} or not isinstance(cell["expr"], str):
            raise ValueError("a condition object is {expr: <CEL over item>}")
        return Dynamic(compile_test(cell["expr"]), cell["expr"])
    if isinstance(cell, str):
        s = cell.strip()
        if s == "-":
            return AnyValue()
        m = _CMP.match(s)
        if m:
            op, n = m.group(1).replace("≤", "<=").replace("≥", ">="), Decimal(m.group(2))
            if op == "=":
                return Interval(n, True, n, True, s)
            return Interval(n if op[0] == ">" else None, op == ">=", n if op[0] == "<" else None, op == "<=", s)
        m = _RANGE.match(s)
        if m:
            lo, hi = Decimal(m.group(2)), Decimal(m.group(3))
            lo_closed, hi_closed = m.group(1) == "[", m.group(4) == "]"
            if lo > hi or (lo == hi and not (lo_closed and hi_closed)):
                raise ValueError(f"range {s!r} is empty")
            return Interval(lo, lo_closed, hi, hi_closed, s)
        if s[:1] in "<>=[(]≤≥":
            raise ValueError(f"{cell!r} is not a range: write e.g. >= 100000, < 0.5, [50000..100000) or ]0..1]")
        return Equal(cell, repr(cell))
    if cell is None or isinstance(cell, (bool, int, float)):
        return Equal(cell, _show_cell(cell))
    raise ValueError(f"{cell!r} is not a condition")


def _show_cell(c: Any) -> str:
    return "null" if c is None else str(c).lower() if isinstance(c, bool) else str(c)


def intersects(a: Cond, b: Cond) -> bool | None:
    """Whether some value satisfies both; None when a CEL test makes it unknowable before run time."""
    if isinstance(a, Dynamic) or isinstance(b, Dynamic):
        return None
    if isinstance(a, AnyValue) or isinstance(b, AnyValue):
        return True
    if isinstance(a, OneOf) or isinstance(b, OneOf):
        parts_a = a.parts if isinstance(a, OneOf) else (a,)
        parts_b = b.parts if isinstance(b, OneOf) else (b,)
        results = [intersects(x, y) for x in parts_a for y in parts_b]
        return True if True in results else None if None in results else False
    if isinstance(a, Equal) and isinstance(b, Equal):
        return same(a.value, b.value)
    if isinstance(a, Equal) or isinstance(b, Equal):
        eq, iv = (a, b) if isinstance(a, Equal) else (b, a)
        assert isinstance(eq, Equal) and isinstance(iv, Interval), "what is left of a cell: a value or an interval"
        n = number(eq.value)
        return n is not None and iv.contains(n)
    assert isinstance(a, Interval) and isinstance(b, Interval), "what is left of a cell: a value or an interval"
    return _intervals_meet(a, b)


def _intervals_meet(a: Interval, b: Interval) -> bool:
    lo, lo_closed = a.lo, a.lo_closed
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and not b.lo_closed)):
        lo, lo_closed = b.lo, b.lo_closed
    hi, hi_closed = a.hi, a.hi_closed
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and not b.hi_closed)):
        hi, hi_closed = b.hi, b.hi_closed
    if lo is None or hi is None:
        return True
    return lo < hi or (lo == hi and lo_closed and hi_closed)


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, as people number table rows
    conds: Mapping[str, Cond]
    out: Mapping[str, Any]
    # the conditions that can fail (not ``-``), as pairs: what matches() runs for every row of every record
    tests: tuple[tuple[str, Cond], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tests", tuple((n, c) for n, c in self.conds.items() if not isinstance(c, AnyValue)))

    def matches(self, values: Mapping[str, Any], test: Test) -> bool:
        for name, c in self.tests:  # a loop, not all() over a generator
            if not c.matches(values.get(name), test):
                return False
        return True


def overlaps(a: Row, b: Row) -> bool | None:
    """True: some inputs match both rows; False: none can; None: only run time can tell."""
    verdict: bool | None = True
    for name, ca in a.conds.items():
        r = intersects(ca, b.conds[name])
        if r is False:
            return False
        if r is None:
            verdict = None
    return verdict


def describe_overlap(a: Row, b: Row) -> str:
    shared = [f"{n} {a.conds[n].text} / {b.conds[n].text}" for n in a.conds
              if not (isinstance(a.conds[n], AnyValue) and isinstance(b.conds[n], AnyValue))]
    return "; ".join(shared) or "both match any input"


class NotUnique(SopError):
    """Several rows of a UNIQUE table match one input: the table, not the record, is wrong."""

    def __init__(self, rows: Sequence[Row]) -> None:
        super().__init__(f"rows {', '.join(str(r.number) for r in rows)} match at once")
        self.rows = rows


@dataclass(frozen=True)
class Output:
    name: str
    values: tuple[Any, ...] | None = None  # allowed values, highest priority first

    def rank(self, v: Any) -> int:
        assert self.values is not None
        return next(i for i, x in enumerate(self.values) if same(x, v))


def decide(policy: str, aggregation: str | None, outputs: Sequence[Output],
           matched: Sequence[Row]) -> tuple[Any, list[Row]]:
    """(the table's result, the rows that made it) for the matched rows.

    The result is None when a single-hit table (or an aggregation) has nothing to
    give. The rows are DMN's "hits": the matched rows the hit policy uses.
    """
    if policy == "collect":
        if aggregation is None:
            return [dict(r.out) for r in matched], list(matched)
        name = outputs[0].name
        if aggregation == "count":
            return {name: len(matched)}, list(matched)
        if not matched:
            return None, []
        # every one a number: the table's __init__ refuses a sum, min or max over anything else
        nums = [n for r in matched if (n := number(r.out[name])) is not None]
        agg = sum(nums, Decimal(0)) if aggregation == "sum" else min(nums) if aggregation == "min" else max(nums)
        return {name: plain(agg)}, list(matched)
    if not matched:
        return None, []
    if policy == "unique" and len(matched) > 1:
        raise NotUnique(matched)
    best = matched[0]
    if policy == "priority":
        ranked = [o for o in outputs if o.values is not None]
        best = min(matched, key=lambda r: tuple(o.rank(r.out[o.name]) for o in ranked))
    return dict(best.out), [best]

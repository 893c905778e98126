"""CEL's operators and functions on Python values, exactly or not at all (timestamps and durations: times.py).

Values: bool, int (int64), float (double), str, None (null), list, dict (string keys),
aware datetime (timestamp), timedelta (duration), ``CelType``. Every function here
either returns what CEL returns or raises ``_Fallback``: for CEL errors (a missing
key, a type with no overload, int64 overflow, division by zero) and equally for
values outside the subset (bytes, uint, nanoseconds, NaN next to an int), which CEL
then evaluates itself.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from .unknown import Open, Partial

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EXACT_FLOAT_INT = 2**53  # beyond this an int and a double may compare differently in C++
MAX_DURATION_S = 315_576_000_000  # CEL's duration range, +-10000 years
_MIN_TS = datetime(1, 1, 1, tzinfo=UTC)
_MAX_TS = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


class _Fallback(Exception):
    """CEL would report an error here, or the value is outside the subset: evaluate with CEL.

    Raised as the class (``raise _Fallback``), so each raise is a fresh instance: one shared instance
    collected every raise's traceback in a chain that never ended (holding each frame, and so each
    record's variables, alive) and shared it between threads."""




class CelType:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"CelType({self.name})"


TYPES = {n: CelType(n) for n in ("int", "double", "bool", "string", "list", "map", "null_type", "type")}
_KIND = {bool: "bool", int: "int", float: "double", str: "string", type(None): "null_type", list: "list", dict: "map",
         timedelta: "duration", CelType: "type"}


def kind(v: Any) -> str:
    """CEL's type name of a value the subset covers; _Fallback for anything else (bytes, Decimal, ...)."""
    k = _KIND.get(type(v))
    if k is None:
        if type(v) is datetime and v.tzinfo is not None:
            return "timestamp"
        raise _Fallback
    if k == "int" and not INT64_MIN <= v <= INT64_MAX:
        raise _Fallback
    return k


def _num_pair(a: Any, b: Any) -> bool:
    """True if a and b are both numbers that compare exactly in Python as in CEL's C++."""
    ta, tb = type(a), type(b)
    if ta is tb:
        return ta is int or ta is float
    if {ta, tb} == {int, float}:
        i, f = (a, b) if ta is int else (b, a)
        if abs(i) > EXACT_FLOAT_INT or math.isnan(f):
            raise _Fallback
        return True
    return False


def eq(a: Any, b: Any) -> bool:
    """CEL's heterogeneous equality: values of different kinds are unequal, numbers compare by value."""
    ta = type(a)
    if ta is type(b) and (ta is str or ta is bool or ta is float):
        return bool(a == b)
    if _num_pair(a, b):
        return bool(a == b)
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))
    if ka == "map":
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if type(k) is not str:
                raise _Fallback
            if k not in b or not eq(v, b[k]):
                return False
        return True
    if ka == "type":
        return bool(a.name == b.name)
    return bool(a == b)


_ORDERED = {"bool", "string", "timestamp", "duration"}


def less(a: Any, b: Any) -> bool:
    if _num_pair(a, b):
        return bool(a < b)
    ka = kind(a)
    if ka in _ORDERED and ka == kind(b):
        return bool(a < b)
    raise _Fallback  # no overload


def le(a: Any, b: Any) -> bool:
    return less(a, b) or eq(a, b)


def int64(v: int) -> int:
    if not INT64_MIN <= v <= INT64_MAX:
        raise _Fallback  # integer overflow
    return v


def check_ts(t: datetime) -> datetime:
    if not _MIN_TS <= t <= _MAX_TS:
        raise _Fallback
    return t


def check_dur(d: timedelta) -> timedelta:
    if abs(d.days * 86400 + d.seconds) > MAX_DURATION_S:
        raise _Fallback
    return d


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is int:
            r = a + b
            if INT64_MIN <= r <= INT64_MAX:  # (int64's test, without its call: these are the commonest)
                return r
            raise _Fallback  # integer overflow
        if ta is float or ta is str or ta is list:
            return a + b
        if ta is timedelta:
            return check_dur(a + b)
        if ta is datetime:
            raise _Fallback
    try:
        if ta is datetime and tb is timedelta and a.tzinfo is not None:  # (kind(a) == "timestamp", without the call)
            return check_ts(a + b)
        if ta is timedelta and tb is datetime and b.tzinfo is not None:
            return check_ts(b + a)
    except OverflowError:
        raise _Fallback from None
    raise _Fallback


def sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    try:
        if ta is tb:
            if ta is int:
                r = a - b
                if INT64_MIN <= r <= INT64_MAX:
                    return r
                raise _Fallback
            if ta is float:
                return a - b
            if ta is timedelta:
                return check_dur(a - b)
            if ta is datetime and a.tzinfo is not None and b.tzinfo is not None:  # both timestamps (kind's test)
                return check_dur(a - b)
        elif ta is datetime and tb is timedelta and a.tzinfo is not None:
            return check_ts(a - b)
    except OverflowError:
        raise _Fallback from None
    raise _Fallback


def mul(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            r = a * b
            if INT64_MIN <= r <= INT64_MAX:
                return r
            raise _Fallback
        if ta is float:
            return a * b
    raise _Fallback


def div(a: Any, b: Any) -> Any:
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0 or (a == INT64_MIN and b == -1):
                raise _Fallback  # divide by zero, overflow
            q = abs(a) // abs(b)
            return q if (a < 0) == (b < 0) else -q  # truncated toward zero
        if ta is float:
            if b == 0.0:
                if a == 0.0 or math.isnan(a):
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
            return a / b
    raise _Fallback


def mod(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        if b == 0 or (a == INT64_MIN and b == -1):
            raise _Fallback
        r = abs(a) % abs(b)
        return r if a >= 0 else -r  # the sign of the dividend
    raise _Fallback


def neg(a: Any) -> Any:
    t = type(a)
    if t is int:
        return int64(-a)
    if t is float:
        return -a
    if t is timedelta:
        return check_dur(-a)
    raise _Fallback


def contains(container: Any, v: Any) -> bool:
    """``v in container``."""
    t = type(container)
    if t is list:
        for x in container:
            if eq(v, x):
                return True
        return False
    if t is dict and type(v) is str:
        return v in container
    raise _Fallback


def size(v: Any) -> int:
    t = type(v)
    if t is str or t is list or t is dict:
        return len(v)
    raise _Fallback


def select(v: Any, name: str) -> Any:
    if type(v) is dict or (type(v) is Partial and name in v):
        try:
            return v[name]
        except KeyError:
            raise _Fallback from None  # no such key
    raise _Fallback  # not a map, or a key of a Partial that may or may not exist


def has(v: Any, name: str) -> bool:
    if type(v) is dict or (type(v) is Partial and not v.unknowable(name)):
        return name in v
    raise _Fallback


def index(v: Any, i: Any) -> Any:
    t = type(v)
    if t is list and type(i) is int:
        if 0 <= i < len(v):
            return v[i]
        raise _Fallback  # index out of range
    if t is dict and type(i) is str:
        return select(v, i)
    raise _Fallback


def string_of(v: Any) -> str:
    t = type(v)
    if t is str:
        s: str = v
        return s
    if t is int:
        return str(int64(v))
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return double_text(v)
    raise _Fallback  # timestamps and durations are formatted by CEL


def double_text(d: float) -> str:
    """``string(double)`` as CEL writes it: the shortest digits that read back as ``d`` (Python's repr
    finds the same), in exponent form (``1.234567e+06``, ``1e-05``) when the decimal exponent is below
    -4 or 6 and over, else positional (``123456``, ``0.0001``, ``2.5``); ``inf``, ``-0``. A NaN goes to
    CEL (which writes its sign bit: ``-nan``)."""
    if math.isnan(d):
        raise _Fallback
    if d in (math.inf, -math.inf):
        return "inf" if d > 0 else "-inf"
    if d == 0:
        return "-0" if math.copysign(1.0, d) < 0 else "0"
    text = repr(d)
    sign = "-" if text[0] == "-" else ""
    mantissa, _, e = text.lstrip("-").partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    digits = raw.lstrip("0")
    point = len(whole) + (int(e) if e else 0) - (len(raw) - len(digits))  # d = 0.<digits> x 10**point
    digits = digits.rstrip("0")
    exp = point - 1
    if exp < -4 or exp >= 6:
        return f"{sign}{digits[0]}{'.' + digits[1:] if len(digits) > 1 else ''}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def double_of(v: Any) -> float:
    t = type(v)
    if t is float:
        d: float = v
        return d
    if t is int:
        return float(int64(v))
    raise _Fallback


def int_of(v: Any) -> int:
    t = type(v)
    if t is int:
        return int64(v)
    if t is float:
        if math.isnan(v) or not -9.223372036854775e18 < v < 9.223372036854775e18:
            raise _Fallback  # out of int64 range (and the boundary is CEL's to judge)
        return int(v)
    raise _Fallback  # strings and timestamps are CEL's to convert


_PLAIN = {bool, float, str, type(None), timedelta}


def plain(v: Any) -> Any:
    """The value as cel-expr-python's plain_value() gives it: timestamps in UTC, fresh lists and dicts;
    _Fallback for what CEL would have to convert (or refuse) itself."""
    t = type(v)
    if t in _PLAIN:
        return v
    if t is int:
        return int64(v)
    if t is list:
        return [x if type(x) in _PLAIN else plain(x) for x in v]  # (no call for the flat values)
    if t is dict:
        return {k: x if type(x) in _PLAIN else plain(x) for k, x in v.items()}
    if t is datetime and v.tzinfo is not None:
        return v.astimezone(UTC)
    if t is Partial or t is Open:
        return v  # only over unknowns (contract.standing), whose callers never hand it to CEL
    raise _Fallback


def is_plain(v: Any) -> bool:
    """True if ``plain(v)`` equals ``v`` in every value and type (no timestamp to move to UTC, no int
    outside int64, nothing CEL must convert): a reader that changes nothing may use ``v`` itself."""
    t = type(v)
    if t is list:
        xs: Any = v
    elif t is dict:
        xs = v.values()
    else:
        return t in _PLAIN or (t is int and INT64_MIN <= v <= INT64_MAX)
    for x in xs:
        tx = type(x)
        if tx in _PLAIN:
            continue
        if tx is int:
            if not INT64_MIN <= x <= INT64_MAX:
                return False
        elif tx is not list and tx is not dict or not is_plain(x):
            return False
    return True

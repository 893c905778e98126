"""Whether a record is JSON data the engine may judge: ``record_problem`` names what is not.

Apart from the readers (records.py): every record passes through here, read
from a file or handed over by a Python caller, and the limits it enforces
(depth, integer width, lone surrogates, NaN) are the engine's, not a format's.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

MAX_RECORD_DEPTH = 64  # what the checks read (checks.fields.strings_under) goes no deeper

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_DIGITS = sys.get_int_max_str_digits()  # 0: no limit


def record_problem(record: Any) -> str | None:
    """What makes ``record`` something the engine must not judge, naming its JSON Pointer; None if fine.

    JSON parsers let through what is not JSON data (Python's reads NaN, Infinity
    and lone surrogates such as "\\ud800"; YAML has .nan), and a Python caller
    may pass anything. Left in, a lone surrogate crashes the CEL runtime and
    cannot be written as UTF-8, NaN makes the JSON report invalid, and a value
    nested thousands deep exhausts the stack. Decimals and datetimes pass: the
    engine reads them (money, instants) and the record schema judges the rest.
    Iterative, so depth itself cannot break the check.
    """
    return None if _plainly_fine(record) else _problem(record)  # the common case at a fifth of the cost


def screen(record: Any) -> tuple[str | None, bool]:
    """``record_problem``, and whether the record is plain JSON data with int64 integers: one walk in the
    common case, after which its view may share every part it need not convert (``view.screened_view``)."""
    if _plainly_fine(record):
        return None, True
    return _problem(record), False


def _problem(record: Any) -> str | None:
    """``record_problem`` the slow way, tracking where each value is (iterative, so depth cannot break it)."""
    stack: list[tuple[Any, Any, int]] = [(record, None, 0)]
    while stack:
        value, at, depth = stack.pop()
        t = type(value)
        if t is str:
            m = _SURROGATE.search(value) if not value.isascii() else None
            if m:
                return f"{_pointer(at)}: text holds a lone surrogate (U+{ord(m.group()):04X}), which is not Unicode"
        elif t is dict or isinstance(value, Mapping) or t is list or t is tuple:
            if depth >= MAX_RECORD_DEPTH:
                return f"{_pointer(at)}: nested deeper than {MAX_RECORD_DEPTH} levels"
            if t is list or t is tuple:
                stack.extend((v, (at, i), depth + 1) for i, v in enumerate(value))
                continue
            for k, v in value.items():
                if type(k) is not str:
                    return f"{_pointer(at)}: object key {k!r} is not a string"
                if not k.isascii() and _SURROGATE.search(k):
                    return f"{_pointer(at)}: key {k!r} holds a lone surrogate, which is not Unicode"
                stack.append((v, (at, k), depth + 1))
        elif t is int:
            if _INT_DIGITS and value.bit_length() * 0.30103 + 1 > _INT_DIGITS:
                return f"{_pointer(at)}: an integer of more than {_INT_DIGITS} digits"  # str() of it raises ValueError
        elif t is float or isinstance(value, Decimal):
            if not (math.isfinite(value) if t is float else value.is_finite()):
                return f"{_pointer(at)}: {value} is not a JSON number"
        elif not (value is None or t is bool or t is int or isinstance(value, (int, float, date))):
            return f"{_pointer(at)}: {t.__name__} is not a JSON type"
    return None


def _plainly_fine(record: Any) -> bool:
    """True if ``record`` holds only dicts, lists, clean text, finite floats, bools, None and int64
    ints (as CEL holds them), within MAX_RECORD_DEPTH; False when in doubt (``record_problem`` then decides).
    Level by level, with no per-value bookkeeping: every record passes through here."""
    if type(record) is not dict:
        return False
    level: list[Any] = [record]
    depth = 0
    while level:
        if depth >= MAX_RECORD_DEPTH:
            return False
        below: list[Any] = []
        for c in level:
            if type(c) is dict:
                for k in c:
                    if type(k) is not str or (not k.isascii() and not k.isprintable() and _SURROGATE.search(k)):
                        return False
                values = c.values()
            else:
                values = c
            for v in values:
                t = type(v)
                if t is str:  # (a surrogate is not printable: printable text, Chinese most of all, needs no search)
                    if not v.isascii() and not v.isprintable() and _SURROGATE.search(v):
                        return False
                elif t is dict or t is list:
                    below.append(v)
                elif t is float:
                    if not math.isfinite(v):
                        return False
                elif t is int:
                    if v.bit_length() > 63:  # wider ints are fine if they print: the slow walk decides
                        return False
                elif not (v is None or t is bool):
                    return False
        level, depth = below, depth + 1
    return True


def _pointer(at: Any) -> str:
    """The JSON Pointer of a (parent, key) chain from ``record_problem``; the root is named in words
    (its pointer is the empty string, and "/" would mean the key "")."""
    keys = []
    while at is not None:
        at, k = at
        keys.append(str(k).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(reversed(keys)) if keys else "the record"

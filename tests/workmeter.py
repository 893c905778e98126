"""Work, not seconds: how many function calls (Python and C) a piece of code makes.

A loaded CI runner changes how long a test takes, never how many calls it makes,
so tests bound the growth of this count (linear: twice the input, about twice the
calls) and leave time to ``bench/``. It does not see work inside one C call (a
``str.count`` over a growing range); where that was the bug, a test counts the
characters scanned instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def calls(fn: Callable[[], Any]) -> tuple[int, Any]:
    """(calls made by ``fn()``, its result)."""
    n = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal n
        if event in ("call", "c_call"):
            n += 1

    sys.setprofile(count)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
    return n, result


def growth(make: Callable[[int], Callable[[], Any]], n: int) -> float:
    """Calls at size 2n over calls at size n, after a warm-up run at size n (caches, imports)."""
    make(n)()
    small, _ = calls(make(n))
    large, _ = calls(make(2 * n))
    return large / small

"""Which expressions of a compiled engine run as translated plans and which stay with CEL, and why."""

from __future__ import annotations

import gc
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..expr import VARIABLES, Expression
from .translate import untranslated_reason

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

# values and code: nothing under them is part of the compiled rules (a function's globals lead to modules)
_LEAVES = (str, bytes, int, float, type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
           types.MethodType, types.CodeType, types.FrameType)


def expressions(root: object) -> Iterator[Expression]:
    """Every compiled CEL expression reachable from ``root`` (an Engine), each once.

    Walks references rather than knowing where each check type keeps its expressions,
    so a new check type is covered without being listed here.
    """
    seen: set[int] = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or obj is None or isinstance(obj, _LEAVES):
            continue
        seen.add(id(obj))
        if isinstance(obj, Expression):
            yield obj
            continue
        todo.extend(gc.get_referents(obj))


def report(engine: Engine) -> tuple[int, list[tuple[str, str]]]:
    """(how many expressions are translated, [(source, why it stays with CEL)])."""
    translated, fallback = 0, {}
    for e in expressions(engine):
        if getattr(e, "_plan", None) is not None:
            translated += 1
        else:
            names = frozenset(VARIABLES) | frozenset(getattr(e, "names", ()))
            fallback[e.source] = untranslated_reason(e.source, names) or "plans disabled"
    return translated, sorted(fallback.items())

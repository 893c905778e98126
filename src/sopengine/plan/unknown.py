"""Values that stand for data the record does not carry and the shop does not record.

A rule whose verdict rests on optional data (``contract.py``) is asked a second
question when that data is absent: would it fire *whatever* the data holds? The
plans answer it with CEL's own error semantics: every operation on an unknown is
an error (the plan's fallback), and the commutative ``&&``/``||`` and the
``exists``/``all`` macros absorb an error when the other side decides alone, so a
definite result does not depend on the unknown (Kleene's three-valued logic).

- ``Partial`` is a map some of whose keys are unknown: reading one, or ``has()``
  of one, is an error; the known keys read as usual; ``size``, ``in``, ``==`` and
  comprehensions over it are errors (its key set is not known).
- ``Open`` is a list that may hold further elements (events the shop does not
  record): ``exists``/``all`` run over it, ``filter``/``map`` give an ``Open``
  again, and ``size``, indexing, ``in``, ``==`` and ``exists_one`` are errors.

Every other operation in ``ops`` checks exact types, so it treats both as
values outside the subset: an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Partial(dict[str, Any]):
    """A map whose ``unknown`` keys (None: every key it does not hold) may or may not exist, with any value."""

    __slots__ = ("unknown",)

    def __init__(self, data: Mapping[str, Any], unknown: frozenset[str] | None) -> None:
        super().__init__(data)
        self.unknown = unknown

    def unknowable(self, key: str) -> bool:
        """True if ``key`` is not held and may exist: ``has()`` of it cannot be answered."""
        return not dict.__contains__(self, key) and (self.unknown is None or key in self.unknown)


class Open(list[Any]):
    """A list of which these elements are known, and more (of unknown number and order) may exist."""

    __slots__ = ()

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)


__all__ = ["Open", "Partial"]

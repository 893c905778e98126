"""The agenda: every open next action of a batch, by role, soonest due first.

Results carry their next actions record by record; the people the manual is
written for (the warehouse lead, the ops specialist before the 09:00 batch) need
their own queue across 10,000 records. ``Agenda`` takes results one at a time, so
a batch streams through it: it keeps, per role, only the ``limit`` most urgent
items in a bounded heap and counts what it had to leave out, so memory grows with
the number of roles and the limit, never with the number of records.

Order within a role: overdue first (most late first), then by due time, then the
actions without a due time; ties by record and action, so the order is stable.
An item's message is the rule's own (``ship.overdue``, ``ship.due_soon``) when
the engine raised one for that action, else the step's title.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..chrono.instants import format_duration
from ..results import Result
from ..rulebook import DUE_SOON, OVERDUE, is_kind

__all__ = ["DEFAULT_LIMIT", "Agenda", "AgendaItem", "items_of"]

DEFAULT_LIMIT = 500
_Key = tuple[int, float, str, str]
_Entry = tuple[tuple[int, float, tuple[int, ...], tuple[int, ...]], int, "AgendaItem"]  # (negated key, -seq, item)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One open next action, as ``schemas/agenda.schema.json`` describes it."""

    role: str
    record: str | None
    process: str | None
    version: str | None
    action: str
    title: str
    due: str | None
    overdue: bool
    late_by: str | None  # how late, when overdue
    left: str | None  # how long until due, when not overdue
    clauses: tuple[str, ...]
    message: str
    roles: tuple[str, ...]
    source: str | None  # file:line of the record

    @property
    def due_at(self) -> datetime | None:
        return datetime.fromisoformat(self.due) if self.due else None

    def sort_key(self) -> _Key:
        at = self.due_at
        return (1 if at is None else 0, at.timestamp() if at else 0.0, self.record or "", self.action)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "record": self.record, "process": self.process, "version": self.version,
                "action": self.action, "title": self.title, "due": self.due, "overdue": self.overdue,
                "late_by": self.late_by, "left": self.left, "clauses": list(self.clauses),
                "message": self.message, "roles": list(self.roles), "source": self.source}


def items_of(result: Result, now: datetime, lang: str = "en") -> Iterator[AgendaItem]:
    """The agenda items of one result: exactly its next actions, in its order."""
    said: dict[str, str] = {}
    for v in result.violations:  # the engine's overdue / due-soon finding names its action in the evidence
        act = v.evidence.get("action") if isinstance(v.evidence, dict) else None
        if isinstance(act, str) and is_kind(v.rule, OVERDUE, DUE_SOON):
            said.setdefault(act, v.messages.get(lang))
    src = result.source
    where = None if src is None else (f"{src.file}:{src.line}" if src.line else src.file)
    for a in result.next_actions:
        at = datetime.fromisoformat(a.due) if a.due else None
        late = left = None
        if at is not None:
            if a.overdue:
                late = format_duration(now - at)
            else:
                left = format_duration(at - now)
        title = a.title.get(lang)
        yield AgendaItem(a.role, result.record, result.process, result.version, a.action, title, a.due, a.overdue,
                         late, left, a.clauses, said.get(a.action, title), a.roles or (a.role,), where)


class Agenda:
    """Collects the agenda of a stream of results, keeping at most ``limit`` items per role (0: all).

    ``roles`` restricts it to those roles (the action's responsible role);
    ``within`` keeps only what is overdue or due within that time of ``now``.
    """

    def __init__(self, now: datetime, *, lang: str = "en", roles: Iterable[str] = (), within: timedelta | None = None,
                 limit: int = DEFAULT_LIMIT) -> None:
        if limit < 0:
            raise ValueError("limit must be 0 (no limit) or positive")
        self.now, self.lang, self.limit = now, lang, limit
        self.roles = frozenset(roles)
        self.horizon = now + within if within is not None else None
        # per role a heap of (negated sort key, seq, item): its top is the least urgent item kept
        self._heaps: dict[str, list[_Entry]] = {}
        self._all: dict[str, list[AgendaItem]] = {}
        self.left_out: dict[str, int] = {}
        self.filtered = 0  # actions outside --role / --within
        self.records = 0
        self._seq = 0

    def add(self, result: Result) -> None:
        self.records += 1
        for item in items_of(result, self.now, self.lang):
            self.add_item(item)

    def add_item(self, item: AgendaItem) -> None:
        if (self.roles and item.role not in self.roles) or (self.horizon is not None and not self._in_horizon(item)):
            self.filtered += 1
            return
        if not self.limit:
            self._all.setdefault(item.role, []).append(item)
            return
        heap = self._heaps.setdefault(item.role, [])
        self._seq += 1
        key = item.sort_key()
        entry: _Entry = (_negate(key), -self._seq, item)
        if len(heap) < self.limit:
            heapq.heappush(heap, entry)
            return
        self.left_out[item.role] = self.left_out.get(item.role, 0) + 1
        if entry > heap[0]:  # more urgent than the least urgent kept
            heapq.heapreplace(heap, entry)

    def _in_horizon(self, item: AgendaItem) -> bool:
        at = item.due_at
        return at is not None and self.horizon is not None and at <= self.horizon

    def by_role(self) -> list[tuple[str, list[AgendaItem]]]:
        """Roles in order of their most urgent item (then by name), each with its items in agenda order."""
        groups: dict[str, list[AgendaItem]] = {r: sorted(items, key=AgendaItem.sort_key) for r, items in self._all.items()}
        for role, heap in self._heaps.items():
            groups[role] = [e[2] for e in sorted(heap, key=lambda e: (e[2].sort_key(), -e[1]))]
        return sorted(groups.items(), key=lambda kv: (kv[1][0].sort_key()[:2] if kv[1] else (2, 0.0), kv[0]))

    def items(self) -> Iterator[AgendaItem]:
        for _, items in self.by_role():
            yield from items

    def count(self) -> int:
        return sum(len(h) for h in self._heaps.values()) + sum(len(v) for v in self._all.values())


def _negate(key: _Key) -> tuple[int, float, tuple[int, ...], tuple[int, ...]]:
    """A key that orders the other way round, so that heapq's min-heap keeps the least urgent on top."""
    return (-key[0], -key[1], tuple(-ord(c) for c in key[2]) + (1,), tuple(-ord(c) for c in key[3]) + (1,))

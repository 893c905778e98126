"""Big-promotion windows (618, 双11) as data that the rules name, not dates in code.

ORD-06 allows 48 h instead of 24 h to ship an order placed during a big promotion.
The platforms move their windows every year (双11 opened on 14 October in 2024 and
on 9 October in 2025), so the windows live in ``rules/calendars/promotions.yaml``
with the source of each date, and the engine only asks which window, if any, holds
an instant. Windows are half-open, [start, end): an end written as the next day's
00:00 is exactly "until 24:00", with no second lost to 23:59:59.

The file is declared year by year, so "no window holds this instant" is an answer
only inside the years it declares: an order of 2027-11-11 asked against windows
written up to 2026 would silently get 24 h where 48 h is due. ``lookup`` therefore
refuses instants outside those years (``CalendarRangeError``), as the calendar does.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any

from ..results import Text
from .reader import CalendarRangeError, Reader, require_aware

__all__ = ["PromotionWindow", "PromotionWindows"]

_KEYS = ("apiVersion", "kind", "id", "title", "windows")
_WINDOW_KEYS = ("id", "event", "title", "start", "end", "estimated", "sources", "note")


@dataclass(frozen=True, slots=True)
class PromotionWindow:
    """One event in one year. ``estimated`` marks dates no source confirmed, so that a
    report can say a deadline rests on an assumption."""

    id: str
    event: str
    title: Text
    start: datetime
    end: datetime
    estimated: bool = False
    sources: tuple[str, ...] = ()
    note: str = ""

    def contains(self, instant: datetime) -> bool:
        return self.start <= require_aware(instant) < self.end


def _instant(r: Reader, node: Any, pointer: str) -> datetime:
    """An offset is required: a window read in the wrong zone is 8 h off at both ends."""
    value = node
    if isinstance(node, str):
        try:
            value = datetime.fromisoformat(node.strip())
        except ValueError:
            r.fail(f"expected an RFC 3339 timestamp, got {node!r}", pointer)
    if not isinstance(value, datetime):
        r.fail(f"expected an RFC 3339 timestamp, got {node!r}", pointer)
    if value.tzinfo is None or value.utcoffset() is None:
        r.fail(f"{node!s} has no offset: write it as e.g. 2025-10-09T20:00:00+08:00", pointer)
    return value


def _window(r: Reader, node: Any, pointer: str) -> PromotionWindow:
    node = r.mapping(node, pointer, _WINDOW_KEYS)
    start = _instant(r, node.get("start"), pointer + "/start")
    end = _instant(r, node.get("end"), pointer + "/end")
    if end <= start:
        r.fail("end must be after start", pointer + "/end")
    estimated = node.get("estimated", False)
    if not isinstance(estimated, bool):
        r.fail(f"expected true or false, got {estimated!r}", pointer + "/estimated")
    sources = r.list(node.get("sources", []), pointer + "/sources")
    return PromotionWindow(
        id=r.text(node.get("id"), pointer + "/id"),
        event=r.text(node.get("event"), pointer + "/event"),
        title=r.bilingual(node.get("title"), pointer + "/title"),
        start=start, end=end, estimated=estimated,
        sources=tuple(r.text(s, f"{pointer}/sources/{i}") for i, s in enumerate(sources)),
        note=r.text(node["note"], pointer + "/note") if "note" in node else "",
    )


@dataclass(frozen=True, slots=True, eq=False)
class PromotionWindows:
    """Immutable and sorted by start; overlaps are refused at load time, because an
    instant inside two windows would make the answer depend on file order."""

    id: str
    title: Text
    windows: tuple[PromotionWindow, ...]
    covered: tuple[date, date] = field(init=False, repr=False)
    # the windows' bounds in UTC, in order: datetimes of one tzinfo compare without asking either for its
    # offset, four times faster than the windows' own (each lookup bisects them)
    _starts: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    # the covered years as UTC instants [from, until), when the first window has a fixed offset (where
    # its local dates begin at known instants): an instant between them needs no date worked out
    _span: tuple[datetime, datetime] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """The calendar years from the first window's start to the last window's end, each
        read in its own offset (the year a rule author wrote)."""
        if not self.windows:
            raise ValueError("PromotionWindows needs at least one window: none declares no years")
        first = min(w.start.year for w in self.windows)
        last = max((w.end - timedelta(microseconds=1)).year for w in self.windows)
        object.__setattr__(self, "covered", (date(first, 1, 1), date(last, 12, 31)))
        object.__setattr__(self, "_starts", tuple(w.start.astimezone(UTC) for w in self.windows))
        object.__setattr__(self, "_ends", tuple(w.end.astimezone(UTC) for w in self.windows))
        zone, span = self.windows[0].start.tzinfo, None
        if type(zone) is timezone:
            try:
                span = (datetime.combine(self.covered[0], time(0), zone).astimezone(UTC),
                        datetime.combine(self.covered[1] + timedelta(days=1), time(0), zone).astimezone(UTC))
            except OverflowError:  # years at datetime's ends: the dates are worked out
                pass
        object.__setattr__(self, "_span", span)

    @classmethod
    def from_definition(cls, doc: Any, *, source: str = "") -> PromotionWindows:
        r = Reader(source)
        ident, title = r.header(doc, "PromotionWindows", _KEYS)
        items = r.list(doc.get("windows"), "/windows")
        if not items:
            r.fail("declare at least one window: an empty list covers no year, so every answer would be a guess",
                   "/windows")
        where: dict[str, str] = {}
        parsed = []
        for i, node in enumerate(items):
            w = _window(r, node, f"/windows/{i}")
            if w.id in where:
                r.fail(f"window id {w.id!r} is already used at {where[w.id]}", f"/windows/{i}/id")
            where[w.id] = f"/windows/{i}"
            parsed.append(w)
        parsed.sort(key=lambda w: w.start)
        for before, after in pairwise(parsed):
            if after.start < before.end:
                r.fail(f"window {after.id!r} overlaps {before.id!r} (which ends {before.end.isoformat()})",
                       where[after.id] + "/start")
        return cls(ident, title, tuple(parsed))

    def window_at(self, instant: datetime) -> PromotionWindow | None:
        """The window holding ``instant`` (start inclusive, end exclusive), or None. (The windows
        are sorted and never overlap: only the last that starts at or before ``instant`` may hold it.)"""
        return self._holding(require_aware(instant).astimezone(UTC))

    def _holding(self, at: datetime) -> PromotionWindow | None:
        i = bisect.bisect_right(self._starts, at) - 1
        if i >= 0 and at < self._ends[i]:
            return self.windows[i]
        return None

    def lookup(self, instant: datetime) -> PromotionWindow | None:
        """``window_at`` for deadlines: outside the declared years (read in the first window's
        offset) there is no answer to give, so CalendarRangeError names the years covered."""
        at = require_aware(instant).astimezone(UTC)
        span = self._span
        if span is None or not span[0] <= at < span[1]:
            day = at.astimezone(self.windows[0].start.tzinfo).date()
            if not self.covered[0] <= day <= self.covered[1]:
                raise CalendarRangeError(day, self.covered, self.id, what="promotion windows")
        return self._holding(at)

    def digest(self) -> str:
        """sha256 (hex) of what ``window_at`` answers: each window's id, event and UTC bounds."""
        payload = [[w.id, w.event, w.start.astimezone(UTC).isoformat(),
                    w.end.astimezone(UTC).isoformat()] for w in self.windows]
        blob = json.dumps({"format": "sopengine.promotions/1", "windows": payload},
                          ensure_ascii=False, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

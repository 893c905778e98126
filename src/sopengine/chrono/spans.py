"""Span parsers beyond plain durations: working days, working hours, review batches.

Each parser takes the SLA's ``within`` text and the process calendar and returns
a span object, or None when the text is not its kind; plain durations are the
fallback in ``parse_span``. A span has three parts:

- ``add(start) -> due``: the deadline, computed by the calendar (``calendars``);
- ``__str__``: the text the author wrote, and ``describe(anchor)``: the phrase
  quoted in messages and next actions ("within 3 working days after ends_at");
- ``fraction_used(start, due, at)``: how much of the allowed time has gone, for
  the due-soon warning. Working-time spans measure it in working time: a deadline
  of 3 working days must not warn on a Sunday because 80 % of the *wall* time
  between Friday and Wednesday has passed.

The grammar (case-insensitive):

    N working days                       Calendar.add_working_days
    N working hours | N working minutes  Calendar.add_working_time
    <duration> working                   e.g. "9h working", "2h30m working"
    next batch at HH:MM[, HH:MM ...] [on working days]
                                         Calendar.next_batch (ORD-01)

A text that starts like one of these but does not parse is an error that shows
the grammar, never a silent fallback to another reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias

from ..errors import SlaError
from .calendars import batch_slots
from .instants import MAX_SPAN_DAYS, ValueProblem, bounded_span, parse_duration
from .reader import parse_clock

if TYPE_CHECKING:  # pragma: no cover
    from .calendars import Calendar

__all__ = ["SPAN_PARSERS", "BatchSpan", "DurationSpan", "Span", "WorkingDaysSpan", "WorkingTimeSpan", "parse_span",
           "wall_fraction"]

GRAMMAR = ("write 'N working days', 'N working hours', '<duration> working' (e.g. '2h30m working') "
           "or 'next batch at 09:00, 14:00, 18:00 [on working days]'")

_WORKING_DAYS = re.compile(r"^(\d+)\s+working\s+days?$",re.IGNORECASE | re.ASCII)
_WORKING_UNITS = re.compile(r"^(\d+(?:\.\d+)?)\s+working\s+(hours?|minutes?)$",re.IGNORECASE | re.ASCII)
_WORKING_DURATION = re.compile(r"^(.+?)\s+working$", re.IGNORECASE)
_DAYS_IN_DURATION = re.compile(r"\d\s*d(?:ays?)?(?![a-z])|^P\d+D",re.IGNORECASE | re.ASCII)
_BATCH = re.compile(r"^next\s+batch\s+at\s+(?P<times>.+?)(?P<working>\s+on\s+working\s+days)?$", re.IGNORECASE)
_LOOKS_WORKING = re.compile(r"\b(working|business)\b", re.IGNORECASE)
_LOOKS_BATCH = re.compile(r"^next\s+batch\b", re.IGNORECASE)


class Span(Protocol):
    """What an SLA asks of its ``within`` span (the module docstring says what each part is for)."""

    @property
    def calendar(self) -> Calendar | None:
        """The calendar that counts the span, None for wall-clock time."""
        ...

    def add(self, start: datetime) -> datetime: ...
    def fraction_used(self, start: datetime, due: datetime, at: datetime) -> float | None: ...
    def describe(self, anchor: str) -> str: ...
    def estimated_years(self, start: datetime, due: datetime) -> tuple[int, ...]: ...


def _need_calendar(text: str, calendar: Calendar | None) -> Calendar:
    """Working time means nothing without a calendar; guessing Mon-Fri would be wrong in China."""
    if calendar is None:
        raise SlaError(f"{text!r} is counted in a working calendar, but the process names none: "
                       "add e.g. `calendar: cn` (the id of a Calendar in the rules tree)")
    return calendar



class Dues(dict[Any, datetime]):
    """A calendar span's due instants by what they depend on: the start instant, or for whole working
    days only the start's local date, which the records of a day share (the calendar never changes once
    compiled). Each is computed once: a bounded table; errors are not kept."""

    MAX = 4096

    def due(self, start: datetime, compute: Callable[[datetime], datetime]) -> datetime:
        key = (start, start.fold)  # within one zone datetimes compare by wall time: fold tells the instants apart
        d = self.get(key)
        if d is None:
            d = self.keep(key, compute(start))
        return d

    def keep(self, key: Any, due: datetime) -> datetime:
        if len(self) >= self.MAX:
            self.clear()
        self[key] = due
        return due


@dataclass(frozen=True)
class WorkingDaysSpan:
    """"Within N working days after X": the close of the Nth working day after X's local date
    (the day of X is not counted, as 民法典 art. 201 counts periods)."""

    days: int
    text: str
    calendar: Calendar
    dues: Dues = field(default_factory=Dues, compare=False, repr=False)

    def add(self, start: datetime) -> datetime:
        """The due depends on the start's local date alone (the day of X is not counted): kept by date."""
        day = self.calendar.local(start).date()
        due = self.dues.get(day)
        if due is None:
            due = self.dues.keep(day, self.calendar.add_working_days(start, self.days))
        return due

    def fraction_used(self, start: datetime, due: datetime, at: datetime) -> float | None:
        """Working time used since the period began, over the working time of the whole period.

        The period begins at 00:00 after the start's local date (the start's own day
        is not part of it). The calendar is asked only between dates it has already
        answered for (start..due), so measuring never raises CalendarRangeError where
        computing the due did not.
        """
        day = self.calendar.local(start).date() + timedelta(days=1)
        begin = datetime.combine(day, time(0), self.calendar.zone)
        total = self.calendar.working_time_between(begin, due)
        if total <= timedelta(0):
            return None
        if at <= begin:
            return 0.0
        if at >= due:
            return 1.0
        return self.calendar.working_time_between(begin, at) / total

    def describe(self, anchor: str) -> str:
        return f"within {self.text} after {anchor} (calendar {self.calendar.id})"

    def estimated_years(self, start: datetime, due: datetime) -> tuple[int, ...]:
        return tuple(self.calendar.estimated_years(start, due))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class WorkingTimeSpan:
    """An amount of working time (working hours of the calendar, on its working days)."""

    amount: timedelta
    text: str
    calendar: Calendar
    dues: Dues = field(default_factory=Dues, compare=False, repr=False)

    def add(self, start: datetime) -> datetime:
        return self.dues.due(start, lambda t: self.calendar.add_working_time(t, self.amount))

    def fraction_used(self, start: datetime, due: datetime, at: datetime) -> float | None:
        """Working time since the start over the amount allowed (1.0 from the due on)."""
        if self.amount <= timedelta(0):
            return None
        if at <= start:
            return 0.0
        if at >= due:
            return 1.0
        return self.calendar.working_time_between(start, at) / self.amount

    def describe(self, anchor: str) -> str:
        return f"within {self.text} of {anchor} (calendar {self.calendar.id})"

    def estimated_years(self, start: datetime, due: datetime) -> tuple[int, ...]:
        return tuple(self.calendar.estimated_years(start, due))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class BatchSpan:
    """Due at the first review batch at or after the start (ORD-01: 09:00, 14:00, 18:00).

    The batch clock times are read in the calendar's zone. The due-soon fraction is
    measured in wall time: a batch is a moment, not an amount of work, and between
    Friday 18:05 and Monday 09:00 there is no working time to take a fraction of.
    """

    times: tuple[time, ...]
    working_days_only: bool
    text: str
    calendar: Calendar
    slots: tuple[float, ...] = field(init=False, compare=False, repr=False)  # the times as the calendar reads them

    def __post_init__(self) -> None:
        object.__setattr__(self, "slots", batch_slots(self.times))

    def add(self, start: datetime) -> datetime:
        """(Not remembered: the calendar keeps each day's batches, and finding the first after ``start``
        among them costs what a table keyed by instant took to hash its key.)"""
        return self.calendar.first_batch(start, self.slots, self.working_days_only)

    def fraction_used(self, start: datetime, due: datetime, at: datetime) -> float | None:
        return wall_fraction(start, due, at)

    def describe(self, anchor: str) -> str:
        return f"{self.text} after {anchor}"

    def estimated_years(self, start: datetime, due: datetime) -> tuple[int, ...]:
        """Only batches on working days ask the calendar which days are working days."""
        return tuple(self.calendar.estimated_years(start, due)) if self.working_days_only else ()

    def __str__(self) -> str:
        return self.text


def parse_working_days(text: str, calendar: Calendar | None) -> WorkingDaysSpan | None:
    m = _WORKING_DAYS.match(text.strip())
    if not m:
        return None
    if int(m[1]) < 1:  # "0 working days" after the close would fall before its own start
        raise SlaError(f"{text.strip()!r}: count at least 1 working day (for the same day, give working hours)")
    if int(m[1]) > MAX_SPAN_DAYS:
        raise SlaError(f"{text.strip()!r} is longer than {MAX_SPAN_DAYS} days (100 years)")
    return WorkingDaysSpan(int(m[1]), text.strip(), _need_calendar(text, calendar))


def parse_working_time(text: str, calendar: Calendar | None) -> WorkingTimeSpan | None:
    t = text.strip()
    m = _WORKING_UNITS.match(t)
    if m:
        try:
            amount = bounded_span(float(m[1]) * (3600 if m[2].lower().startswith("hour") else 60), t)
        except ValueProblem as exc:
            raise SlaError(str(exc)) from None
        return WorkingTimeSpan(amount, t, _need_calendar(text, calendar))
    m = _WORKING_DURATION.match(t)
    if not m:
        return None
    if _DAYS_IN_DURATION.search(m[1].strip()):
        raise SlaError(f"{t!r}: an amount of working time in days is ambiguous; write 'N working days' "
                       "(whole working days) or the hours (e.g. '27h working')")
    try:
        amount = parse_duration(m[1])
    except ValueProblem:
        raise SlaError(f"{t!r} is not a span: {GRAMMAR}") from None
    return WorkingTimeSpan(amount, t, _need_calendar(text, calendar))


def parse_batch(text: str, calendar: Calendar | None) -> BatchSpan | None:
    t = text.strip()
    if not _LOOKS_BATCH.match(t):
        return None
    m = _BATCH.match(t)
    if not m:
        raise SlaError(f"{t!r} is not a batch span: write e.g. 'next batch at 09:00, 14:00, 18:00' "
                       "or '... on working days'")
    times: list[time] = []
    for part in re.split(r"\s*,\s*|\s+and\s+", m["times"].strip()):
        try:
            clock = parse_clock(part)
        except ValueError as exc:
            raise SlaError(f"{t!r}: batch time {part!r}: {exc}") from None
        if clock in times:
            raise SlaError(f"{t!r}: batch time {part} is listed twice")
        times.append(clock)
    return BatchSpan(tuple(times), m["working"] is not None, t, _need_calendar(text, calendar))


def refuse_lookalikes(text: str, calendar: Calendar | None) -> None:
    """Last parser: "3 business days" or "3 working day" said as something else must not
    fall through to the duration reader's generic complaint."""
    if _LOOKS_WORKING.search(text):
        raise SlaError(f"{text.strip()!r} is not a span: {GRAMMAR}")


SpanParser: TypeAlias = "Callable[[str, Calendar | None], Span | None]"
SPAN_PARSERS: list[SpanParser] = [parse_working_days, parse_working_time, parse_batch, refuse_lookalikes]


def wall_fraction(start: datetime, due: datetime, at: datetime) -> float | None:
    """The share of the wall-clock time from start to due that has passed at ``at``."""
    if due <= start:
        return None
    return (at - start) / (due - start)


@dataclass(frozen=True)
class DurationSpan:
    """A plain duration: wall-clock time, days off included (ship within 24 h)."""

    delta: timedelta
    text: str
    calendar: ClassVar[None] = None  # wall-clock time: no calendar counts it

    def add(self, start: datetime) -> datetime:
        return start + self.delta

    def fraction_used(self, start: datetime, due: datetime, at: datetime) -> float | None:
        return wall_fraction(start, due, at)

    def describe(self, anchor: str) -> str:
        return f"within {self.text} of {anchor}"

    def estimated_years(self, start: datetime, due: datetime) -> tuple[int, ...]:
        return ()  # wall-clock time asks no calendar

    def __str__(self) -> str:
        return self.text


def parse_span(text: str, calendar: Calendar | None) -> Span:
    """The span parsers are tried in order; the plain duration is the fallback."""
    for parser in SPAN_PARSERS:
        span = parser(text, calendar)
        if span is not None:
            return span
    try:
        return DurationSpan(parse_duration(text), text)
    except ValueProblem as exc:
        raise SlaError(str(exc)) from None

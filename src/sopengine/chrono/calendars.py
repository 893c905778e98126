"""Working days and working time, computed from a declared calendar.

Half of the manual is deadlines (MKT-09 "within 3 working days after the event
ends", ORD-01 review batches), and a deadline that is off by a holiday blames
people for breaches that did not happen. So the calendar is data: China's official
calendar with its make-up working days (调休), year by year from a declared notice,
else the `chinese-calendar` package (copied when the Calendar is built, so results
cannot change under a running engine and the digest stamps exactly what was used),
else, where the file asks for it, an estimate from the statutory holidays (see
``official`` and ``holidays``); plus what a company declares in YAML.

Counting rule, taken from 民法典 arts. 201 and 203 so that the engine agrees with
how a period is read in China: a period counted in days does not count the day on
which it starts, and it ends at 24:00 of its last day, or at the close of business
where business hours are declared. Hence "within N working days after X" ends at
the close of the Nth working day after X's local date.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..results import Text
from .calendar_file import DEFAULT_ZONE, WEEKDAY_NAMES, read_calendar
from .holidays import statutory_days
from .official import (
    DECLARED,
    ESTIMATED,
    PACKAGE,
    Estimate,
    spans,
)
from .reader import (
    API_VERSION,
    CalendarError,
    CalendarRangeError,
    Reader,
    parse_clock,
    require_aware,
)

__all__ = ["API_VERSION", "DEFAULT_ZONE", "WEEKDAY_NAMES", "Calendar", "CalendarError", "CalendarRangeError", "Reader",
           "parse_clock", "require_aware"]

_UTC = UTC


@functools.lru_cache(maxsize=256)
def _estimated(year: int) -> Mapping[date, tuple[bool, str, str]]:
    """The estimate of a year as calendar entries (shared, never mutated: callers copy)."""
    return {d: (False, name, ESTIMATED) for d, name in statutory_days(year)}


def batch_slots(times: Sequence[time | str]) -> tuple[float, ...]:
    """Batch clock times as seconds after midnight, in order."""
    return _slots(tuple(times))


@functools.lru_cache(maxsize=256)
def _slots(times: tuple[time | str, ...]) -> tuple[float, ...]:
    found = sorted({(datetime.combine(date.min, parse_clock(x)) - datetime.min).total_seconds() for x in times})
    if not found:
        raise ValueError("next_batch needs at least one batch time")
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def _day_batches(cal: Calendar, d: date, slots: tuple[float, ...], working_only: bool) -> tuple[tuple[datetime, datetime], ...]:
    """The batches of day ``d`` (UTC, local), none on a day off when only working days count. Records of
    one stream fall on few days, and each ``_wall`` is two zone conversions: kept by day (a calendar is
    immutable and hashed by identity; a day beyond the calendar's data raises and is not kept)."""
    if working_only and not cal.is_working_day(d):
        return ()
    return tuple((w.astimezone(_UTC), w) for w in (cal._wall(d, s) for s in slots))


# ---------------------------------------------------------------- the calendar


@dataclass(frozen=True, slots=True, eq=False)
class Calendar:
    """Immutable after construction, so one instance serves every thread and pickles whole.

    Build it with :meth:`from_definition`. ``exceptions`` maps each day the data names
    to (working?, reason, provenance); ``years`` maps each year with data to where it
    came from (``declared`` or ``package``). With an ``estimate``, a later year without
    data is answered from the statutory holidays (``holidays.statutory_days``), computed
    on demand by a pure cached function, so the instance itself never changes.
    """

    id: str
    title: Text
    zone: ZoneInfo
    weekly: frozenset[int]
    hours: tuple[tuple[int, int], ...]
    covered: tuple[date, date]
    exceptions: Mapping[date, tuple[bool, str, str]] = field(repr=False)
    years: Mapping[int, str] | None = field(default=None, repr=False)  # None: every year (base weekdays)
    estimate: Estimate | None = None
    notices: Mapping[int, tuple[str, date, str]] = field(default_factory=dict, repr=False)  # year: title, date, url
    _digest: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "exceptions", dict(sorted(self.exceptions.items())))  # a copy: the caller's stays theirs
        data = self.years
        # A day that agrees with the weekly pattern changes no answer, except in an estimated year,
        # where it overrides the estimate (a company's working 1 October).
        effective = [[d.isoformat(), w] for d, (w, _, _) in self.exceptions.items()
                     if w != (d.weekday() in self.weekly) or (data is not None and d.year not in data)]
        payload: dict[str, Any] = {"format": "sopengine.calendar/1", "timezone": self.zone.key,
                                   "weekly": sorted(self.weekly), "hours": [list(h) for h in self.hours],
                                   "covered": [d.isoformat() for d in self.covered], "exceptions": effective}
        if self.estimate is not None or (data and DECLARED in data.values()):
            # Only calendars that declare or estimate carry provenance: the stamp of an older
            # rules tree (package data alone) stays what it was, and publishing a year changes it.
            payload["provenance"] = {kind: spans([y for y, k in data.items() if k == kind])
                                     for kind in (DECLARED, PACKAGE)} if data else {}
            payload["estimate"] = self.estimate.payload() if self.estimate else None
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        object.__setattr__(self, "_digest", hashlib.sha256(blob).hexdigest())

    @classmethod
    def from_definition(cls, doc: Any, *, source: str = "") -> Calendar:
        """A Calendar from its rules file (``kind: Calendar``): calendar_file reads it, errors at their pointer."""
        return read_calendar(cls, doc, source)

    # -- where the answers come from

    def source_of(self, year: int) -> str | None:
        """``declared``, ``package``, ``estimated`` or ``weekly`` (base weekdays); None: no answer."""
        if self.years is None:
            return "weekly"
        found = self.years.get(year)
        if found is None and self.estimate is not None:
            m = self.estimate.method
            if m.first_year <= year <= m.last_year:
                return ESTIMATED
        return found

    def coverage(self) -> str:
        """The years this calendar answers for, as range errors name them."""
        if self.years is None or (self.estimate is None and len(self.years) == max(self.years) - min(self.years) + 1):
            return f"{self.covered[0].isoformat()}..{self.covered[1].isoformat()}"
        text = spans(list(self.years))
        if self.estimate is not None:
            m = self.estimate.method
            est = [y for y in range(m.first_year, m.last_year + 1) if y not in self.years]
            text += f", estimated {spans(est)} ({m.id})" if est else ""
        return text

    def estimated_years(self, a: date | datetime, b: date | datetime) -> tuple[int, ...]:
        """The estimated years among the local dates from a to b: a deadline computed over those
        dates depends on an estimate, and must say so."""
        if self.estimate is None or self.years is None:
            return ()  # (source_of: no estimate, or base weekdays for every year)
        # A local date is in the year the instant shows in its own offset or a neighbour (offsets are under a
        # day): when no year from one before the earlier to one after the later is estimated, none of theirs
        # is, and the zone conversions below need not be made (a record's deadlines are in years with data).
        m, years, ya, yb = self.estimate.method, self.years, a.year, b.year
        for y in range(max(min(ya, yb) - 1, m.first_year), min(max(ya, yb) + 1, m.last_year) + 1):
            if y not in years:
                break
        else:
            return ()
        lo, hi = sorted((self._date(a).year, self._date(b).year))
        return tuple(y for y in range(lo, hi + 1) if self.source_of(y) == ESTIMATED)

    def year_days(self, year: int) -> list[tuple[date, bool, str, str]]:
        """Every day of ``year`` the calendar names, as (day, working?, reason, provenance);
        CalendarRangeError for a year it cannot answer."""
        found = self._source(date(year, 1, 1))
        named = {d: v for d, v in self.exceptions.items() if d.year == year}
        if found == ESTIMATED:
            named = {**_estimated(year), **named}
        return [(d, w, why, prov) for d, (w, why, prov) in sorted(named.items())]

    # -- days

    def local(self, instant: datetime) -> datetime:
        """The instant in this calendar's zone, where its day is reckoned."""
        return require_aware(instant).astimezone(self.zone)

    def _date(self, day: date | datetime) -> date:
        return self.local(day).date() if isinstance(day, datetime) else day

    def _source(self, d: date) -> str:
        found = self.source_of(d.year)
        if found is None:
            raise CalendarRangeError(d, self.covered, self.id, detail=self.coverage())
        return found

    def _entry(self, d: date) -> tuple[bool, str, str] | None:
        if self.years is not None and d.year in self.years:  # the common case first: every day counted asks
            return self.exceptions.get(d)
        found = self._source(d)
        hit = self.exceptions.get(d)
        if hit is None and found == ESTIMATED:
            return _estimated(d.year).get(d)
        return hit

    def is_working_day(self, day: date | datetime) -> bool:
        """A datetime counts on its local date here, not on the date in its own offset."""
        d = self._date(day)
        hit = self._entry(d)
        return hit[0] if hit is not None else d.weekday() in self.weekly

    def day_reason(self, day: date | datetime) -> str | None:
        """Why a day departs from the weekly pattern, for messages that explain a deadline."""
        d = self._date(day)
        hit = self._entry(d)
        return hit[1] if hit is not None else None

    def _step(self, d: date, days: int) -> date:
        try:
            return d + timedelta(days=days)
        except OverflowError:
            raise CalendarRangeError(d, self.covered, self.id, detail=self.coverage()) from None

    def shift_working_days(self, day: date | datetime, n: int) -> date:
        """The Nth working day after ``day`` (before, for negative N), ``day`` itself not counted.

        N = 0 is ``day`` when it is a working day, else the next working day: "the same
        working day" of something that happened on a day off is the next one.
        """
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"a number of working days is an int, got {n!r}")
        d = self._date(day)
        if n == 0:
            while not self.is_working_day(d):
                d = self._step(d, 1)
            return d
        step, left = (1, n) if n > 0 else (-1, -n)
        while left:
            d = self._step(d, step)
            left -= self.is_working_day(d)
        return d

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after a's local date up to and including b's; negative if b is earlier.

        The inverse of :meth:`shift_working_days`: ``shift(a, between(a, b)) == b``
        whenever b is a working day.
        """
        da, db = self._date(a), self._date(b)
        sign = 1 if db >= da else -1
        lo, hi = min(da, db), max(da, db)
        count = 0
        while lo < hi:
            lo = self._step(lo, 1)
            count += self.is_working_day(lo)
        return sign * count

    def _wall(self, d: date, seconds: float) -> datetime:
        """Wall time ``seconds`` after local midnight of ``d``, normalised through UTC (gaps, 24:00)."""
        naive = datetime(d.year, d.month, d.day) + timedelta(seconds=seconds)
        return naive.replace(tzinfo=self.zone).astimezone(_UTC).astimezone(self.zone)

    def end_of_day(self, day: date | datetime) -> datetime:
        """Close of business on ``day``, or 24:00 (next midnight) without working hours (art. 203)."""
        return self._wall(self._date(day), self.hours[-1][1])

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline of "within N working days after ``start``": end of the Nth working day
        after start's local date. Counting from the next day means an event late on a
        working day still gets N full working days, as the civil code counts periods."""
        return self.end_of_day(self.shift_working_days(self.local(start).date(), n))

    # -- working time

    def _spans(self, start: datetime, last_day: date | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC, clipped to start) from start's local date on, in order."""
        s = start.astimezone(_UTC)
        d = start.astimezone(self.zone).date()
        while last_day is None or d <= last_day:
            if self.is_working_day(d):
                for a, b in self.hours:
                    hi = self._wall(d, b).astimezone(_UTC)
                    if hi > s:
                        yield max(self._wall(d, a).astimezone(_UTC), s), hi
            d = self._step(d, 1)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant by which ``amount`` of working time has passed since ``start``.

        "Earliest" makes 9 h from 09:00 end at 18:00 the same day, not at 09:00 the
        next working day; time before opening or on a day off does not count.
        """
        begin = self.local(start)
        if amount < timedelta(0):
            raise ValueError(f"working time cannot be negative: {amount}")
        if not amount:
            return begin
        left = amount
        for lo, hi in self._spans(begin):
            if left <= hi - lo:
                return (lo + left).astimezone(self.zone)
            left -= hi - lo
        raise AssertionError("unreachable: _spans ends only by CalendarRangeError")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b), negative if b is earlier: the share of an SLA used so far."""
        a, b = self.local(a), self.local(b)
        end = b.astimezone(_UTC)
        if end < a.astimezone(_UTC):
            return -self.working_time_between(b, a)
        total = timedelta(0)
        for lo, hi in self._spans(a, last_day=b.date()):
            if lo >= end:
                break
            total += min(hi, end) - lo
        return total

    # -- batches

    def next_batch(self, t: datetime, times: Sequence[time | str], working_days_only: bool) -> datetime:
        """The first batch at or after ``t`` (an order at exactly 14:00 makes the 14:00 batch).

        ORD-01 reviews at 09:00, 14:00, 18:00: an order at 18:05 waits for 09:00 on
        the next day, or the next working day when the rule says so.
        """
        return self.first_batch(t, batch_slots(times), working_days_only)

    def first_batch(self, t: datetime, slots: tuple[float, ...], working_days_only: bool) -> datetime:
        """``next_batch`` with the batch times as ``batch_slots`` gives them (a span reads its times once)."""
        at_utc, d = t.astimezone(_UTC), self.local(t).date()
        while True:
            for cand_utc, cand in _day_batches(self, d, slots, working_days_only):
                if cand_utc >= at_utc:
                    return cand
            d = self._step(d, 1)

    def digest(self) -> str:
        """sha256 (hex) of what the calendar answers: zone, weekly pattern, hours, range and
        the days that depart from the pattern. Ids, titles and reasons are left out, so
        two definitions that answer alike stamp alike."""
        return self._digest

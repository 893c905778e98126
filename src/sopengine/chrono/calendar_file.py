"""A calendar's rules file (``kind: Calendar``) read into a ``Calendar``, each error at its JSON Pointer.

Apart from calendars.py, which answers questions of days and working time: what
a file may say (a base, a zone, the weekly pattern, working hours with breaks,
a company's own days, the State Council's notices, an estimate) is read here once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from .instants import ValueProblem
from .instants import zone as _zone
from .official import (
    COMPANY,
    DECLARED,
    PACKAGE,
    day_entries,
    package_data,
    read_estimate,
    read_schedules,
)
from .reader import DAY_SECONDS as _DAY
from .reader import Reader

DEFAULT_ZONE = "Asia/Shanghai"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CALENDAR_KEYS = ("apiVersion", "kind", "id", "title", "base", "timezone", "weekly_working_days",
                  "working_hours", "extra_days_off", "extra_working_days", "schedules", "estimate")


def _weekly(r: Reader, node: Any) -> frozenset[int]:
    if node is None:
        return frozenset(range(5))
    days: set[int] = set()
    for i, name in enumerate(r.list(node, "/weekly_working_days")):
        if name not in WEEKDAY_NAMES or WEEKDAY_NAMES.index(name) in days:
            r.fail(f"expected a distinct day out of {', '.join(WEEKDAY_NAMES)}, got {name!r}",
                   f"/weekly_working_days/{i}")
        days.add(WEEKDAY_NAMES.index(name))
    if not days:
        r.fail("name at least one working day", "/weekly_working_days")
    return frozenset(days)


def _hours(r: Reader, node: Any) -> tuple[tuple[int, int], ...]:
    """Working intervals as seconds of the day; none declared means the whole day."""
    if node is None:
        return ((0, _DAY),)
    node = r.mapping(node, "/working_hours", ("start", "end", "breaks"))
    start = r.clock(node.get("start"), "/working_hours/start")
    end = r.clock(node.get("end"), "/working_hours/end", allow_24=True)
    if end <= start:
        r.fail("end must be after start (overnight shifts are not supported)", "/working_hours/end")
    parsed = []
    for i, b in enumerate(r.list(node.get("breaks", []), "/working_hours/breaks")):
        p = f"/working_hours/breaks/{i}"
        b = r.mapping(b, p, ("start", "end"))
        parsed.append((r.clock(b.get("start"), p + "/start"), r.clock(b.get("end"), p + "/end"), p))
    spans, cursor = [], start
    for b_start, b_end, p in sorted(parsed):
        if not cursor < b_start < b_end < end:
            r.fail("a break must lie inside the working hours, clear of other breaks, "
                   "with working time on both sides", p)
        spans.append((cursor, b_start))
        cursor = b_end
    spans.append((cursor, end))
    return tuple(spans)


class _Built(Protocol):
    """What reading asks of the calendar it builds (calendars.Calendar, which imports this module)."""

    @property
    def weekly(self) -> frozenset[int]: ...
    @property
    def hours(self) -> tuple[tuple[int, int], ...]: ...
    def source_of(self, year: int) -> str | None: ...
    def coverage(self) -> str: ...


C = TypeVar("C", bound=_Built)


def read_calendar(cls: Callable[..., C], doc: Any, source: str = "") -> C:
    """``cls`` built from a calendar file's data; CalendarError at the pointer of what is wrong."""
    r = Reader(source)
    ident, title = r.header(doc, "Calendar", _CALENDAR_KEYS)
    try:
        tz = _zone(doc.get("timezone", DEFAULT_ZONE))
    except ValueProblem as exc:
        r.fail(str(exc), "/timezone")
    base = doc.get("base")
    estimate = read_estimate(r, doc.get("estimate"))
    schedules = read_schedules(r, doc.get("schedules"))
    exceptions: dict[date, tuple[bool, str, str]] = {}
    years: dict[int, str] | None = None
    if base == "chinese-calendar":
        days, package_years = package_data()
        declared = {s.year for s in schedules}
        years = {y: PACKAGE for y in package_years}
        exceptions = {d: (working, why, PACKAGE) for d, working, why in days if d.year not in declared}
        for s in schedules:  # a notice replaces the package's year: it is the whole list
            years[s.year] = DECLARED
            exceptions.update((d, (w, why, DECLARED)) for d, (w, why) in s.days.items())
    elif base == "weekdays":
        for key in ("schedules", "estimate"):
            if doc.get(key) is not None:
                r.fail(f"{key}: completes China's official calendar (base: chinese-calendar); with base "
                       "weekdays every year is the weekly pattern: name your own days in extra_days_off", f"/{key}")
    else:
        r.fail(f"base must be 'chinese-calendar' or 'weekdays', got {base!r}", "/base")
    last = max(years) if years else 9999
    if years and estimate is not None:
        last = max(last, estimate.method.last_year)
    covered = (date(min(years), 1, 1), date(last, 12, 31)) if years else (date.min, date.max)
    cal = cls(ident, title, tz, _weekly(r, doc.get("weekly_working_days")), _hours(r, doc.get("working_hours")),
              covered, {}, years, estimate)
    named: dict[date, str] = {}
    for working, key in ((False, "extra_days_off"), (True, "extra_working_days")):
        for day, reason, p in day_entries(r, doc.get(key), f"/{key}"):
            if cal.source_of(day.year) is None:
                r.fail(f"{day.isoformat()} is outside the data's range {cal.coverage()}", p)
            if day in named:
                r.fail(f"{day.isoformat()} is already named at {named[day]}", p)
            named[day] = p
            exceptions[day] = (working, reason, COMPANY)
    notices = {s.year: (s.title, s.issued, s.url) for s in schedules}
    return cls(ident, title, tz, cal.weekly, cal.hours, covered, exceptions, years, estimate, notices)

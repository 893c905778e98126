"""Where each year of China's official calendar comes from: a notice, the package, or the law.

Three sources, in order of precedence, so that publishing a year is one edit:

1. **declared**: a ``schedules:`` entry of the calendar file, copied from the State
   Council's notice for that year (its title and date are required: a day off
   without a source cannot be checked). A declared year replaces the package's data
   for that year entirely, since a notice is the whole list and mixing two lists
   could keep a day the notice does not have.
2. **package**: the ``chinese-calendar`` package (State Council notices 2004 on, as
   far as its release goes), copied when the Calendar is built.
3. **estimated**: with ``estimate:`` in the file, any later year without data is
   counted from the statutory holidays (``holidays``), and every deadline that
   depends on it says so and is at most a warning by default.

A year none of these covers (before the first year with data, say) is a
``CalendarRangeError``, never a guess.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .holidays import METHODS, Method
from .reader import Reader

__all__ = ["COMPANY", "DECLARED", "ESTIMATED", "PACKAGE", "Estimate", "Schedule", "day_entries", "package_data",
           "read_estimate", "read_schedules", "spans"]

DECLARED, PACKAGE, ESTIMATED, COMPANY = "declared", "package", "estimated", "company"
SEVERITIES = ("error", "warning", "info")
_MAX_SPAN = 366  # a from/to range longer than a year is a typo, not a closure
_SLACK = timedelta(days=31)  # a notice may name a make-up day just before its year (2012's: 2011-12-31)


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the file asked for beyond its data: the method, and the highest severity a
    finding that depends on an estimated day may have (``error`` keeps the rule's own)."""

    method: Method
    max_severity: str = "warning"

    def payload(self) -> dict[str, Any]:
        return {"method": self.method.id, "max_severity": self.max_severity}


@dataclass(frozen=True, slots=True)
class Schedule:
    """One year's notice: its source and its days (working?, reason) by date."""

    year: int
    title: str
    issued: date
    url: str
    days: Mapping[date, tuple[bool, str]]


@functools.lru_cache(maxsize=1)
def _package() -> tuple[tuple[tuple[date, bool, str], ...], tuple[int, ...]]:
    from chinese_calendar import constants as cc  # late: weekdays needs none

    names = {h.value: f"{h.value} ({h.chinese})" for h in cc.Holiday}
    makeup = {v: f"make-up working day for {names.get(v, v)} (调休)" for v in set(cc.workdays.values())}
    days = [(d, False, names.get(v, v)) for d, v in cc.holidays.items()]  # shared strings pickle once
    days += [(d, True, makeup[v]) for d, v in cc.workdays.items()]
    years = sorted({d.year for d in cc.holidays})
    return tuple(days), tuple(range(years[0], years[-1] + 1))


def package_data() -> tuple[tuple[tuple[date, bool, str], ...], tuple[int, ...]]:
    """China's official days off and make-up working days from the package, and its years
    (read once per process; tests replace this function to simulate a newer release)."""
    return _package()


def day_entries(r: Reader, node: Any, pointer: str) -> Iterator[tuple[date, str, str]]:
    """(day, reason, pointer) for each day a list names; ``from``/``to`` ranges are expanded."""
    for i, item in enumerate(r.list(node if node is not None else [], pointer)):
        p = f"{pointer}/{i}"
        item = r.mapping(item, p, ("date", "from", "to", "reason"))
        reason = r.text(item.get("reason"), p + "/reason")
        if set(item) - {"reason"} == {"date"}:
            yield r.date(item["date"], p + "/date"), reason, p
            continue
        if set(item) - {"reason"} != {"from", "to"}:
            r.fail("write either date: or both from: and to:", p)
        first, last = r.date(item["from"], p + "/from"), r.date(item["to"], p + "/to")
        if not 0 <= (last - first).days < _MAX_SPAN:
            r.fail(f"to must be on or after from, and within {_MAX_SPAN} days of it", p + "/to")
        for k in range((last - first).days + 1):
            yield first + timedelta(days=k), reason, p


def read_schedules(r: Reader, node: Any) -> tuple[Schedule, ...]:
    """The declared years; each day is named once across all of them, each year once."""
    out: list[Schedule] = []
    years: dict[int, str] = {}
    named: dict[date, str] = {}
    for i, item in enumerate(r.list(node if node is not None else [], "/schedules")):
        p = f"/schedules/{i}"
        item = r.mapping(item, p, ("year", "source", "days_off", "working_days"))
        year = item.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1 <= year <= 9998:
            r.fail(f"expected a year like 2027, got {year!r}", p + "/year")
        if year in years:
            r.fail(f"{year} is already declared at {years[year]}", p + "/year")
        years[year] = p
        src = r.mapping(item.get("source"), p + "/source", ("title", "date", "url"))
        title = r.text(src.get("title"), p + "/source/title")
        issued = r.date(src.get("date"), p + "/source/date")
        url = r.text(src["url"], p + "/source/url") if "url" in src else ""
        lo, hi = date(year, 1, 1) - _SLACK, date(year, 12, 31) + _SLACK
        days: dict[date, tuple[bool, str]] = {}
        for working, key in ((False, "days_off"), (True, "working_days")):
            for day, reason, dp in day_entries(r, item.get(key), f"{p}/{key}"):
                if not lo <= day <= hi:
                    r.fail(f"{day.isoformat()} is not in {year} (a notice names its own year's days, "
                           "and at most a make-up day in the month before or after)", dp)
                if day in named:
                    r.fail(f"{day.isoformat()} is already named at {named[day]}", dp)
                named[day] = dp
                days[day] = (working, reason)  # the notice is named once, in Calendar.notices
        if not days:
            r.fail(f"the schedule of {year} names no day: copy the notice's days off and make-up working days",
                   p)
        out.append(Schedule(year, title, issued, url, days))
    return tuple(out)


def read_estimate(r: Reader, node: Any) -> Estimate | None:
    if node is None:
        return None
    node = r.mapping(node, "/estimate", ("method", "max_severity"))
    method = node.get("method")
    if method not in METHODS:
        r.fail(f"method must be one of {', '.join(sorted(METHODS))}, got {method!r}", "/estimate/method")
    severity = node.get("max_severity", "warning")
    if severity not in SEVERITIES:
        r.fail(f"max_severity must be one of {', '.join(SEVERITIES)}, got {severity!r}", "/estimate/max_severity")
    return Estimate(METHODS[method], severity)


def spans(years: Iterable[int]) -> str:
    """``2004..2026, 2029`` for a set of years: how the range errors name what is covered."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)


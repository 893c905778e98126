"""``sopengine calendar ID YEAR``: a year of a working calendar, each named day with its provenance.

A rule author about to rely on a year (or who has just declared its notice) checks
it here: which days are off besides the weekly pattern, which weekend days are
worked (调休), and where each came from: ``declared`` (a notice in the calendar
file), ``package`` (chinese-calendar), ``estimated`` (the statutory holidays, for
a year no notice has published yet) or ``company`` (the file's own extra days).
Only the calendar's file is read, so a broken process elsewhere in the tree does
not stop the check of a calendar.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import CalendarRangeError, DefinitionError, UsageError
from .common import EXIT_OK, add_rules_arg

if TYPE_CHECKING:  # pragma: no cover
    from ..chrono.calendars import Calendar

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("calendar", help="show a year of a working calendar: days off, make-up days, provenance",
                       description="Print the days of YEAR that the calendar ID names (days off, make-up working "
                                   "days), each with where it came from: declared, package, estimated or company. "
                                   "Exit 0, or 2 for an unknown calendar, a broken calendar file or a year it "
                                   "cannot answer for.")
    p.add_argument("calendar", metavar="ID", help="the id of a Calendar in the rules tree, e.g. cn")
    p.add_argument("year", metavar="YEAR", type=int, help="e.g. 2027")
    add_rules_arg(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run)


def load_calendar(rules: str | None, ident: str) -> Any:
    """The built Calendar ``ident`` of the rules tree; its file's errors as a DefinitionError."""
    from ..engine import resolve_rules_dir
    from ..schemas import SchemaStore, default_schema_dirs
    from ..tree import Resources, read_sources, tree_sources

    root = resolve_rules_dir(rules)
    sources, findings = tree_sources(root)
    store = SchemaStore.from_dirs(default_schema_dirs(root))
    tree = read_sources(tuple(sources), store)
    findings = [*findings, *store.findings, *tree.findings]
    res = Resources(tree, findings)
    try:
        return res.calendar(ident)
    except LookupError as exc:
        # The calendar's own file, also when its schema errors kept it out of the tree.
        paths = {path for path, text in sources if _declares(path, text, ident)}
        own = [f for f in findings if f.severity == "error" and f.source.file in paths]
        if own:
            raise DefinitionError(own) from None
        raise UsageError(str(exc.args[0]) if exc.args else str(exc)) from None


def _declares(path: str, text: str, ident: str) -> bool:
    from ..loader import parse_yaml

    doc, _ = parse_yaml(text, path)
    data = doc.data if doc is not None else None
    return isinstance(data, dict) and data.get("kind") == "Calendar" and data.get("id") == ident


def year_report(cal: Calendar, year: int) -> dict[str, Any]:
    """What the command prints, as data (the JSON output): the year's provenance and its named days."""
    from ..chrono.official import ESTIMATED

    found = cal.source_of(year)
    if found is None:
        raise CalendarRangeError(date(year, 1, 1), cal.covered, cal.id, detail=cal.coverage())
    days = cal.year_days(year)
    first, count = date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days
    working = sum(cal.is_working_day(first + timedelta(days=k)) for k in range(count))
    report: dict[str, Any] = {"calendar": cal.id, "year": year, "provenance": found, "source": _source(cal, year, found),
                              "working_days": working, "rest_days": count - working, "days": []}
    if found == ESTIMATED and cal.estimate is not None:  # (an estimated year is one of a calendar with an estimate)
        m = cal.estimate.method
        report["note"] = f"{m.note((year,))[1]} of {m.law}; weekends rest; make-up working days are never guessed"
        report["max_severity"] = cal.estimate.max_severity
    for d, is_working, reason, prov in days:
        weekend = d.weekday() not in cal.weekly
        kind = ("make-up working day" if weekend else "working day") if is_working else (
            "rest day (weekend)" if weekend else "rest day")
        report["days"].append({"date": d.isoformat(), "weekday": _WEEKDAYS[d.weekday()], "working": is_working,
                               "kind": kind, "reason": reason, "provenance": prov})
    return report


def _source(cal: Calendar, year: int, found: str) -> str:
    if found == "declared":
        title, issued, url = cal.notices[year]
        return f"{title} ({issued.isoformat()})" + (f" {url}" if url else "")
    if found == "package":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"chinese-calendar {version('chinese-calendar')} (State Council notices)"
        except PackageNotFoundError:  # pragma: no cover - a dependency
            return "chinese-calendar (State Council notices)"
    if found == "estimated" and cal.estimate is not None:
        return f"estimate {cal.estimate.method.id}"
    return "the weekly pattern (base: weekdays)"


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.year <= 9998:
        raise UsageError(f"YEAR must be between 1 and 9998, got {args.year}")
    cal = load_calendar(args.rules, args.calendar)
    try:
        report = year_report(cal, args.year)
    except CalendarRangeError as exc:
        raise UsageError(f"{exc}; no guess is made for it") from None
    if args.format == "json":
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    out = sys.stdout
    out.write(f"calendar {report['calendar']} {report['year']}: {report['provenance']} ({report['source']})\n")
    if "note" in report:
        out.write(f"  {report['note']}; findings that depend on it are at most {report['max_severity']}\n")
    for d in report["days"]:
        out.write(f"  {d['date']} {d['weekday']}  {d['kind']:<20} {d['provenance']:<9}  {d['reason']}\n")
    if not any(d["kind"] == "make-up working day" for d in report["days"]):
        out.write("  (no make-up working day)\n")
    out.write(f"{report['working_days']} working days, {report['rest_days']} rest days\n")
    return EXIT_OK

"""The agenda written out: text for people, JSON and CSV for tools, iCalendar for a team's calendar.

Every writer takes an :class:`~sopengine.tools.agenda.Agenda` that has seen the
whole batch. Text from records (ids, quoted evidence in messages) is data: the
text writer prints control characters as escapes (as ``check`` does), and so do
the CSV and iCalendar writers in every field from data (their CRLF line ends are
their own, so they cannot go through the CLI's escaping stream); CSV cells that a
spreadsheet would run as a formula are quoted with a leading ``'``; the iCalendar
writer leaves folding and escaping (RFC 5545 §3.1, §3.3.11) to ``icalendar``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import IO

from ..text.controls import escape_controls as _line
from .agenda import Agenda, AgendaItem

__all__ = ["WRITERS", "write_csv", "write_ics", "write_json", "write_text"]

_WORDS = {
    "en": {"overdue": "overdue {late}", "due": "due in {left}", "none": "no due time", "open": "open",
           "of_which": "overdue", "left_out": "{n} more left out (--limit {limit} per role; the most urgent are kept)",
           "total": "{n} open action(s) across {records} record(s), {overdue} overdue",
           "filtered": "{n} outside --role/--within", "empty": "nothing open"},
    "zh": {"overdue": "已逾期 {late}", "due": "剩余 {left}", "none": "无期限", "open": "项待办",
           "of_which": "项逾期", "left_out": "另有 {n} 项未列出（每个角色最多 {limit} 项，保留最紧急的）",
           "total": "{records} 条记录中共 {n} 项待办，{overdue} 项逾期",
           "filtered": "{n} 项不在 --role/--within 范围内", "empty": "没有待办"},
}


def _status(item: AgendaItem, w: dict[str, str]) -> str:
    if item.due is None:
        return w["none"]
    return w["overdue"].format(late=item.late_by) if item.overdue else w["due"].format(left=item.left)


def write_text(agenda: Agenda, out: IO[str]) -> None:
    """One block per role, most urgent role first; each line: status, due, record, action, clauses, message."""
    w = _WORDS["zh" if agenda.lang == "zh" else "en"]
    groups = agenda.by_role()
    overdue = 0
    for role, items in groups:
        late = sum(i.overdue for i in items)
        overdue += late
        out.write(_line(f"{role}: {len(items)} {w['open']}" + (f", {late} {w['of_which']}" if late else "")) + "\n")
        for i in items:
            due = i.due or "-"
            where = f"  ({i.source})" if i.source else ""
            out.write("  " + _line(f"{_status(i, w):<18} {due:<25} {i.record or '(no id)'} {i.process}/{i.action} "
                                   f"[{', '.join(i.clauses)}] {i.message}{where}") + "\n")
        if agenda.left_out.get(role):
            out.write("  " + w["left_out"].format(n=agenda.left_out[role], limit=agenda.limit) + "\n")
    if not groups:
        out.write(w["empty"] + "\n")
    shown = agenda.count()
    out.write("\n" + w["total"].format(n=shown, records=agenda.records, overdue=overdue))
    if agenda.filtered:
        out.write("; " + w["filtered"].format(n=agenda.filtered))
    out.write("\n")


def write_json(agenda: Agenda, out: IO[str]) -> None:
    """A JSON list in agenda order, one object per item (``schemas/agenda.schema.json``)."""
    out.write("[")
    for n, item in enumerate(agenda.items()):
        out.write(("," if n else "") + "\n  " + json.dumps(item.to_dict(), ensure_ascii=False))
    out.write("\n]\n" if agenda.count() else "]\n")


_CSV_FIELDS = ["role", "record", "process", "version", "action", "title", "due", "overdue", "late_by", "left",
               "clauses", "message", "roles", "source"]


def _cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (a formula to Excel) gets a leading '."""
    s = "" if value is None else _line(";".join(value) if isinstance(value, list) else str(value))
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def write_csv(agenda: Agenda, out: IO[str]) -> None:
    wr = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    wr.writerow(_CSV_FIELDS)
    for item in agenda.items():
        d = item.to_dict()
        wr.writerow([_cell(str(d[k]).lower() if isinstance(d[k], bool) else d[k]) for k in _CSV_FIELDS])


def _uid(item: AgendaItem) -> str:
    """Stable across runs, so that a subscribed calendar updates an event instead of adding another."""
    key = "\x1f".join([item.process or "", item.record or "", item.action])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@sopengine"


def write_ics(agenda: Agenda, out: IO[str]) -> None:
    """VEVENTs of 15 minutes at each due time; actions without a due time have no place in a calendar."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//sopengine//agenda//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "sopengine agenda" if agenda.lang != "zh" else "sopengine 待办")
    w = _WORDS["zh" if agenda.lang == "zh" else "en"]
    for item in agenda.items():
        at = item.due_at
        if at is None:
            continue
        ev = Event()
        ev.add("uid", _uid(item))
        ev.add("dtstamp", agenda.now.astimezone(UTC))
        ev.add("dtstart", at.astimezone(UTC))  # UTC: a fixed offset has no VTIMEZONE to name
        ev.add("duration", timedelta(minutes=15))
        flag = "⚠ " if item.overdue else ""
        ev.add("summary", _line(f"{flag}{item.role}: {item.title} — {item.record or '(no id)'}"))
        what = f"{item.process} {item.version or ''} · {item.action} · {', '.join(item.clauses)}"
        lines = [_status(item, w), item.message, what] + ([item.source] if item.source else [])
        ev.add("description", "\n".join(_line(t) for t in lines))
        ev.add("categories", [item.role])
        ev.add("status", "CONFIRMED")
        cal.add_component(ev)
    out.write(cal.to_ical().decode("utf-8"))


WRITERS: dict[str, Callable[[Agenda, IO[str]], None]] = {
    "text": write_text, "json": write_json, "csv": write_csv, "ics": write_ics}

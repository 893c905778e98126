"""What every kind of time definition shares: the envelope reader and its errors.

Calendars and promotion windows are rule files like processes, and a mistake in
one must reach the rule author as file:line:column, never as a traceback. So each
reader names the JSON pointer of what it refuses (``CalendarError.pointer``), and
the loader maps the pointer through ``Document.where``. Kept apart from
``calendars`` so that ``promotions`` (and later kinds) read their files the same
way without importing the calendar arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

from ..errors import CalendarError, CalendarRangeError
from ..results import Text

__all__ = ["API_VERSION", "CalendarError", "CalendarRangeError", "Reader", "parse_clock", "require_aware"]

API_VERSION = "sopengine/v1"
DAY_SECONDS = 86400
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_CLOCK_RE = re.compile(r"^(\d{2}):([0-5]\d)(?::([0-5]\d))?$", re.ASCII)


def require_aware(instant: datetime) -> datetime:
    """A naive datetime is refused, never guessed: read in the wrong zone it is 8 h off."""
    if not isinstance(instant, datetime):
        raise TypeError(f"expected an aware datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: give it an offset "
                         "(values.parse_instant reads records in the process zone)")
    return instant


class Reader:
    """Type checks over a parsed rule file, each failure naming the file and the key."""

    def __init__(self, source: str = "") -> None:
        self.source = source

    def fail(self, message: str, pointer: str) -> NoReturn:
        raise CalendarError(message, pointer=pointer, source=self.source)

    def mapping(self, node: Any, pointer: str, allowed: Iterable[str]) -> Mapping[str, Any]:
        """Unknown keys are errors: a misspelt ``extra_day_off`` would otherwise be ignored."""
        if not isinstance(node, Mapping):
            self.fail(f"expected a mapping, got {type(node).__name__}", pointer)
        allowed = set(allowed)
        extra = sorted(str(k) for k in node if k not in allowed)
        if extra:
            key = extra[0].replace("~", "~0").replace("/", "~1")
            self.fail(f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})", f"{pointer}/{key}")
        return node

    def list(self, node: Any, pointer: str) -> list[Any]:
        if not isinstance(node, list):
            self.fail(f"expected a list, got {type(node).__name__}", pointer)
        return node

    def text(self, node: Any, pointer: str) -> str:
        if not isinstance(node, str) or not node.strip():
            self.fail(f"expected a non-empty string, got {node!r}", pointer)
        return node

    def bilingual(self, node: Any, pointer: str) -> Text:
        node = self.mapping(node, pointer, ("zh", "en"))
        return Text(zh=self.text(node.get("zh"), pointer + "/zh"), en=self.text(node.get("en"), pointer + "/en"))

    def date(self, node: Any, pointer: str) -> date:
        if isinstance(node, date) and not isinstance(node, datetime):
            return node
        try:  # the pattern first: 3.11's fromisoformat also takes 20251001 and 2025-W40-3
            if isinstance(node, str) and _DATE_RE.match(node):
                return date.fromisoformat(node)
        except ValueError:
            pass
        self.fail(f"expected a YYYY-MM-DD date, got {node!r}", pointer)

    def clock(self, node: Any, pointer: str, *, allow_24: bool = False) -> int:
        """Seconds after midnight; 24:00 only where it can end a span."""
        try:
            secs = int(_clock(node).total_seconds())
        except ValueError as exc:
            self.fail(str(exc), pointer)
        if secs == DAY_SECONDS and not allow_24:
            self.fail("24:00 can only end the working hours", pointer)
        return secs

    def header(self, doc: Any, kind: str, allowed: Iterable[str]) -> tuple[str, Text]:
        """The envelope every rule file shares; returns (id, title)."""
        doc = self.mapping(doc, "", allowed)
        if doc.get("apiVersion") != API_VERSION:
            self.fail(f"apiVersion must be {API_VERSION!r}, got {doc.get('apiVersion')!r}", "/apiVersion")
        if doc.get("kind") != kind:
            self.fail(f"kind must be {kind!r}, got {doc.get('kind')!r}", "/kind")
        ident = doc.get("id")
        if not isinstance(ident, str) or not _ID_RE.match(ident):
            self.fail(f"id must match {_ID_RE.pattern}, got {ident!r}", "/id")
        return ident, self.bilingual(doc.get("title"), "/title")


def _clock(value: Any) -> timedelta:
    """Time after midnight for ``"09:00"``/``"09:00:30"``; 24:00 is the end of the day."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"got the number {value}: quote clock times in YAML (\"14:00\"), "  # noqa: TRY004 - callers report ValueError at the value's position
                         "YAML 1.1 reads an unquoted 14:00 as 840")
    m = _CLOCK_RE.match(value.strip()) if isinstance(value, str) else None
    if not m or (int(m[1]) > 23 and m[0] not in ("24:00", "24:00:00")):
        raise ValueError(f"expected a time like \"09:00\", got {value!r}")
    return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3] or 0))


def parse_clock(value: Any) -> time:
    """A wall-clock time of day from ``"09:00"`` (rules carry them as strings)."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"a wall-clock time has no zone (the calendar has one): {value!r}")
        return value
    after = _clock(value)
    if after >= timedelta(days=1):
        raise ValueError(f"{value!r} is not a time of day")
    return (datetime.min + after).time()

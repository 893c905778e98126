"""Conversions every stage agrees on: instants, money, durations.

Records come from many systems, so timestamps may lack an offset (read in the
process's zone, never in the machine's), money may be a JSON number or a decimal
string (compared exactly), and people read durations as "4 h 10 min", not seconds.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as _dtparser

from ..errors import ValueProblem

__all__ = [
    "MAX_SPAN_DAYS",
    "ValueProblem",
    "bounded_span",
    "check_instant",
    "format_duration",
    "parse_date",
    "parse_duration",
    "parse_instant",
    "rfc3339",
    "shown_as_read",
    "to_decimal",
    "zone",
]


_ZONES: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    """ZoneInfo objects are cached by the stdlib too; this keeps the error ours."""
    try:
        z = _ZONES.get(name)
        if z is None:
            z = _ZONES[name] = ZoneInfo(name)
        return z
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd keys
        raise ValueProblem(f"unknown time zone {name!r}") from exc


_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.ASCII)


_PARSED: dict[tuple[str, tzinfo], datetime] = {}
_PARSED_MAX = 8192  # a record's instants are read 2-3 times (view, replay, SLAs): each is parsed once


def parse_instant(value: Any, tz: tzinfo) -> datetime:
    """An aware datetime; a value without an offset is wall time in ``tz``.

    Text is parsed once and remembered (a bounded table; datetimes are immutable).
    """
    if type(value) is str:
        key = (value, tz)
        dt = _PARSED.get(key)
        if dt is None:
            dt = _parse_instant(value, tz)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = dt
        return dt
    return _parse_instant(value, tz)


def _parse_instant(value: Any, tz: tzinfo) -> datetime:
    """``parse_instant`` without the memo.

    Only ISO 8601 / RFC 3339 shapes are accepted: dateutil's free-form parser would
    happily read "6/3" as June or March depending on locale, and a compliance
    deadline must not depend on a guess.
    """
    if type(value) is str and _written_out(value):
        try:
            dt = datetime.fromisoformat(value)  # with these separators, read only if every other place is a digit
        except ValueError:
            pass
        else:
            return dt if 1 < dt.year < 9999 else check_instant(dt, value)  # (it has an offset: aware)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and _ISO_RE.match(value.strip()):
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text)  # C-fast for the common shapes; ~20x dateutil
        except ValueError:
            try:
                dt = _dtparser.isoparse(text.replace(" ", "T", 1))  # e.g. nanosecond fractions
            except (ValueError, OverflowError) as exc:
                raise ValueProblem(f"not a valid timestamp: {value!r} ({exc})") from exc
    else:
        raise ValueProblem(f"not an RFC 3339 timestamp: {value!r} (write e.g. 2023-06-01T15:30:00+08:00)")
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=tz)
    return check_instant(dt, value)


def _written_out(value: str) -> bool:
    """``value`` has the separators of YYYY-MM-DDTHH:MM:SS±HH:MM, the shape most systems write: a
    shape ``_ISO_RE`` accepts whenever ``fromisoformat`` reads it, so the pattern need not be tried."""
    return len(value) == 25 and value[4::3] in _SEPARATORS  # (they stand every third character from the fifth)


_SEPARATORS = frozenset({"--T::+:", "--T::-:"})


# Within a day of datetime's ends an instant cannot be shown in every zone (0001-01-01T00:00+08:00
# is in year 0 in UTC), so converting it for a message or the CEL view would raise OverflowError.
_FIRST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
_LAST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def check_instant(dt: datetime, shown: Any = None) -> datetime:
    """``dt`` (aware) if every time zone can show it; ValueProblem naming the value otherwise.

    Checked where instants enter (records, rules, ``--now``) so that the error names
    the value, instead of an OverflowError surfacing from whichever later step
    first converts it.
    """
    if 1 < dt.year < 9999:  # an offset is under a day: the instant is in range in every zone
        return dt
    try:
        utc = dt.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not _FIRST <= utc <= _LAST:
        what = shown if isinstance(shown, str) else dt.isoformat()
        raise ValueProblem(f"timestamp {what!r} is outside the supported range "
                           f"{_FIRST.isoformat(timespec='seconds')} to {_LAST.isoformat(timespec='seconds')}")
    return dt


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if not value.isascii():
            raise ValueProblem(f"not a YYYY-MM-DD date: {value!r} (write ASCII digits)")
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as exc:
            raise ValueProblem(f"not a YYYY-MM-DD date: {value!r}") from exc
    raise ValueProblem(f"not a YYYY-MM-DD date: {value!r}")


def to_decimal(value: Any) -> Decimal:
    """Exact money: floats go through their shortest repr, so 199.99 stays 199.99."""
    if isinstance(value, bool):
        raise ValueProblem(f"not an amount of money: {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        if not value.isascii():  # Decimal() reads "１２" and "١٢" as 12; an amount is written in ASCII digits
            raise ValueProblem(f"not an amount of money: {value!r} (write ASCII digits, e.g. 299.00)")
        try:
            d = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueProblem(f"not an amount of money: {value!r}") from exc
    else:
        raise ValueProblem(f"not an amount of money: {value!r}")
    if not d.is_finite():
        raise ValueProblem(f"not a finite amount of money: {value!r}")
    return d


_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def parse_until(value: Any, tz: tzinfo) -> datetime:
    """The last instant something is kept: a day (``2026-05-01``, kept through it) is the end of that day
    in ``tz`` (23:59:59), anything else an instant as ``parse_instant`` reads it."""
    if type(value) is str and _DAY_RE.match(value):
        return parse_instant(value, tz).replace(hour=23, minute=59, second=59)
    return parse_instant(value, tz)


_SHOWN: dict[tuple[datetime, int, tzinfo], str] = {}


def rfc3339(dt: datetime, tz: tzinfo | None = None) -> str:
    """Seconds precision with an explicit offset, as RECORDS.md shows them.

    Shown in ``tz``, the text depends on the instant alone, so it is remembered (a
    bounded table, like ``parse_instant``'s): a record's instants are shown in its
    trace, its findings and its view, and the zone conversion costs 30 times the look-up.
    """
    if tz is None:
        return dt.isoformat(timespec="seconds")
    if dt.tzinfo is None:  # naive: the machine's zone, never remembered
        return dt.astimezone(tz).isoformat(timespec="seconds")
    key = (dt, dt.fold, tz)  # within one zone datetimes compare by wall time, fold aside: fold tells the instants apart
    text = _SHOWN.get(key)
    if text is None:
        local = dt.astimezone(tz)
        text = local.isoformat() if not local.microsecond else local.isoformat(timespec="seconds")  # (the same text,
        # a quarter faster)
        if len(_SHOWN) >= _PARSED_MAX:
            _SHOWN.clear()
        _SHOWN[key] = text
    return text


_TEXTS: dict[tuple[str, tzinfo], str] = {}


def shown_as_read(value: Any, tz: tzinfo) -> str:
    """``rfc3339(parse_instant(value, tz), tz)``: the text RECORDS.md shows for an instant. Most records
    already write it so (seconds, the offset ``tz`` has at that instant): that text is returned as it is,
    which spares formatting it again (the costliest step of reading a record's instants). Remembered by
    the text it is read from, as ``parse_instant`` remembers the instant (a bounded table: the same
    instants recur); asked for every instant of every record's view, so that reading is written out here."""
    if type(value) is not str:
        return rfc3339(parse_instant(value, tz), tz)
    key = (value, tz)
    text = _TEXTS.get(key)
    if text is not None:
        return text
    shaped = len(value) == 25 and value[4::3] in _SEPARATORS  # ``_written_out``
    dt = _PARSED.get(key)
    if dt is None:
        try:
            dt = datetime.fromisoformat(value) if shaped else None  # as ``_parse_instant`` reads that shape
        except ValueError:
            dt = None
        if dt is None or not 1 < dt.year < 9999:
            dt = _parse_instant(value, tz)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = dt
    # (24:00 is read as the next day's 00:00, and a zero offset is written +00:00.) The same instant
    # with the same offset has the same wall time: the text rfc3339 would write. And the other way round:
    # shown in ``tz``, the instant has the wall time written iff it has the offset written there, and
    # two offsets differ by under two days, so the day of the month and the time of day tell (at a
    # quarter of the cost of asking each for its offset, which a ZoneInfo looks up again)
    if shaped and value[11:13] != "24" and value[19:] != "-00:00" and (
            (local := dt.astimezone(tz)).day == dt.day and local.time() == dt.time()):
        text = value
    else:
        text = rfc3339(dt, tz)
    if len(_TEXTS) >= _PARSED_MAX:
        _TEXTS.clear()
    _TEXTS[key] = text
    return text


_DUR_RE = re.compile(
    r"^\s*(?:(?P<d>\d+(?:\.\d+)?)\s*d(?:ays?)?)?\s*(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?)?)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:utes?)?)?)?\s*(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:onds?)?)?)?\s*$", re.ASCII
)
_ISO_DUR_RE = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$", re.ASCII
)


def parse_duration(text: str) -> timedelta:
    """``24h``, ``10s``, ``2h30m``, ``15d``, ``15 days`` or ISO 8601 ``PT24H``."""
    if not isinstance(text, str) or not text.strip():
        raise ValueProblem(f"not a duration: {text!r}")
    t = text.strip()
    m = _ISO_DUR_RE.match(t) if t.startswith("P") else _DUR_RE.match(t)
    if not m or not any(m.groupdict().values()):
        raise ValueProblem(f"not a duration: {text!r} (write e.g. 24h, 10s, 2h30m, 15d or PT24H)")
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return bounded_span(g["d"] * 86400 + g["h"] * 3600 + g["m"] * 60 + g["s"], text)


MAX_SPAN_DAYS = 36525  # 100 years: longer than any deadline or retention period of the manual


def bounded_span(seconds: float, text: str) -> timedelta:
    """``seconds`` as a timedelta, or ValueProblem when beyond MAX_SPAN_DAYS: ``99999999999999d``
    overflowed timedelta with an OverflowError that ended ``validate`` in a traceback."""
    if not seconds <= MAX_SPAN_DAYS * 86400:
        raise ValueProblem(f"{text.strip()!r} is longer than {MAX_SPAN_DAYS} days (100 years)")
    return timedelta(seconds=seconds)


def format_duration(td: timedelta) -> str:
    """Human reading for messages: ``2 d 4 h 10 min``; seconds only below a minute."""
    total = int(abs(td.total_seconds()))
    d, rem = divmod(total, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    parts = []
    if d:
        parts.append(f"{d} d")
    if h:
        parts.append(f"{h} h")
    if m:
        parts.append(f"{m} min")
    if s and not d and not h:
        parts.append(f"{s} s")
    return " ".join(parts) or "0 s"

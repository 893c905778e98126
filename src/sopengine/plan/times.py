"""CEL's timestamp and duration functions on Python values, exactly or not at all (as ``ops``).

``timestamp(string)`` and ``duration(string)`` read RFC 3339 and CEL's duration text to the
microsecond; ``getHours`` and its kin read a duration's span or a timestamp's clock in a zone.
Anything finer, leap seconds, unknown zones and overflow raise ``_Fallback``: CEL answers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .ops import _Fallback, check_dur, check_ts

__all__ = ["duration_of", "time_part", "timestamp_of"]


_TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))", re.ASCII)
# (re.ASCII here and below: \d also matches other scripts' digits, which int() reads and CEL refuses)


_SEPARATORS = frozenset({"--T::+:", "--T::-:"})  # every third character from the fifth of YYYY-MM-DDTHH:MM:SS+HH:MM
_READ: dict[str, datetime] = {}  # text -> instant: a record's rules read the same few stamps many times


def timestamp_of(v: Any) -> datetime:
    """``timestamp(string)``: RFC 3339; fractions finer than a microsecond and leap seconds go to CEL."""
    if type(v) is datetime and v.tzinfo is not None:
        return v
    if type(v) is not str:
        raise _Fallback
    t = _READ.get(v)
    if t is None:
        t = _timestamp(v)
        if len(_READ) >= 8192:
            _READ.clear()
        _READ[v] = t
    return t


_OFFSETS: dict[str, timedelta] = {}  # "+08:00" -> 8 h: at most 2 x 24 x 60 texts, each CEL reads


def _offset(text: str) -> timedelta | None:
    """The offset ``±HH:MM`` stands for, as _TS reads it (ASCII digits, under a day), or None."""
    off = _OFFSETS.get(text)
    if off is None:
        hh, mm = text[1:3], text[4:]
        if not (hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()) or int(hh) > 23 or int(mm) > 59:
            return None
        off = timedelta(hours=int(hh), minutes=int(mm))
        _OFFSETS[text] = off = -off if text[0] == "-" else off
    return off


def _timestamp(v: str) -> datetime:
    if len(v) == 25 and v[4::3] in _SEPARATORS and (off := _offset(v[19:])) is not None:  # YYYY-MM-DDTHH:MM:SS+HH:MM,
        try:  # as most write it: the wall time read as UTC (ASCII digits only, no leap second: what _TS reads),
            t = datetime.fromisoformat(v[:19] + "+00:00")  # less its offset (0.6x the time of converting the
        except ValueError:  # instant fromisoformat reads, which also takes offset minutes past 59: CEL does not)
            pass
        else:
            try:
                return check_ts(t - off)
            except OverflowError:  # 0001-01-01T00:00:00+08:00 is in year 0 in UTC
                raise _Fallback from None
    m = _TS.fullmatch(v)
    if not m:
        raise _Fallback
    y, mo, d, h, mi, s, frac, z, sign, oh, om = m.groups()
    if frac and len(frac.rstrip("0")) > 6:
        raise _Fallback
    micro = int((frac or "0").ljust(6, "0")[:6])
    try:
        if z:
            tz = UTC
        else:
            if int(oh) > 23 or int(om) > 59:
                raise _Fallback
            off = timedelta(hours=int(oh), minutes=int(om))
            tz = timezone(-off if sign == "-" else off)
        t = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Fallback from None
    return check_ts(t)


_DUR_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)", re.ASCII)
_NS = {"h": 3_600_000_000_000, "m": 60_000_000_000, "s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


_SPANS: dict[str, timedelta] = {}  # text -> duration: built from a record's figures, the same few recur


def duration_of(v: Any) -> timedelta:
    """``duration(string)``: a sign and number-unit pairs (h, m, s, ms, us, ns), to the microsecond."""
    if type(v) is timedelta:
        return v
    if type(v) is not str:
        raise _Fallback
    d = _SPANS.get(v)
    if d is None:
        d = _duration(v)  # (text CEL must read raises: never cached)
        if len(_SPANS) >= 4096:
            _SPANS.clear()
        _SPANS[v] = d
    return d


def _duration(v: str) -> timedelta:
    whole = v[:-1]
    if v[-1:] == "s" and whole.isascii() and whole.isdigit():  # whole seconds, as string(n) + 's' writes them
        return check_dur(timedelta(seconds=int(whole)))
    text = v
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text or text == "0":
        if text == "0":
            return timedelta(0)
        raise _Fallback
    pos, ns = 0, 0
    while pos < len(text):
        m = _DUR_PART.match(text, pos)
        if not m:
            raise _Fallback
        num, unit = m.groups()
        whole, _, frac = num.partition(".")
        scale = _NS[unit]
        ns += int(whole or "0") * scale
        if frac:
            digits = int(frac)
            denom = 10 ** len(frac)
            if digits * scale % denom:
                raise _Fallback  # below a nanosecond
            ns += digits * scale // denom
        pos = m.end()
    if ns % 1000:
        raise _Fallback  # finer than a microsecond
    d = timedelta(microseconds=sign * ns // 1000)
    return check_dur(d)


def _trunc_div(n: int, d: int) -> int:
    q = abs(n) // d
    return q if n >= 0 else -q


def _micros(d: timedelta) -> int:
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


_ZONES: dict[str, Any] = {}  # zone text -> tzinfo: a rule names one or two, read on every evaluation


def _zone(name: Any) -> Any:
    if type(name) is not str:
        raise _Fallback
    tz = _ZONES.get(name)
    if tz is None:
        tz = _read_zone(name)  # (an unknown zone raises: never cached)
        if len(_ZONES) >= 256:
            _ZONES.clear()
        _ZONES[name] = tz
    return tz


def _read_zone(name: str) -> Any:
    m = re.fullmatch(r"([+-])(\d\d):(\d\d)", name, re.ASCII)
    if m:
        off = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(-off if m.group(1) == "-" else off)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*", name):
        raise _Fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Fallback from None


_DUR_UNIT = {"getHours": 3_600_000_000, "getMinutes": 60_000_000, "getSeconds": 1_000_000}
_TS_PART = {"getHours": "hour", "getMinutes": "minute", "getSeconds": "second"}


_UTC: Any = UTC  # time_part's zone when none is given (null given is no zone: CEL refuses getHours(null))


def time_part(fn: str, v: Any, tz: Any = _UTC) -> int:
    """getHours/getMinutes/getSeconds: of a duration, the whole span truncated toward zero; of a
    timestamp, the clock field in UTC or in the zone given."""
    if type(v) is timedelta and tz is _UTC:
        return _trunc_div(_micros(v), _DUR_UNIT[fn])
    if type(v) is datetime and v.tzinfo is not None:
        global _LOCAL
        last = _LOCAL  # (one read: another thread may replace it, never change it)
        if last[0] is v and last[1] == tz:
            local = last[2]
        else:
            try:
                local = v.astimezone(UTC if tz is _UTC else _zone(tz))
            except OverflowError:
                raise _Fallback from None
            _LOCAL = (v, tz, local)  # (tz is _UTC or text _zone read: anything else raised above)
        return int(getattr(local, _TS_PART[fn]))
    raise _Fallback


# The last instant shown in a zone, by identity (held here, so its id is never reused): a rule asks
# getHours, getMinutes and getSeconds of one stamp in one zone together (campaign's MKT-warmup-3-days
# three times per record), and timestamp() hands back the very datetime it remembered for the text,
# so the second and third ask are answered without converting it again (a ZoneInfo look-up each).
_LOCAL: tuple[Any, Any, datetime] = (None, None, datetime.min)

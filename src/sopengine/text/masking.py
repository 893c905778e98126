"""Masking of customer private data (CS-10) in everything sopengine writes out.

Results and reports quote evidence from records; a mainland mobile number or a
street address in a chat message must not travel on into CI logs. Every text a
result carries goes through ``mask_value``; the ``privacy`` check type uses the
same detectors to report unmasked data in agent messages.

Mobile numbers become ``138****5678`` (the form platforms show). Addresses keep
their administrative part (省/市/区/县, which identifies nobody) and lose the
street-level part: a road or compound name with its house, building, unit or
room numbers (``文三路90号3幢2单元501室`` → ``****``). Detection needs a number
next to a street-level word, so dates (``6月3号``) and counts (``3号和4号``)
are left alone.

Speed: every result passes through here, so a text without a digit returns at
once (both detectors need one), and each search runs only where a cheap test that
starts with a character set (which ``re`` scans for fast) finds what it needs. Idempotence is by construction: masking repeats
until nothing changes, and each change removes digits, so it stops, and the
result is a fixed point (``mask_text(mask_text(s)) == mask_text(s)``) that
contains no mobile number.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any, NamedTuple

__all__ = ["ADDRESS", "MOBILE", "Found", "find_private", "mask_text", "mask_texts", "mask_value"]

_D = r"[0-9０-９]"
# Mainland mobile numbers: 1[3-9]x xxxx xxxx (ASCII or full-width digits), optionally +86/86,
# with spaces or dashes; not part of a longer number or a decimal amount.
MOBILE = re.compile(
    r"(?<![0-9０-９])(?<![0-9０-９]\.)(?:[+＋]?[8８][6６][\s-]?)?([1１][3-9３-９][0-9０-９])[\s-]?([0-9０-９]{4})[\s-]?"
    r"([0-9０-９]{4})(?![0-9０-９])(?!\.[0-9０-９])"
)

_NUM = rf"{_D}{{1,5}}(?:[-－—之]{_D}{{1,5}})?"
_ROAD = r"(?:大街|大道|胡同|路|街|巷|弄)"  # not 里/道: 这里3号, 知道3号 are dates
_AREA = r"(?:小区|花园|公寓|大厦|广场|家园|新村|社区|公馆|苑|村|园|城|庄|府|湾|院)"
_BUILDING = r"(?:号楼|号院|栋|幢|座)"
_UNIT = r"(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|户|组|房)"
# a place name: letters, but not the administrative suffixes we keep nor the words that lead up to an address
_NAME = r"[^\W\d_省市区县镇乡在到是址住寄送往至的]{1,12}?"
# further numbered parts; a room number may follow a unit or building without a word (1单元302)
_DETAIL = rf"(?:\s*[A-Za-z]?{_NUM}\s*{_UNIT})*(?:(?:(?<=单元)|(?<=[栋幢座楼]))\s*{_NUM}(?![0-9０-９]))?"
ADDRESS = re.compile(
    rf"{_NAME}{_ROAD}\s*{_NUM}\s*(?:号|號|弄){_DETAIL}"  # 文三路90号3幢2单元501室
    rf"|{_NAME}{_AREA}\s*[A-Za-z]?{_NUM}\s*{_UNIT}{_DETAIL}"  # 阳光花园5栋1单元302
    rf"|{_NUM}\s*{_BUILDING}\s*{_NUM}\s*(?:单元|室|层|楼|号|户)?{_DETAIL}"  # 3栋501, 5号楼1单元302室
)
_ANY_DIGIT = re.compile(r"\d")
# MOBILE without its look-arounds and prefix: it starts with a character set, so re scans for it quickly
_MOBILE_HINT = re.compile(r"[1１][3-9３-９][0-9０-９][\s-]?[0-9０-９]{4}[\s-]?[0-9０-９]{4}")
# every ADDRESS alternative has a road, compound or building word followed by a number: a cheap
# test (dates such as 3号 fail it) before the costly search
_ADDRESS_HINT = re.compile(r"[街道同路巷弄区园寓厦场村馆苑城庄府湾院楼栋幢座]\s*[A-Za-z]?[0-9０-９]")


class Found(NamedTuple):
    kind: str  # "mobile" or "address"
    start: int
    end: int


def find_private(text: str) -> list[Found]:
    """Unmasked mobile numbers and street addresses in ``text``, in order of position."""
    if not _ANY_DIGIT.search(text):
        return []
    found = [Found("mobile", m.start(), m.end()) for m in MOBILE.finditer(text)] if _MOBILE_HINT.search(text) else []
    starts = [f.start for f in found]  # mobiles do not overlap, so their ends rise with their starts
    for m in ADDRESS.finditer(text) if _ADDRESS_HINT.search(text) else ():
        i = bisect_left(starts, m.end()) - 1  # the last mobile starting before the address ends
        if i < 0 or found[i].end <= m.start():  # one bisection, not a scan of every mobile per address
            found.append(Found("address", m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def _mobile(m: re.Match[str]) -> str:
    return f"{m.group(1)}****{m.group(3)}"


_MASKED: dict[str, str] = {}  # short texts, masked once: results quote the same roles, types and messages again and again


def mask_text(text: str) -> str:
    if len(text) > 200:
        return _mask(text)
    masked = _MASKED.get(text)
    if masked is None:
        masked = _mask(text)
        if len(_MASKED) >= 8192:
            _MASKED.clear()
        _MASKED[text] = masked
    return masked


def _mask(text: str) -> str:
    if not _ANY_DIGIT.search(text):
        return text
    while True:
        masked = MOBILE.sub(_mobile, text) if _MOBILE_HINT.search(text) else text
        if not masked.isascii() and _ADDRESS_HINT.search(masked):  # (every hint character is Chinese)
            masked = ADDRESS.sub("****", masked)
        if masked == text:
            return text
        text = masked


def mask_texts(a: str, b: str) -> tuple[str, str]:
    """``mask_text`` of each of two texts (a finding's two messages) in one call."""
    x, y = _MASKED.get(a), _MASKED.get(b)
    return x if x is not None else mask_text(a), y if y is not None else mask_text(b)


def mask_value(value: Any) -> Any:
    t = type(value)
    if t is str:
        return mask_text(value)
    if t is dict:  # a finding's evidence: its plain values masked here, a text already masked once without a call
        out: dict[Any, Any] = {}
        masked = _MASKED
        for k, v in value.items():
            tv = type(v)
            if tv is str:
                m = masked.get(v)
                out[k] = m if m is not None else mask_text(v)
            elif tv is list:  # (a list of texts, as evidence lists what is missing: no call for it, nor per text)
                out[k] = [(masked.get(x) or mask_text(x)) if type(x) is str else mask_value(x) for x in v]
            else:
                out[k] = v if tv is int or tv is float or tv is bool or v is None else mask_value(v)
        return out
    if t is int or t is float or t is bool or value is None:  # before the isinstance checks: most values
        return value
    if t is list:
        return [mask_text(v) if type(v) is str else mask_value(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value

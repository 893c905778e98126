"""One result as one line of JSON, written straight from the frozen result, and made safe as bytes.

``--format json`` and ``jsonl`` write ``json.dumps(result.to_dict(lang, trace),
ensure_ascii=False)`` for every result; building that dict and walking it again
cost more than judging a simple record. ``encode`` writes the very same text from
the dataclasses: the shape of ``Result.to_dict`` field by field, text through the
C function that ``json.dumps`` itself uses for text (``encode_basestring``), and
evidence (arbitrary JSON data) through an encoder with ``json.dumps``'s own settings.
The separators (", " and ": "), key order, non-ASCII text, numbers and floats are
therefore those of ``json.dumps``; tests/test_jsonline.py compares the two on every
example and on generated results, so the two cannot drift apart.

``safe_bytes`` is ``SafeText`` for a line that is already JSON: the UTF-8 bytes,
with the control and bidi characters escaped as ``\\u202e`` (the very same string
once parsed). JSON escapes every character below U+0020 already, so only DEL, the C1
controls, the line and paragraph separators and the bidi controls can be left: one
character class finds them, and an ASCII line needs only a search for DEL. A line with
other text is searched only when its UTF-8 bytes may hold one (``_maybe_unsafe``: a few
byte searches, at a fraction of the cost of the character class over Chinese text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..results import NextAction, Result, SourceRef, Unverified, Violation
from ..text.controls import escape_unsafe

__all__ = ["encode", "safe_bytes"]

_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes a str with (C when available)
_plain = json.JSONEncoder(ensure_ascii=False)
# json.dumps(ensure_ascii=False) builds this C encoder on every call (a third of its cost on evidence); built
# once here, with json.dumps's own separators, text function and NaN spelling. No circular-reference
# markers: results hold JSON data, which cannot be circular (and a shared markers dict would keep what a
# failed call left in it)
_make: Any = getattr(json.encoder, "c_make_encoder", None)  # None without the C accelerator
_chunks: Callable[[object, int], list[str]] | None = (
    _make(None, _plain.default, _text, None, ": ", ", ", False, False, True) if _make is not None else None)


def _data(v: object) -> str:
    """``json.dumps(v, ensure_ascii=False)``."""
    return "".join(_chunks(v, 0)) if _chunks is not None else _plain.encode(v)


# what SafeText escapes that JSON text can hold raw (JSON escapes everything below U+0020 itself):
# one character class, which the regex engine scans much faster than SafeText's alternation
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _value(v: object) -> str:
    """A field typed ``str | None``; anything else (an integer id from a record) as json.dumps writes it."""
    if type(v) is str:
        return _text(v)
    return "null" if v is None else _data(v)


def _number(v: object) -> str:
    return int.__repr__(v) if type(v) is int else _data(v)  # json.dumps writes ints so


def _texts(items: Iterable[object]) -> str:
    return "[" + ", ".join([_value(x) for x in items]) + "]"


_LISTS: dict[int, tuple[tuple[str, ...], str]] = {}  # id(tuple) -> (that tuple, kept so its id stays its own; text)


def _rule_texts(items: tuple[str, ...]) -> str:
    """``_texts`` of a tuple that results share with their rule (clauses, roles): written once per tuple,
    not per result. Keyed by identity, and the tuple is kept, so a key can never name another tuple."""
    hit = _LISTS.get(id(items))
    if hit is not None and hit[0] is items:
        return hit[1]
    text = _texts(items)
    if len(_LISTS) >= 4096:  # tuples built per result would otherwise accumulate
        _LISTS.clear()
    _LISTS[id(items)] = (items, text)
    return text


def _violation(v: Violation, lang: str) -> str:
    # (``_value`` written out for the fields that are text: a Python call less for each, on every finding)
    m, rule, severity, path = v.messages, v.rule, v.severity, v.path
    zh = _text(m.zh) if type(m.zh) is str else _value(m.zh)
    en = _text(m.en) if type(m.en) is str else _value(m.en)
    return (f'{{"rule": {_text(rule) if type(rule) is str else _value(rule)}, '
            f'"severity": {_text(severity) if type(severity) is str else _value(severity)}, '
            f'"clauses": {_rule_texts(v.clauses)}, "message": {zh if lang == "zh" else en}, '
            f'"messages": {{"zh": {zh}, "en": {en}}}, "path": {_text(path) if type(path) is str else _value(path)}, '
            f'"evidence": {_evidence(v.evidence) if v.evidence else "{}"}}}')


def _evidence(e: Mapping[str, object]) -> str:
    return _data(e if type(e) is dict else dict(e))  # json.dumps writes a dict; to_dict makes one of any mapping


def _action(a: NextAction, lang: str) -> str:
    overdue = "true" if a.overdue is True else "false" if a.overdue is False else _data(a.overdue)
    action, role, due, title, sla = a.action, a.role, a.due, a.title.get(lang), a.sla
    return (f'{{"action": {_text(action) if type(action) is str else _value(action)}, '
            f'"role": {_text(role) if type(role) is str else _value(role)}, '
            f'"due": {_text(due) if type(due) is str else _value(due)}, "clauses": {_rule_texts(a.clauses)}, '
            f'"title": {_text(title) if type(title) is str else _value(title)}, '
            f'"sla": {_text(sla) if type(sla) is str else _value(sla)}, '
            f'"overdue": {overdue}, "roles": {_rule_texts(a.roles) if a.roles else _texts((a.role,))}}}')


def _unverified(u: Unverified) -> str:
    return f'{{"rule": {_value(u.rule)}, "clauses": {_texts(u.clauses)}, "needs": {_texts(u.needs)}}}'


def _source(s: SourceRef) -> str:
    file, line, column = s.file, s.line, s.column
    name = _recurring(file)
    if type(line) is int and column == 1 and type(column) is int and not s.pointer:  # a JSON Lines record
        return f'{{"file": {name}, "line": {int.__repr__(line)}, "column": 1}}'
    out = f'{{"file": {name}'
    if line is not None:
        out += f', "line": {_number(line)}'
    if column is not None:
        out += f', "column": {_number(column)}'
    if s.pointer:
        out += f', "pointer": {_value(s.pointer)}'
    return out + "}"


_MADE_BY: dict[tuple[object, object], str] = {}  # (process, version) -> their fields' text
# text -> its JSON text, for the texts that recur from result to result: a source's file name, a digest
_RECURRING: dict[str, str] = {}


def _made_by(r: Result) -> str:
    """``"process": ..., "version": ..., ``: the same for every record one version judges, so written once."""
    key = (r.process, r.version)
    text = _MADE_BY.get(key)
    if text is None:
        text = f'"process": {_value(r.process)}, "version": {_value(r.version)}, '
        if not all(x is None or type(x) is str for x in key):  # (1 == True: only text is remembered)
            return text
        if len(_MADE_BY) >= 4096:
            _MADE_BY.clear()
        _MADE_BY[key] = text
    return text


def _recurring(x: object) -> str:
    """``_value(x)``, remembered when ``x`` is text: every record of a file, every result of a version repeats it."""
    text = _RECURRING.get(x) if type(x) is str else None
    if text is None:
        text = _value(x)
        if type(x) is str:
            if len(_RECURRING) >= 4096:
                _RECURRING.clear()
            _RECURRING[x] = text
    return text


def encode(r: Result, lang: str = "en", trace: bool = False) -> str:
    """``json.dumps(r.to_dict(lang, trace), ensure_ascii=False)``, without the dict."""
    record, state, vs, acts = r.record, r.state, r.violations, r.next_actions
    out = (f'{{"record": {_text(record) if type(record) is str else _value(record)}, {_made_by(r)}'
           f'"state": {_text(state) if type(state) is str else _value(state)}, '
           f'"violations": [{", ".join([_violation(v, lang) for v in vs]) if vs else ""}], '
           f'"next_actions": [{", ".join([_action(a, lang) for a in acts]) if acts else ""}], '
           f'"error": {_value(r.error)}, "digest": {_recurring(r.digest)}')
    if r.unverified:
        out += f', "unverified": [{", ".join([_unverified(u) for u in r.unverified])}]'
    if r.source is not None:
        out += f', "source": {_source(r.source)}'
    if trace:
        out += f', "trace": {_texts(r.trace)}'
    return out + "}"


# What those characters are as UTF-8 after a 0xE2 lead byte (U+200E, U+200F, U+2028-U+202E, U+2066-U+2069);
# the others start with 0x7F, 0xC2 (the C1 controls) or 0xD8 (U+061C)
_AFTER_E2 = frozenset(b"\x80" + bytes([b]) for b in (0x8E, 0x8F, *range(0xA8, 0xAF))) | frozenset(
    b"\x81" + bytes([b]) for b in range(0xA6, 0xAA))


def _maybe_unsafe(data: bytes) -> bool:
    """Whether UTF-8 ``data`` may hold one of those characters: False only when it surely does not. Byte
    searches (memchr) over the few lead bytes they start with; 0xE2 also starts Chinese quotation marks,
    so a few of its places are looked at, and many of them leave the answer to the exact search."""
    if b"\x7f" in data or b"\xc2" in data or b"\xd8" in data:
        return True
    at = data.find(b"\xe2")
    for _ in range(8):
        if at < 0:
            return False
        if data[at + 1:at + 3] in _AFTER_E2:
            return True
        at = data.find(b"\xe2", at + 3)
    return True


def safe_bytes(line: str) -> bytes:
    """``line`` (JSON text) as UTF-8, escaped as ``SafeText`` would write it."""
    if line.isascii():  # constant time: CPython knows
        return (escape_unsafe(line) if "\x7f" in line else line).encode("utf-8")
    data = line.encode("utf-8")
    if not _maybe_unsafe(data) or _RAW_IN_JSON.search(line) is None:
        return data
    return escape_unsafe(line).encode("utf-8")

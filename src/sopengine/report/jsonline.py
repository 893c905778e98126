"""One result as one line of JSON, written straight from the frozen result as UTF-8 bytes, made safe.

``--format json`` and ``jsonl`` write ``json.dumps(result.to_dict(lang, trace),
ensure_ascii=False)`` for every result, as UTF-8; building that dict and walking it
again cost more than judging a simple record. ``line`` writes the very same bytes
from the dataclasses: the shape of ``Result.to_dict`` field by field, each text as
orjson writes a string (byte for byte what ``json.dumps`` writes, encoded: every code
point is compared in tests/test_jsonline.py; without orjson, ``json.dumps``'s own C
function and an encode), evidence (arbitrary JSON data) through an encoder with
``json.dumps``'s own settings. Bytes, not text: a text with Chinese in it makes the
whole line two bytes a character, which then had to be encoded to UTF-8 whole; and
json's text function reads a string character by character where orjson copies it.
The separators (", " and ": "), key order, non-ASCII text, numbers and floats are
therefore those of ``json.dumps``; tests/test_jsonline.py compares the two on every
example and on generated results, so the two cannot drift apart.

``safe_utf8`` is ``SafeText`` for a line that is already JSON, as UTF-8: the control and
bidi characters escaped as ``\\u202e`` (the very same string once parsed). JSON escapes
every character below U+0020 already, so only DEL, the C1 controls, the line and
paragraph separators and the bidi controls can be left: their UTF-8 spellings are
searched for in the bytes (``_UNSAFE_UTF8``), and only when the bytes may hold one
(``_maybe_unsafe``: a few byte searches, at a fraction of the cost of that search).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..results import NextAction, Result, SourceRef, Unverified, Violation
from ..text.controls import escape_unsafe

__all__ = ["encode", "line", "safe_bytes", "safe_utf8"]

_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes a str with (C when available)
_plain = json.JSONEncoder(ensure_ascii=False)
# json.dumps(ensure_ascii=False) builds this C encoder on every call (a third of its cost on evidence); built
# once here, with json.dumps's own separators, text function and NaN spelling. No circular-reference
# markers: results hold JSON data, which cannot be circular (and a shared markers dict would keep what a
# failed call left in it)
_make: Any = getattr(json.encoder, "c_make_encoder", None)  # None without the C accelerator
_chunks: Callable[[object, int], list[str]] | None = (
    _make(None, _plain.default, _text, None, ": ", ", ", False, False, True) if _make is not None else None)

Text = Callable[[str], bytes]  # a str as a JSON string, UTF-8


def _data(v: object) -> bytes:
    """``json.dumps(v, ensure_ascii=False)``, UTF-8."""
    return ("".join(_chunks(v, 0)) if _chunks is not None else _plain.encode(v)).encode("utf-8")


def _json_text(s: str) -> bytes:
    """What json.dumps writes for a str, UTF-8 (raising, as encoding the line did, for a lone surrogate)."""
    return _text(s).encode("utf-8")


def _number(v: object) -> bytes:
    return int.__repr__(v).encode() if type(v) is int else _data(v)  # json.dumps writes ints so


def _writer(text: Text) -> Callable[[Result, str, bool], bytes]:
    """The line of a result, each of its texts written by ``text``: orjson's or json's (the same bytes)."""

    def value(v: object) -> bytes:
        """A field typed ``str | None``; anything else (an integer id from a record) as json.dumps writes it."""
        if type(v) is str:
            return text(v)
        return b"null" if v is None else _data(v)

    def texts(items: Iterable[object]) -> bytes:
        return b"[" + b", ".join([text(x) if type(x) is str else value(x) for x in items]) + b"]"

    lists: dict[int, tuple[tuple[str, ...], bytes]] = {}  # id(tuple) -> (that tuple, kept so its id stays its own; bytes)

    def rule_texts(items: tuple[str, ...]) -> bytes:
        """``texts`` of a tuple that results share with their rule (clauses, roles): written once per tuple,
        not per result. Keyed by identity, and the tuple is kept, so a key can never name another tuple."""
        hit = lists.get(id(items))
        if hit is not None and hit[0] is items:
            return hit[1]
        out = texts(items)
        if len(lists) >= 4096:  # tuples built per result would otherwise accumulate
            lists.clear()
        lists[id(items)] = (items, out)
        return out

    def violation(v: Violation, lang: str) -> bytes:
        # (``value`` written out for the fields that are text: a Python call less for each, on every finding)
        m, rule, severity, path, evidence = v.messages, v.rule, v.severity, v.path, v.evidence
        zh = text(m.zh) if type(m.zh) is str else value(m.zh)
        en = text(m.en) if type(m.en) is str else value(m.en)
        return b"".join((
            b'{"rule": ', text(rule) if type(rule) is str else value(rule),
            b', "severity": ', text(severity) if type(severity) is str else value(severity),
            b', "clauses": ', rule_texts(v.clauses), b', "message": ', zh if lang == "zh" else en,
            b', "messages": {"zh": ', zh, b', "en": ', en, b'}, "path": ', text(path) if type(path) is str else value(path),
            b', "evidence": ', (_data(evidence if type(evidence) is dict else dict(evidence)) if evidence else b"{}"), b"}"))
        # (json.dumps writes a dict; to_dict makes one of any mapping)

    def action(a: NextAction, lang: str) -> bytes:
        overdue = b"true" if a.overdue is True else b"false" if a.overdue is False else _data(a.overdue)
        name, role, due, title, sla = a.action, a.role, a.due, a.title.get(lang), a.sla
        return b"".join((
            b'{"action": ', text(name) if type(name) is str else value(name),
            b', "role": ', text(role) if type(role) is str else value(role),
            b', "due": ', text(due) if type(due) is str else value(due), b', "clauses": ', rule_texts(a.clauses),
            b', "title": ', text(title) if type(title) is str else value(title),
            b', "sla": ', text(sla) if type(sla) is str else value(sla),
            b', "overdue": ', overdue, b', "roles": ', rule_texts(a.roles) if a.roles else texts((a.role,)), b"}"))

    def unverified(u: Unverified) -> bytes:
        return b'{"rule": ' + value(u.rule) + b', "clauses": ' + texts(u.clauses) + b', "needs": ' + texts(u.needs) + b"}"

    def source(s: SourceRef) -> bytes:
        file, at, column = s.file, s.line, s.column
        name = recurring(file)
        if type(at) is int and column == 1 and type(column) is int and not s.pointer:  # a JSON Lines record
            return b'{"file": ' + name + b', "line": ' + int.__repr__(at).encode() + b', "column": 1}'
        out = b'{"file": ' + name
        if at is not None:
            out += b', "line": ' + _number(at)
        if column is not None:
            out += b', "column": ' + _number(column)
        if s.pointer:
            out += b', "pointer": ' + value(s.pointer)
        return out + b"}"

    made: dict[tuple[object, object, object], bytes] = {}  # (process, version, state) -> their fields' bytes
    # text -> its JSON bytes, for the texts that recur from result to result: a source's file name, a digest
    seen: dict[str, bytes] = {}

    def made_by(r: Result) -> bytes:
        """``"process": ..., "version": ..., "state": ..., "violations": [``: the same for every record one
        version leaves in one state, so written once."""
        key = (r.process, r.version, r.state)
        out = made.get(key)
        if out is None:
            out = (b'"process": ' + value(r.process) + b', "version": ' + value(r.version) + b', "state": '
                   + value(r.state) + b', "violations": [')
            if not all(x is None or type(x) is str for x in key):  # (1 == True: only text is remembered)
                return out
            if len(made) >= 4096:
                made.clear()
            made[key] = out
        return out

    def recurring(x: object) -> bytes:
        """``value(x)``, remembered when ``x`` is text: every record of a file, every result of a version repeats it."""
        out = seen.get(x) if type(x) is str else None
        if out is None:
            out = value(x)
            if type(x) is str:
                if len(seen) >= 4096:
                    seen.clear()
                seen[x] = out
        return out

    ends: dict[str, bytes] = {}  # digest -> ``null, "digest": ...``: a judged record's error and digest

    def judged(digest: str) -> bytes:
        """The error and digest of a record judged (no error) by the version of ``digest``, written once."""
        out = ends.get(digest)
        if out is None:
            if len(ends) >= 4096:
                ends.clear()
            out = ends[digest] = b'null, "digest": ' + text(digest)
        return out

    def encode(r: Result, lang: str, trace: bool) -> bytes:
        record, vs, acts = r.record, r.violations, r.next_actions
        parts = [b'{"record": ', text(record) if type(record) is str else value(record), b", ", made_by(r),
                 b", ".join([violation(v, lang) for v in vs]) if vs else b"",
                 b'], "next_actions": [', b", ".join([action(a, lang) for a in acts]) if acts else b"",
                 b'], "error": ', judged(digest) if (error := r.error) is None and type(digest := r.digest) is str
                 else value(error) + b', "digest": ' + recurring(r.digest)]
        if r.unverified:
            parts += (b', "unverified": [', b", ".join([unverified(u) for u in r.unverified]), b"]")
        if r.source is not None:
            parts += (b', "source": ', source(r.source))
        if trace:
            parts += (b', "trace": ', texts(r.trace))
        parts.append(b"}")
        return b"".join(parts)

    return encode


_by_json = _writer(_json_text)
try:  # orjson writes a str as json.dumps does, a few times faster; optional
    import orjson

    _by_orjson: Callable[[Result, str, bool], bytes] | None = _writer(orjson.dumps)
except ImportError:  # pragma: no cover
    _by_orjson = None


def line(r: Result, lang: str = "en", trace: bool = False) -> bytes:
    """``json.dumps(r.to_dict(lang, trace), ensure_ascii=False)`` as UTF-8, without the dict."""
    if _by_orjson is not None:
        try:
            return _by_orjson(r, lang, trace)
        except TypeError:  # orjson refuses a lone surrogate: json's text function says it as encoding the line did
            pass
    return _by_json(r, lang, trace)


def encode(r: Result, lang: str = "en", trace: bool = False) -> str:
    """``json.dumps(r.to_dict(lang, trace), ensure_ascii=False)``, without the dict."""
    return line(r, lang, trace).decode("utf-8")


# What those characters are as UTF-8 after a 0xE2 lead byte (U+200E, U+200F, U+2028-U+202E, U+2066-U+2069);
# the others start with 0x7F, 0xC2 (the C1 controls) or 0xD8 (U+061C)
_AFTER_E2 = frozenset(b"\x80" + bytes([b]) for b in (0x8E, 0x8F, *range(0xA8, 0xAF))) | frozenset(
    b"\x81" + bytes([b]) for b in range(0xA6, 0xAA))
# what SafeText escapes that JSON text can hold raw (JSON escapes everything below U+0020 itself), as UTF-8:
# DEL, U+0080-U+009F, U+061C, and those after 0xE2 (in UTF-8 a lead byte is never a continuation byte, so
# these bytes are those characters wherever they are)
_UNSAFE_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


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


def safe_utf8(data: bytes) -> bytes:
    """``data`` (JSON text, UTF-8) escaped as ``SafeText`` would write it."""
    if not _maybe_unsafe(data) or _UNSAFE_UTF8.search(data) is None:
        return data
    return escape_unsafe(data.decode("utf-8")).encode("utf-8")


def safe_bytes(text: str) -> bytes:
    """``text`` (JSON text) as UTF-8, escaped as ``SafeText`` would write it."""
    return safe_utf8(text.encode("utf-8"))

"""Banned-word scanning of listing text (PRD-06, GEN-02): normalise, match, map back.

Sellers who know a filter exists write around it: full-width or mathematical
letters (ＮＯ．１, 𝐍𝐨.𝟏), traditional characters (頂級), a space, an emoji or an
invisible character between the two characters of a word (最 佳, 最😊佳,
最\u200b佳), circled digits (第①). A regulator reads all of these as the claim,
so the matcher must too. We therefore fold every character on its own into a
canonical form (NFKC, case fold, traditional to simplified, numerals to digits,
separators dropped), run one Aho-Corasick automaton over the folded text, and
map every hit back to the original text, because the seller has to be shown
what *they* wrote and where, not our folded version of it.

Folding character by character (no context) is deliberate: it makes
``fold(a + b) == fold(a) + fold(b)``, so an index map is a plain list, the
vocabulary and the text are folded by the same function, and the properties the
tests rely on (inserting a separator never hides a word, adding an exempt
context never creates one) follow from the construction instead of from luck.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cache
from itertools import chain, compress
from threading import Lock
from typing import Any, Iterable, Mapping, Sequence

import ahocorasick_rs

from ..results import Severity, Text
from ..errors import VocabularyError

__all__ = ["fold", "fold_with_map", "Category", "Exemption", "Vocabulary", "VocabularyError", "WordHit",
           "BannedWordMatcher"]

# General categories (first letter) that carry no letters: separators, punctuation,
# symbols (emoji included), controls/format/private/unassigned (zero-width joiners,
# BOM, tag characters), and combining marks (variation selectors, keycaps).
_DROPPED_CLASSES = frozenset("ZPSCM")
# Letters by category that act as separators in practice: Hangul fillers are
# invisible, 丨丶丿 are the radicals titles use as a bar, a dot and a slash.
_DROPPED_LETTERS = frozenset("\u115f\u1160\u3164\uffa0丨丶丿")
# Chinese numerals fold to digits so that 第①, 第１ and 第一 are one spelling.
_NUMERALS = dict(zip("〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789"))
# Unified ideographs and their extensions: the code points OpenCC knows about.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0), (0x2A700, 0x2EBF0), (0x30000, 0x323B0))
_SEVERITIES = ("error", "warning", "info")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def _t2s() -> dict[str, str]:
    """Traditional -> simplified, one character to one character.

    OpenCC's phrase-level conversion is better prose but may change lengths and
    costs ~7 us per title; a per-character table keeps the index map a list and
    runs inside ``str.translate``. We still take the table from OpenCC (through
    its public API, once per process, ~0.2 s) rather than shipping a copy that
    would go stale. Ambiguous characters (乾 -> 干) fold the same way in the
    vocabulary and in the text, so they cannot cause a miss.
    """
    from opencc_purepy import OpenCC

    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    out = OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # pragma: no cover - would mean OpenCC merged lines
        raise RuntimeError("OpenCC t2s did not convert the character table line by line")
    return {c: s for c, s in zip(chars, out) if s != c and len(s) == 1}


def _dropped(c: str) -> bool:
    return c in _DROPPED_LETTERS or unicodedata.category(c)[0] in _DROPPED_CLASSES


def _fold_char(ch: str, t2s: Mapping[str, str]) -> str:
    # Classes are judged after NFKC (㍿ and Ⓝ are symbols that decompose to letters) and
    # again after case folding, never only after it: U+0345, a combining mark, folds to ι.
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if _dropped(c):
            continue
        for f in unicodedata.normalize("NFKC", c.casefold()):
            if not _dropped(f):
                f = t2s.get(f, f)
                out.append(_NUMERALS.get(f, f))
    return "".join(out)


def _build_fold_table() -> dict[int, int | str]:
    """Code point -> its folded string, or itself (an int) where folding keeps it.

    ``str.translate`` is the one C-speed loop Python offers for this, and it is
    fast only with a plain dict that has the key: a miss raises (and clears) a
    KeyError, a dict subclass that fills itself lazily costs ~25 % more per title.
    So the table is built once per process (~0.15 s, ~10 MB) with an entry for
    every code point of the first two planes (every script, symbol, emoji and
    stylised letter), identity entries reusing the key object. Beyond them only
    the characters that change are listed - the compatibility ideographs, the
    traditional characters of the CJK extensions, plane 14's invisible tags and
    variation selectors; the rest is unassigned or supplementary private use,
    which no font draws as nothing, and is kept as it is.
    """
    t2s = _t2s()
    table: dict[int, int | str] = {}
    wide = (ord(c) for c in t2s if ord(c) >= 0x20000)
    for cp in chain(range(0x20000), range(0x2F800, 0x2FA20), range(0xE0000, 0xE1000), wide):
        ch = chr(cp)
        folded = _fold_char(ch, t2s)
        if folded != ch:
            table[cp] = folded
        elif cp < 0x20000:
            table[cp] = cp
    return table


_FOLD: dict[int, int | str] = {}
_FOLD_LOCK = Lock()


def _fold_table() -> dict[int, int | str]:
    if not _FOLD:
        with _FOLD_LOCK:
            if not _FOLD:
                _FOLD.update(_build_fold_table())  # one C-level update: readers never see half a table
    return _FOLD


def _folded(cp: int) -> str:
    f = _fold_table().get(cp, cp)
    return chr(f) if isinstance(f, int) else f


class _ShapeTable(dict):
    """Code point -> how it folds: "\x00" dropped, "\x01" one character, "\x02" several.

    Translating a text through this table tells, at C speed, whether its index map
    is the identity (the usual case), a plain subsequence, or needs the slow loop.
    """

    __slots__ = ()

    def __missing__(self, cp: int) -> str:
        shape = self[cp] = chr(min(len(_folded(cp)), 2))
        return shape


_SHAPE = _ShapeTable()


@cache
def _wordchar(ch: str) -> bool:
    """Whether a character reads as an ASCII letter or digit (A, ａ, ①, but not 一)."""
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
    return bool(s) and s.isascii() and s.isalnum()


class Cover:
    """Answers "does one of these intervals contain [start, end)?" with one bisection.

    Sorted by start, with the running maximum of their ends: the intervals that
    start at or before ``start`` contain it if the furthest of them reaches ``end``.
    Comparing each candidate with every interval instead took 30 s for a 64 KB
    text repeating an exemption and a banned word; a 16 MB line would never finish.
    """

    __slots__ = ("_starts", "_reach")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(intervals)
        self._starts = [lo for lo, _ in ordered]
        self._reach: list[int] = []
        furthest = -1
        for _, hi in ordered:
            furthest = max(furthest, hi)
            self._reach.append(furthest)

    def contains(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self._reach[i] >= end


def _joined(text: str, src: Sequence[int], i: int) -> bool:
    """Whether folded characters i and i + 1 came from one unbroken run of ASCII letters/digits."""
    a, b = src[i], src[i + 1]
    return b - a <= 1 and _wordchar(text[a]) and _wordchar(text[b])


def fold(text: str) -> str:
    """The canonical form both the vocabulary and scanned text are compared in."""
    return text.translate(_fold_table())


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the index of the original character it came from."""
    parts: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        f = _folded(ord(ch))
        if f:
            parts.append(f)
            src.extend([i] * len(f))
    return "".join(parts), src


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    title: Text
    legal_basis: tuple[str, ...]
    severity: Severity
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Exemption:
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class WordHit:
    """One banned word found; ``start``/``end`` index the original text in code points (Python ``str``)."""

    word: str
    category: str
    start: int
    end: int
    text: str
    legal_basis: tuple[str, ...]


def _need(ok: Any, message: str, pointer: str) -> None:
    if not ok:
        raise VocabularyError(message, pointer)


def _str(value: Any, pointer: str, what: str) -> str:
    _need(isinstance(value, str) and value.strip(), f"{what} must be a non-empty string, not {value!r}", pointer)
    return value


def _map(value: Any, pointer: str, required: set[str], optional: Iterable[str] = ()) -> Mapping[str, Any]:
    _need(isinstance(value, Mapping), f"expected a mapping, not {type(value).__name__}", pointer)
    allowed = required | set(optional)
    for k in value:
        _need(k in allowed, f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})", pointer)
    for k in sorted(required - set(value)):
        _need(False, f"missing key {k!r}", pointer)
    return value


def _list(value: Any, pointer: str, what: str) -> list[Any]:
    _need(isinstance(value, list) and value, f"{what} must be a non-empty list", pointer)
    return value


def _text(value: Any, pointer: str) -> Text:
    t = _map(value, pointer, {"zh", "en"})
    return Text(_str(t["zh"], pointer + "/zh", "title.zh"), _str(t["en"], pointer + "/en", "title.en"))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A validated banned-word vocabulary (``kind: Vocabulary``); see ``schemas/vocabulary.schema.json``."""

    id: str
    version: str
    title: Text
    categories: tuple[Category, ...]
    exemptions: tuple[Exemption, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Vocabulary:
        """Validate parsed YAML; every error names the entry (its JSON Pointer and its text).

        Beyond the schema's shape this checks what only folding reveals: two
        spellings of one word (顶级 / 頂級, No.1 / NO.1) would make a hit's
        category depend on list order; an exemption equal to a banned word would
        silently disable it; an exemption containing no banned word is a typo.
        """
        d = _map(data, "", {"apiVersion", "kind", "id", "version", "title", "categories"},
                 {"description", "exemptions"})
        _need(d["apiVersion"] == "sopengine/v1" and d["kind"] == "Vocabulary",
              "expected apiVersion sopengine/v1 and kind Vocabulary", "")
        _need(_NAME.match(_str(d["id"], "/id", "id")), f"id must match {_NAME.pattern}", "/id")
        seen: dict[str, tuple[str, str]] = {}  # folded word -> (pointer, word)
        cats: list[Category] = []
        for ci, raw in enumerate(_list(d["categories"], "/categories", "categories")):
            p = f"/categories/{ci}"
            c = _map(raw, p, {"id", "title", "legal_basis", "severity", "words"}, {"description"})
            cid = _str(c["id"], p + "/id", "category id")
            _need(_NAME.match(cid) and all(x.id != cid for x in cats),
                  f"category id {cid!r} must be unique and match {_NAME.pattern}", p + "/id")
            basis = [c["legal_basis"]] if isinstance(c["legal_basis"], str) else \
                _list(c["legal_basis"], p + "/legal_basis", "legal_basis")
            _need(c["severity"] in _SEVERITIES, f"severity must be one of {', '.join(_SEVERITIES)}", p + "/severity")
            for wi, w in enumerate(_list(c["words"], p + "/words", "words")):
                wp, key = f"{p}/words/{wi}", fold(_str(w, f"{p}/words/{wi}", "a word"))
                _need(key, f"word {w!r} has no letters left after normalisation", wp)
                if key in seen:
                    raise VocabularyError(f"word {w!r} is the same as {seen[key][1]!r} at {seen[key][0]} "
                                          f"after normalisation ({key!r})", wp)
                seen[key] = (wp, w)
            cats.append(Category(cid, _text(c["title"], p + "/title"),
                                 tuple(_str(b, f"{p}/legal_basis/{i}", "legal_basis") for i, b in enumerate(basis)),
                                 c["severity"], tuple(c["words"])))
        exemptions: list[Exemption] = []
        for ei, raw in enumerate(d.get("exemptions") or []):
            p = f"/exemptions/{ei}/text"
            e = _map(raw, p[:-5], {"text", "reason"})
            text, key = _str(e["text"], p, "exemption text"), fold(e["text"])
            _need(key and all(fold(x.text) != key for x in exemptions),
                  f"exemption {text!r} is empty or repeated after normalisation", p)
            if key in seen:
                raise VocabularyError(f"exemption {text!r} equals the banned word {seen[key][1]!r} "
                                      f"({seen[key][0]}) and would disable it", p)
            _need(any(k in key for k in seen), f"exemption {text!r} contains no banned word; fix the typo", p)
            exemptions.append(Exemption(text, _str(e["reason"], p[:-5] + "/reason", "exemption reason")))
        return cls(d["id"], _str(d["version"], "/version", "version"), _text(d["title"], "/title"), tuple(cats),
                   tuple(exemptions))

    def subset(self, category_ids: Iterable[str]) -> Vocabulary:
        """Only the named categories (exemptions are kept: they apply to whatever remains)."""
        wanted = list(category_ids)
        known = {c.id for c in self.categories}
        for i, cid in enumerate(wanted):
            if cid not in known:
                raise VocabularyError(f"unknown category {cid!r} (have: {', '.join(sorted(known))})", f"/{i}")
        return replace(self, categories=tuple(c for c in self.categories if c.id in wanted))


class BannedWordMatcher:
    """Finds a vocabulary's words in text, however disguised, minus the exempt uses.

    How hits interact, and why:

    1. Every occurrence of every word is collected, overlapping ones included,
       *before* anything is discarded. Picking the leftmost-longest first and
       exempting afterwards would let an exempt word first displace an
       overlapping claim that reaches outside the exemption, then vanish
       itself, hiding both.
    2. A word that begins (ends) with a Latin letter or digit must not continue a
       run of letters/digits in the original: ``No.1`` is a claim, ``No.12`` and
       ``SKU NO1234`` are not, ``TOP1`` is not inside ``LAPTOP1``. Only characters
       that are ASCII letters/digits in the original count (``第一2023`` still
       hits: the 一 folds to 1 but was not written as a digit). Separators do end
       a run, so ``Best No.1 seller`` hits.
    3. An occurrence is exempt only if it lies *inside* one exemption occurrence.
       Partial overlap does not exempt: an exemption vouches for its own
       characters (第一次 says nothing about 销量 in 销量第一次日达), and the two
       errors cost differently - a false hit is visible and is fixed by adding an
       exemption (data), a false pass is invisible and fined ¥200,000 or more.
       Exemptions match without the Latin boundary rule: they only ever remove
       findings, and a brand written inside other letters is still the brand.
    4. Of the survivors, the leftmost-longest non-overlapping ones are reported:
       nested words are one claim (全网最低价 ⊃ 最低价 ⊃ 最低 ⊃ 最), reported once,
       by the most specific word, whose category and legal basis fit best.

    The matcher is immutable; it pickles as (vocabulary, extra exemptions) and
    rebuilds its automata, which cannot be pickled, on load.
    """

    __slots__ = ("vocabulary", "extra_exemptions", "_entries", "_automaton")

    def __init__(self, vocabulary: Vocabulary, extra_exemptions: Iterable[str] = ()) -> None:
        extras = tuple(extra_exemptions)
        for e in extras:
            if not isinstance(e, str) or not fold(e):
                raise ValueError(f"extra exemption {e!r} must be a string with letters in it")
        pairs = [(fold(w), w, c) for c in vocabulary.categories for w in c.words]
        shields = sorted({fold(e.text) for e in vocabulary.exemptions} | {fold(e) for e in extras})
        set_ = object.__setattr__
        set_(self, "vocabulary", vocabulary)
        set_(self, "extra_exemptions", extras)
        # (word, category id, legal basis, check left edge, check right edge): only an
        # ASCII edge (a Latin letter, a digit, or 一 folded to 1) can continue a Latin run.
        set_(self, "_entries", tuple((w, c.id, c.legal_basis, k[0].isascii(), k[-1].isascii()) for k, w, c in pairs))
        # One automaton, one overlapping pass per text: pattern index >= len(entries)
        # is an exemption. Clean text (no pattern at all) costs one translate and one
        # scan; the DFA scans ~15 % faster than the default NFA at this size.
        keys = [k for k, _, _ in pairs]  # fold() above has built the table find() translates with
        dfa = ahocorasick_rs.Implementation.DFA
        set_(self, "_automaton", ahocorasick_rs.AhoCorasick(keys + shields, implementation=dfa) if keys else None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.vocabulary, self.extra_exemptions))

    def find(self, text: str) -> list[WordHit]:
        """Banned words in ``text``, in order of position; [] for clean text (the fast, common case)."""
        if self._automaton is None:
            return []
        folded = text.translate(_FOLD)
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        return self._resolve(text, found) if found else []

    def _resolve(self, text: str, found: list[tuple[int, int, int]]) -> list[WordHit]:
        entries = self._entries
        nwords = len(entries)
        if all(idx >= nwords for idx, _, _ in found):
            return []
        shape = text.translate(_SHAPE)
        src: Sequence[int]
        if "\x02" in shape:  # a character expanded (⑩ -> 10): rare, take the general loop
            src = fold_with_map(text)[1]
        elif "\x00" in shape:  # separators dropped: the map is the kept positions
            src = list(compress(range(len(text)), shape.encode("latin-1")))
        else:
            src = range(len(text))
        spans, shields = [], []
        for idx, s, e in found:
            if idx >= nwords:
                shields.append((s, e))
            elif not ((entries[idx][3] and s > 0 and _joined(text, src, s - 1))
                      or (entries[idx][4] and e < len(src) and _joined(text, src, e - 1))):
                spans.append((s, e, idx))
        if shields:
            cover = Cover(shields)
            spans = [x for x in spans if not cover.contains(x[0], x[1])]
        spans.sort(key=lambda x: (x[0], x[0] - x[1]))
        hits: list[WordHit] = []
        reached = 0
        for s, e, idx in spans:
            if s < reached:
                continue
            reached = e
            w, cid, basis, _, _ = entries[idx]
            start, end = src[s], src[e - 1] + 1
            hits.append(WordHit(w, cid, start, end, text[start:end], basis))
        return hits

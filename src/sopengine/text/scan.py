"""Banned-word scanning of listing text (PRD-06, GEN-02): match, exempt, map back.

The text is folded (:mod:`.normalise`), one Aho-Corasick automaton finds every
spelling of every word (:mod:`.spellings`) and every exemption term at once, the
exemption rules (:mod:`.exemptions`) clear the words that are not claims, and
each remaining hit is mapped back to the original text, because the seller has
to be shown what *they* wrote and where, not our folded version of it.

This module re-exports the names it used to define (``fold``, ``Vocabulary``...),
so code that imports them from here keeps working.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any

import ahocorasick_rs

from .exemptions import Clearance, CompiledRule
from .intervals import Cover
from .normalise import (
    SEPARATOR,
    fold,
    fold_joined,
    fold_table,
    fold_with_map,
    folded_char,
    wordchar,
)
from .spellings import spellings
from .vocabulary import (
    Brand,
    Category,
    Exemption,
    ExemptionRule,
    Vocabulary,
    VocabularyError,
    brand_from,
    brand_rule,
    listed_rule,
)

__all__ = [
    "BannedWordMatcher",
    "Brand",
    "Category",
    "Clearance",
    "Cover",
    "Exemption",
    "ExemptionRule",
    "Scan",
    "Vocabulary",
    "VocabularyError",
    "WordHit",
    "fold",
    "fold_with_map",
]

_SHOP_EXEMPT = "shop configuration (exempt)"
_DIGIT = re.compile(r"\d")


class _ShapeTable(dict[int, str]):
    """Code point -> how it folds: "\x00" dropped, "\x01" one character, "\x02" several.

    Translating a text through this table tells, at C speed, whether its index map
    is the identity (the usual case), a plain subsequence, or needs the slow loop.
    """

    __slots__ = ()

    def __missing__(self, cp: int) -> str:
        shape = self[cp] = chr(min(len(folded_char(cp)), 2))
        return shape


_SHAPE = _ShapeTable()


@dataclass(frozen=True, slots=True)
class WordHit:
    """One banned word found; ``start``/``end`` index the original text in code points (Python ``str``)."""

    word: str
    category: str
    start: int
    end: int
    text: str
    legal_basis: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scan:
    """What one text holds: the hits, and the words found but cleared by an exemption (for audit)."""

    hits: tuple[WordHit, ...]
    cleared: tuple[Clearance, ...]


_NOTHING = Scan((), ())

# One automaton pattern that is a word: (word, category, legal basis, left edge ASCII, right edge ASCII,
# exemptable, folded word).
_Entry = tuple[str, str, tuple[str, ...], bool, bool, bool, str]


def _joined(text: str, src: Sequence[int], i: int) -> bool:
    """Whether folded characters i and i + 1 came from one unbroken run of Latin letters/digits."""
    a, b = src[i], src[i + 1]
    return b - a <= 1 and wordchar(text[a]) and wordchar(text[b])


def _leftmost_longest(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    spans.sort(key=lambda x: (x[0], x[0] - x[1]))
    out, reached = [], 0
    for x in spans:
        if x[0] >= reached:
            out.append(x)
            reached = x[1]
    return out


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
       that are Latin letters/digits in the original count (``第一2023`` still
       hits: the 一 folds to 1 but was not written as a digit).
    3. A term exemption (a listed phrase, a brand) clears a word only if the word
       lies *inside* one occurrence of it: an exemption vouches for its own
       characters (第一次 says nothing about 销量 in 销量第一次日达). A rule without
       terms clears the word itself when its context holds (a grade followed by
       what it grades). A word inside a cleared word is cleared with it (最 in a
       cleared 最高). Categories marked never exempt (medical claims) are never
       cleared. The errors cost differently: a false hit is visible and fixed with
       data, a false pass is invisible and fined ¥200,000 or more.
    4. Of the survivors, the leftmost-longest non-overlapping ones are reported:
       nested words are one claim (全网最低价 ⊃ 最低价 ⊃ 最), reported once,
       by the most specific word, whose category and legal basis fit best.

    ``brands`` are the shop's own marks (strings or ``{name, with, within}``),
    ``extra_exemptions`` plain phrases, both from the rule's parameters. The
    matcher is immutable; it pickles as its arguments and rebuilds its automaton,
    which cannot be pickled, on load.
    """

    __slots__ = (
        "_automaton",
        "_contexts",
        "_entries",
        "_entry_rules",
        "_gates",
        "_longest",
        "_rules",
        "_term_rules",
        "brands",
        "extra_exemptions",
        "vocabulary",
    )

    vocabulary: Vocabulary
    extra_exemptions: tuple[str, ...]
    brands: tuple[Any, ...]
    _entries: tuple[_Entry, ...]
    _automaton: Any
    _term_rules: tuple[list[int], ...]
    _rules: tuple[CompiledRule, ...]
    _entry_rules: tuple[tuple[int, ...], ...]
    _gates: dict[int, tuple[bool, bool, str, tuple[re.Pattern[str], ...]]]
    _contexts: tuple[re.Pattern[str] | None, Any, tuple[frozenset[int], ...]]
    _longest: tuple[int, dict[int, list[int]]]

    def __init__(self, vocabulary: Vocabulary, extra_exemptions: Iterable[str] = (),
                 brands: Iterable[Any] = ()) -> None:
        extras = tuple(extra_exemptions)
        for e in extras:
            if not isinstance(e, str) or not fold(e):
                raise ValueError(f"extra exemption {e!r} must be a string with letters in it")
        brand_items = tuple(brands)
        seen = {fold(w): (f"/{c.id}", w) for c in vocabulary.categories for w in c.words}
        shop_brands = tuple(b if isinstance(b, Brand) else brand_from(b, f"/brands/{i}", seen, shop=True)
                            for i, b in enumerate(brand_items))
        rules: list[ExemptionRule] = list(vocabulary.rules) + [listed_rule(e) for e in vocabulary.exemptions]
        rules += [brand_rule(b) for b in vocabulary.brands]
        rules += [brand_rule(b, "shop configuration (brands)") for b in shop_brands]
        rules += [listed_rule(Exemption(e, _SHOP_EXEMPT)) for e in extras]
        compiled = [CompiledRule(r) for r in rules]
        entries: list[_Entry] = []
        keys: list[str] = []
        taken: set[str] = set()
        for c in vocabulary.categories:
            for w in c.words:
                k = fold(w)
                taken.add(k)
                keys.append(k)
                entries.append((w, c.id, c.legal_basis, k[0].isascii(), k[-1].isascii(), c.exemptable, k))
        for c in vocabulary.categories:  # other spellings after every real word, which keeps its own category
            for w in c.words:
                for s in spellings(w):
                    k = fold(s)
                    if k and k not in taken:
                        taken.add(k)
                        keys.append(k)
                        entries.append((w, c.id, c.legal_basis, k[0].isascii(), k[-1].isascii(), c.exemptable,
                                        fold(w)))
        term_rules: dict[str, list[int]] = {}
        for ri, r in enumerate(compiled):
            for t in r.rule.terms:
                term_rules.setdefault(fold(t), []).append(ri)
        terms = [t for t in term_rules if t not in taken]  # a term equal to a word (永久 with context) anchors on it
        set_ = object.__setattr__
        set_(self, "vocabulary", vocabulary)
        set_(self, "extra_exemptions", extras)
        set_(self, "brands", brand_items)
        set_(self, "_entries", tuple(entries))
        set_(self, "_rules", tuple(compiled))
        # For each word pattern, the rules without terms that may clear it, and for each of those
        # rules whose contexts are plain text, a gate: one pass of a second automaton over the
        # text tells which rules have a context there at all, so a word with none costs no regex.
        word_rules = [ri for ri, r in enumerate(compiled) if not r.rule.terms]
        set_(self, "_entry_rules", tuple(() if not ent[5] else tuple(ri for ri in word_rules
                                                                          if compiled[ri].applies(ent[6], ent[1]))
                                         for ent in entries))
        contexts: dict[str, set[int]] = {}
        gates: dict[int, tuple[bool, bool, str, tuple[re.Pattern[str], ...]]] = {}  # rule -> (needs a context, a digit may stand for it, bracket openers, in_text patterns)
        for ri in word_rules:
            wr = compiled[ri].rule
            for t in wr.before + wr.after:
                if "<" not in t:
                    contexts.setdefault(fold(t), set()).add(ri)
            gates[ri] = (bool(wr.before or wr.after), any("<" in t for t in wr.before + wr.after),
                         "".join(pair[0] for pair in wr.enclosed), compiled[ri].in_text)
        ctx_keys = sorted(contexts)
        set_(self, "_gates", gates)
        # A regex over all contexts answers the usual "none here" in one C call; the automaton
        # then tells which rules the contexts found belong to.
        anyctx = re.compile("|".join(re.escape(k) for k in sorted(ctx_keys, key=len, reverse=True))) if ctx_keys else None
        set_(self, "_contexts", (anyctx, ahocorasick_rs.AhoCorasick(ctx_keys) if ctx_keys else None,
                                 tuple(frozenset(contexts[k]) for k in ctx_keys)))
        set_(self, "_term_rules", tuple([term_rules[k] for k in terms]))
        word_terms = {i: term_rules[k] for i, k in enumerate(keys) if k in term_rules}
        set_(self, "_longest", (max(map(len, term_rules), default=0), word_terms))
        # One automaton, one overlapping pass per text: pattern index >= len(entries) is an
        # exemption term. Clean text (no pattern at all) costs one translate and one scan;
        # the DFA scans ~15 % faster than the default NFA at this size.
        dfa = ahocorasick_rs.Implementation.DFA
        set_(self, "_automaton", ahocorasick_rs.AhoCorasick(keys + terms, implementation=dfa) if keys else None)
        if any(SEPARATOR in k for k in keys + terms):  # pragma: no cover - a word spelt with U+A66E
            raise VocabularyError(f"no word may contain {SEPARATOR!r}, the separator of find_many")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.vocabulary, self.extra_exemptions, self.brands))

    def find(self, text: str) -> list[WordHit]:
        """Banned words in ``text``, in order of position; [] for clean text (the fast, common case)."""
        if self._automaton is None:
            return []
        folded = text.translate(fold_table())
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        return list(self._resolve(text, folded, found, False).hits) if found else []

    def find_many(self, texts: Iterable[str]) -> list[Sequence[WordHit]]:
        """``find`` for each text, several times faster on many short texts (a catalogue's titles).

        The texts are joined, folded in one pass (:func:`~.normalise.fold_joined`) and
        scanned by one automaton call; only texts with a candidate word go on to
        the per-text resolution. Clean texts get ``()``.
        """
        items = texts if isinstance(texts, list) else list(texts)
        out: list[Sequence[WordHit]] = [()] * len(items)
        if self._automaton is None or not items:
            return out
        joined = SEPARATOR.join(items)
        if joined.count(SEPARATOR) != len(items) - 1:  # a text holds the separator itself
            return [self.find(t) for t in items]
        folded = fold_joined(joined)
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        if not found:
            return out
        nwords = len(self._entries)
        found.sort(key=lambda m: m[1])
        group: list[tuple[int, int, int]] = []
        title, base, end, worded = 0, 0, folded.find(SEPARATOR), False
        if end < 0:
            end = len(folded)
        for idx, s, e in found:
            if s >= end:  # the next text with a match: close this one, skip the clean ones between
                if worded:
                    out[title] = self._resolve(items[title], folded[base:end], group, False).hits
                title += folded.count(SEPARATOR, end, s)
                base = folded.rfind(SEPARATOR, 0, s) + 1
                end = folded.find(SEPARATOR, s)
                if end < 0:
                    end = len(folded)
                group, worded = [], False
            group.append((idx, s - base, e - base))
            worded = worded or idx < nwords
        if worded:
            out[title] = self._resolve(items[title], folded[base:end], group, False).hits
        return out

    def scan(self, text: str) -> Scan:
        """Hits and clearances (each naming its exemption rule and basis) in ``text``."""
        if self._automaton is None:
            return Scan((), ())
        folded = text.translate(fold_table())
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        return self._resolve(text, folded, found) if found else Scan((), ())

    def _context_rules(self, folded: str) -> set[int]:
        """The rules without terms that have one of their plain-text contexts in the text."""
        anyctx, automaton, owners = self._contexts
        found: set[int] = set()
        if automaton is not None and anyctx is not None and anyctx.search(folded):
            for k, _, _ in automaton.find_matches_as_indexes(folded, overlapping=True):
                found |= owners[k]
        return found

    def _gate(self, ri: int, text: str, folded: str, contexts: set[int]) -> bool:
        """Whether rule ``ri`` can hold anywhere in the text: each of its conditions has something
        to hold on (a context term, a digit for a quantity, an opening bracket, every in_text
        group). A word whose rules all fail here costs no regex at all."""
        needs_context, by_digit, openers, in_text = self._gates[ri]
        if needs_context and ri not in contexts and not (by_digit and _DIGIT.search(folded)):
            return False
        if openers and not any(o in text for o in openers):
            return False
        return all(rx.search(folded) for rx in in_text)

    def _resolve(self, text: str, folded: str, found: list[tuple[int, int, int]], audit: bool = True) -> Scan:
        """Steps 2-4 of the class docstring on one text; ``audit=False`` skips building the clearances."""
        entries = self._entries
        nwords = len(entries)
        longest, word_terms = self._longest
        cands: list[tuple[int, int, int]] = []
        anchors: list[tuple[int, int, int]] = []  # (start, end, rule index) of term occurrences
        edges = False
        for idx, s, e in found:
            if idx >= nwords:
                anchors.extend((s, e, ri) for ri in self._term_rules[idx - nwords])
                continue
            if idx in word_terms:  # a word that is also a term needing context (the brand 永久)
                anchors.extend((s, e, ri) for ri in word_terms[idx])
            cands.append((s, e, idx))
            ent = entries[idx]
            edges = edges or ent[3] or ent[4]
        if not cands:
            return _NOTHING
        shape = text.translate(_SHAPE)
        src: Sequence[int]
        if "\x02" in shape:  # a character expanded (⑩ -> 10): rare, take the general loop
            src = fold_with_map(text)[1]
        elif "\x00" in shape:  # separators dropped: the map is the kept positions
            src = list(compress(range(len(text)), shape.encode("latin-1")))
        else:
            src = range(len(text))
        if edges:
            n = len(src)
            cands = [(s, e, idx) for s, e, idx in cands
                     if not ((entries[idx][3] and s > 0 and _joined(text, src, s - 1))
                             or (entries[idx][4] and e < n and _joined(text, src, e - 1)))]
            if not cands:
                return _NOTHING
        memo: dict[int, bool] = {}
        why: dict[int, tuple[int, int, int]] = {}  # candidate index -> (rule, context start, context end)
        if anchors:
            anchors.sort()
            starts = [a[0] for a in anchors]
            cover = Cover((a[0], a[1]) for a in anchors)
            for ci, (s, e, idx) in enumerate(cands):
                ent = entries[idx]
                if not ent[5] or not cover.contains(s, e):
                    continue
                for k in range(bisect_left(starts, e - longest), bisect_right(starts, s)):
                    a_s, a_e, ri = anchors[k]
                    rule = self._rules[ri]
                    if a_e >= e and rule.applies(ent[6], ent[1]):
                        span = rule.holds(folded, a_s, a_e, text, src, memo)
                        if span is not None:
                            why[ci] = (ri, *span)
                            break
        contexts: set[int] | None = None
        gate: dict[int, bool] = {}
        entry_rules, rules = self._entry_rules, self._rules
        for ci, (s, e, idx) in enumerate(cands):
            if ci in why:
                continue
            for ri in entry_rules[idx]:
                ok = gate.get(ri)
                if ok is None:
                    if contexts is None:
                        contexts = self._context_rules(folded)
                    ok = gate[ri] = self._gate(ri, text, folded, contexts)
                if not ok:
                    continue
                span = rules[ri].holds(folded, s, e, text, src, memo)
                if span is not None:
                    why[ci] = (ri, *span)
                    break
        if why:  # a word inside a cleared word is cleared with it (最 inside 最高 of 最高转速3000rpm)
            done = sorted(why)
            inner = Cover((cands[ci][0], cands[ci][1]) for ci in done)
            for ci, (s, e, idx) in enumerate(cands):
                if ci not in why and entries[idx][5]:
                    k = inner.covering(s, e)
                    if k >= 0:
                        why[ci] = why[done[k]]
        hits = []
        survivors = [c for ci, c in enumerate(cands) if ci not in why] if why else cands
        for s, e, idx in (_leftmost_longest(survivors) if len(survivors) > 1 else survivors):
            w, cid, basis = entries[idx][:3]
            start, end = src[s], src[e - 1] + 1
            hits.append(WordHit(w, cid, start, end, text[start:end], basis))
        if not audit or not why:
            return Scan(tuple(hits), ())
        cleared = []
        for s, e, ci in _leftmost_longest([(cands[ci][0], cands[ci][1], ci) for ci in why]):
            ri, lo, hi = why[ci]
            w, cid = entries[cands[ci][2]][:2]
            why_rule = self._rules[ri].rule
            start, end = src[s], src[e - 1] + 1
            c_lo, c_hi = src[min(lo, s)], src[max(hi, e) - 1] + 1
            cleared.append(Clearance(w, cid, start, end, text[start:end], why_rule.id, why_rule.title,
                                     why_rule.basis, text[c_lo:c_hi]))
        return Scan(tuple(hits), tuple(cleared))

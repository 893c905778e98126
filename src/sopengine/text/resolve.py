"""From one text's automaton matches to its findings: edges, exemptions, nesting, positions.

The automaton of :class:`~.scan.BannedWordMatcher` reports every occurrence of
every spelling of every word and of every exemption term in the folded text;
the class docstring there says how they interact. This is that resolution. It
runs only for texts with a candidate word (one title in seven in a catalogue
run, one in ten or fewer in a real shop), but there it was most of the cost of a
scan, so it is written for the few-candidates case: every table it consults is
built once, with the matcher (which rules may clear which word, what a rule
needs somewhere in a text before it can hold at all), and the per-text work is
a few C-level calls (regex searches, bisections) and a loop over the candidates.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

from ..results import Text
from .exemptions import Clearance, CompiledRule
from .intervals import Cover
from .normalise import kept_map, source_map, wordchar
from .screens import Screening

__all__ = ["Resolver", "Scan", "WordHit", "hit"]

# One automaton pattern that is a word: (word, category, legal basis, left edge ASCII, right edge ASCII,
# exemptable, folded word).
Entry = tuple[str, str, tuple[str, ...], bool, bool, bool, str]
# One automaton match: (pattern index, start, end) in the folded text.
Match = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class WordHit:
    """One banned word found; ``start``/``end`` index the original text in code points (Python ``str``)."""

    word: str
    category: str
    start: int
    end: int
    text: str
    legal_basis: tuple[str, ...]


class Scan(NamedTuple):
    """What one text holds: the hits, and the words found but cleared by an exemption (for audit).

    A named tuple for the reason :class:`~.exemptions.Clearance` is one: it is built
    for every text with a candidate word. Like the dataclass it was, it is always true.
    """

    hits: tuple[WordHit, ...]
    cleared: tuple[Clearance, ...]


NOTHING = Scan((), ())
# Builds a Scan or a Clearance from a tuple of its fields without the named tuple's own __new__, a Python
# function (a third of the cost of a clearance); the fields are always complete and in order here.
_make = tuple.__new__


# A WordHit is a frozen dataclass (the result contract), whose generated __init__ sets each field through
# object.__setattr__ by name: half the cost of a hit. Its slots' own descriptors set the very same fields.
_new = object.__new__
_SET_WORD, _SET_CATEGORY, _SET_START, _SET_END, _SET_TEXT, _SET_BASIS = (
    getattr(WordHit, f.name).__set__ for f in fields(WordHit))


def hit(ent: Entry, start: int, end: int, text: str) -> WordHit:
    """``WordHit(word, category, start, end, text[start:end], legal_basis)`` for a word of ``ent``."""
    hit = _new(WordHit)
    _SET_WORD(hit, ent[0])
    _SET_CATEGORY(hit, ent[1])
    _SET_START(hit, start)
    _SET_END(hit, end)
    _SET_TEXT(hit, text[start:end])
    _SET_BASIS(hit, ent[2])
    return hit


# What a character that continues a run of Latin letters/digits folds to (see wordchar): a folded neighbour
# outside it cannot continue one, which spares the word's edge test.
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _joined(text: str, src: Sequence[int], i: int) -> bool:
    """Whether folded characters i and i + 1 came from one unbroken run of Latin letters/digits."""
    a, b = src[i], src[i + 1]
    return b - a <= 1 and wordchar(text[a]) and wordchar(text[b])


def _leftmost_longest(matches: list[Match]) -> list[Match]:
    if len(matches) == 2:  # the usual pair, a word and the word inside it (最 in 最好): the sort below, unrolled
        a, b = matches
        if (b[1], b[1] - b[2]) < (a[1], a[1] - a[2]):
            a, b = b, a
        return [a, b] if b[1] >= a[2] else [a]
    matches.sort(key=lambda m: (m[1], m[1] - m[2]))
    out, reached = [], 0
    for m in matches:
        if m[1] >= reached:
            out.append(m)
            reached = m[2]
    return out


class Resolver(Screening):
    """The per-text half of a matcher: its tables, indexed by automaton pattern and by rule.

    Patterns ``0 .. len(entries) - 1`` are words (``entries``), the rest exemption
    terms; ``anchored[p]`` are the rules whose anchor is an occurrence of pattern
    ``p`` (a term, or a word that is also a term, like the brand 永久);
    ``longest`` is the longest term, which bounds how far before a word an
    anchor containing it can start.
    """

    __slots__ = ("_anchored", "_clears", "_edged", "_entries", "_kind", "_labels", "_longest", "_nwords", "_plain")

    def __init__(self, entries: Sequence[Entry], rules: Sequence[CompiledRule],
                 anchored: Sequence[Sequence[int]], longest: int) -> None:
        self._entries = tuple(entries)
        self._nwords = len(self._entries)
        self._rules = tuple(rules)
        self._labels = tuple((r.rule.id, r.rule.title, r.rule.basis) for r in self._rules)  # per clearance
        self._anchored = tuple(tuple(a) for a in anchored)
        self._longest = longest
        self._edged = tuple(ent[3] or ent[4] for ent in self._entries)
        # For each word, the rules that may clear it through an anchor (none for a never-exempt category),
        # and for each rule whether it holds wherever its anchor is (a listed phrase, a brand without context).
        self._clears = tuple(frozenset(ri for ri, r in enumerate(self._rules) if r.applies(ent[6], ent[1]))
                             if ent[5] else frozenset() for ent in self._entries)
        self._plain = tuple(r.plain for r in self._rules)
        # For each word, the rules without terms that may clear it (none for a never-exempt category) ...
        word_rules = [ri for ri, r in enumerate(self._rules) if not r.rule.terms]
        self._entry_rules = tuple(() if not ent[5] else tuple(ri for ri in word_rules
                                                              if self._rules[ri].applies(ent[6], ent[1]))
                                  for ent in self._entries)
        self._init_screens(word_rules)
        # Per pattern, what resolve must do with an occurrence: 1 a word, 2 anchors rules, 4 a word with a
        # Latin edge to check (0: a marker, or a term that anchors nothing).
        self._kind = tuple((i < self._nwords) | (2 if self._anchored[i] else 0)
                           | (4 if i < self._nwords and self._edged[i] else 0) for i in range(len(self._anchored)))

    def lone(self) -> tuple[tuple[int, ...], Callable[[int, str, str], bool], dict[tuple[int, int], int]]:
        """Per pattern, the screen of a word that anchors nothing and has no Latin edge, else -1; whether
        a screen lets a text through; the wider of two screens, where one is. Found alone in a text its
        screen shuts out, such a word is the text's one hit (the single candidate of :meth:`resolve`),
        and so is the wider of two nested ones whose wider screen shuts it out: a caller that has the
        match's position in the original can report it without the resolution."""
        return tuple(self._screen_of_entry[i] if k == 1 else -1 for i, k in enumerate(self._kind[:self._nwords])) \
            + (-1,) * (len(self._kind) - self._nwords), self._through, self._cover

    def inside(self, keys: Sequence[str]) -> dict[tuple[int, int], tuple[str, Text, str]]:
        """(term pattern, word pattern) -> what a clearance by the term's rule names (id, title, basis), for
        each term that anchors one rule without conditions and each word that folds (``keys``: the folded
        pattern by index) to a part of it, if that rule may clear the word and the word anchors nothing.
        A text in which the automaton finds such a word inside an occurrence of such a term, and nothing
        else, holds that one clearance, the term its context (the first branch of :meth:`resolve` after
        the map back), unless the word has a Latin edge next to a letter or digit (1 of 第1 before 2023):
        a caller that has both matches' positions in the original, and checks that edge, can report it
        without the resolution (最 in 最近, 第一 in 第一次, 唯一 in 唯一识别码)."""
        kind, anchored, plain, clears = self._kind, self._anchored, self._plain, self._clears
        words = {keys[i]: i for i in range(self._nwords) if kind[i] & 3 == 1}  # keys are distinct
        out: dict[tuple[int, int], tuple[str, Text, str]] = {}
        for t in range(self._nwords, len(keys)):
            if kind[t] != 2 or len(anchored[t]) != 1 or not plain[ri := anchored[t][0]]:
                continue
            key = keys[t]
            for i in range(len(key)):  # the parts of a term, not every word: a term is a few characters
                for j in range(i + 1, len(key) + 1):
                    if (w := words.get(key[i:j])) is not None and ri in clears[w]:
                        out[t, w] = self._labels[ri]
        return out

    def resolve(self, text: str, folded: str, found: list[Match], audit: bool = True, kept: bool = False,
                through: int = -1) -> Scan:
        """Steps 2-4 of the matcher's docstring on one text; ``audit=False`` skips building the clearances.

        ``kept``: each character of ``text`` folded to one character or none (see
        :func:`~.normalise.kept_map`), which makes the map back cheap to build. ``through``: a screen
        the caller found to let the text through, not searched again, or -1."""
        kind = self._kind
        anchors: list[tuple[int, int, int]] = []  # (start, end, rule index) of anchor occurrences
        edges = 0
        if len(found) <= 2 and kind[found[0][0]] == 1 == kind[found[-1][0]]:
            cands = found  # the usual: one word or two (最 in 最好), no anchor, no Latin edge
        else:
            anchored = self._anchored
            cands = []
            for m in found:
                k = kind[m[0]]
                if k == 1:  # a word, not an anchor, without Latin edges
                    cands.append(m)
                elif k:
                    if k & 1:
                        cands.append(m)
                        edges |= k & 4
                    if k & 2:
                        for ri in anchored[m[0]]:
                            anchors.append((m[1], m[2], ri))
            if not cands:
                return NOTHING
        entries = self._entries
        if not kept:
            src = source_map(text)
        elif len(folded) == len(text):  # kept_map's identity, without the call
            src = range(len(text))
        else:
            src = kept_map(text, folded)
        if edges:  # a Latin letter or digit of the original next to the word's continues a run (see _joined)
            n = len(folded)
            cands = [m for m in cands
                     if not ((entries[m[0]][3] and m[1] > 0 and folded[m[1] - 1] in _ALNUM
                              and _joined(text, src, m[1] - 1))
                             or (entries[m[0]][4] and m[2] < n and folded[m[2]] in _ALNUM
                                 and _joined(text, src, m[2] - 1)))]
            if not cands:
                return NOTHING
        if len(anchors) == 1 and len(cands) == 1:  # the usual exempt use: a word inside a term (最近, 第一次)
            a_s, a_e, ri = anchors[0]
            idx, s, e = cands[0]
            if a_s <= s and e <= a_e and ri in self._clears[idx]:
                span = (a_s, a_e) if self._plain[ri] else self._rules[ri].holds(folded, a_s, a_e, text, src, {})
                if span is not None:
                    return _make(Scan, ((), (self._clearance(text, src, entries[idx], ri, s, e, *span),))) \
                        if audit else NOTHING
            one = self._clear_one(idx, s, e, text, folded, src, -1)
            why = {0: one} if one is not None else {}
        elif anchors or len(cands) > 2:
            why = self._clear(text, folded, src, cands, anchors, {})
        elif len(cands) == 1:  # the usual claim: one word, whose screen shuts the text out
            idx, s, e = cands[0]
            c = self._screen_of_entry[idx]
            if c != through and not self._through(c, "" if kept and self._bracketless(text, folded) else text, folded):
                return _make(Scan, ((hit(entries[idx], src[s], src[e - 1] + 1, text),), ()))
            one = self._clear_one(idx, s, e, text, folded, src, c)
            why = {0: one} if one is not None else {}
        else:  # a word and the word inside it (最 in 最好): the screen of the wider set may close both
            (i0, s0, e0), (i1, s1, e1) = cands
            outer = 0 if s0 <= s1 and e1 <= e0 else 1 if s1 <= s0 and e0 <= e1 else -1
            a, b = self._screen_of_entry[i0], self._screen_of_entry[i1]
            wider = a if a == b else self._cover.get((a, b))
            if wider is not None and wider != through and not self._through(
                    wider, "" if kept and self._bracketless(text, folded) else text, folded):
                if outer < 0:
                    why = {}
                else:
                    idx, s, e = cands[outer]
                    return _make(Scan, ((hit(entries[idx], src[s], src[e - 1] + 1, text),), ()))
            else:
                why = self._clear_pair(text, folded, src, cands, outer, -1 if wider is None else wider)
        if not why:
            survivors = cands
        elif len(why) == len(cands):
            survivors = []
        else:
            survivors = [m for ci, m in enumerate(cands) if ci not in why]
        if len(survivors) > 1:
            survivors = _leftmost_longest(survivors)
        hits: tuple[WordHit, ...] = ()
        if len(survivors) == 1:
            idx, s, e = survivors[0]
            hits = (hit(entries[idx], src[s], src[e - 1] + 1, text),)
        elif survivors:
            hits = tuple([hit(entries[idx], src[s], src[e - 1] + 1, text) for idx, s, e in survivors])
        if not audit or not why:
            return _make(Scan, (hits, ())) if hits else NOTHING
        if len(why) == 1:  # the usual exempt use: one word, one clearance
            ((ci, (ri, lo, hi)),) = why.items()
            idx, s, e = cands[ci]
            return _make(Scan, (hits, (self._clearance(text, src, entries[idx], ri, s, e, lo, hi),)))
        done = [(ci, cands[ci][1], cands[ci][2]) for ci in why]
        cleared = []
        for ci, s, e in _leftmost_longest(done):
            ri, lo, hi = why[ci]
            cleared.append(self._clearance(text, src, entries[cands[ci][0]], ri, s, e, lo, hi))
        return _make(Scan, (hits, tuple(cleared)))

    def _clearance(self, text: str, src: Sequence[int], ent: Entry, ri: int, s: int, e: int, lo: int,
                   hi: int) -> Clearance:
        """Word [s, e) of the folded text cleared by rule ``ri``, its context [lo, hi), in the original's terms."""
        exemption, title, basis = self._labels[ri]
        start, end = src[s], src[e - 1] + 1
        c_lo, c_hi = (start if lo >= s else src[lo]), (end if hi <= e else src[hi - 1] + 1)
        return _make(Clearance, (ent[0], ent[1], start, end, text[start:end], exemption, title, basis,
                                 text[c_lo:c_hi]))

    def _clear_pair(self, text: str, folded: str, src: Sequence[int], cands: list[Match], outer: int,
                    through: int) -> dict[int, tuple[int, int, int]]:
        """:meth:`_clear` of two candidates without anchors, the wider first when one lies inside the other.

        A word inside a cleared word is cleared with it, and of the two only the wider
        one is reported (leftmost-longest), so the inner word's own rules need not be
        tried then (最 of 最佳食用期: three windowed tests saved). The result is the same.
        ``outer``: the index of the candidate the other lies inside, or -1; ``through``: a
        screen known to let the text through, or -1."""
        if outer < 0:
            return self._clear(text, folded, src, cands, [], {} if through < 0 else {through: True})
        inner = 1 - outer
        idx, s, e = cands[outer]
        one = self._clear_one(idx, s, e, text, folded, src, through)
        if one is not None:
            return {outer: one, inner: one} if self._entries[cands[inner][0]][5] else {outer: one}
        idx, s, e = cands[inner]
        one = self._clear_one(idx, s, e, text, folded, src, through)
        return {} if one is None else {inner: one}

    def _clear_one(self, idx: int, s: int, e: int, text: str, folded: str, src: Sequence[int],
                   through: int) -> tuple[int, int, int] | None:
        """(rule, context start, context end) of the first rule of word pattern ``idx`` that clears the
        word at [s, e), without anchors: :meth:`_clear` of one candidate, without its set-up."""
        entry_rules = self._entry_rules[idx]
        if not entry_rules:
            return None
        screen = self._screen_of_entry[idx]
        if screen != through and not self._through(screen, text, folded):
            return None
        windowed, rules = self._windowed, self._rules
        memo: dict[int, bool] = {}
        for ri in entry_rules:  # a lone word runs a windowed test without its gate first (see _clear)
            if windowed[ri] or self._open(ri, text, folded):
                span = rules[ri].holds(folded, s, e, text, src, memo)
                if span is not None:
                    return ri, span[0], span[1]
        return None

    def _clear(self, text: str, folded: str, src: Sequence[int], cands: list[Match],
               anchors: list[tuple[int, int, int]], screened: dict[int, bool]) -> dict[int, tuple[int, int, int]]:
        """Candidate index -> (rule, context start, context end) for each candidate an exemption clears.

        ``screened`` maps a screen (see ``__init__``) to whether it already let this text through."""
        entries, rules = self._entries, self._rules
        memo: dict[int, bool] = {}
        why: dict[int, tuple[int, int, int]] = {}
        if len(anchors) == 1:  # the usual: one term occurrence (最近, 第一次), the bisection below, unrolled
            a_s, a_e, ri = anchors[0]
            for ci, (idx, s, e) in enumerate(cands):
                if a_s <= s and e <= a_e and ri in self._clears[idx]:
                    span = (a_s, a_e) if self._plain[ri] else rules[ri].holds(folded, a_s, a_e, text, src, memo)
                    if span is None:
                        break  # the same anchor and rule for every word: it holds for none
                    why[ci] = (ri, *span)
        elif anchors:  # a term occurrence containing the word; only one starting at most `longest` before can
            anchors.sort()
            starts = [a[0] for a in anchors]
            longest, clears, plain = self._longest, self._clears, self._plain
            for ci, (idx, s, e) in enumerate(cands):
                may = clears[idx]
                if not may:
                    continue
                for k in range(bisect_left(starts, e - longest), bisect_right(starts, s)):
                    a_s, a_e, ri = anchors[k]
                    if a_e >= e and ri in may:
                        span = (a_s, a_e) if plain[ri] else rules[ri].holds(folded, a_s, a_e, text, src, memo)
                        if span is not None:
                            why[ci] = (ri, *span)
                            break
        if len(why) == len(cands):  # every word inside a term that clears it (最近, 第一次)
            return why
        gate: dict[int, bool | None] = {}
        entry_rules, screen_of, windowed = self._entry_rules, self._screen_of_entry, self._windowed
        few = len(cands) <= 2
        for ci, (idx, s, e) in enumerate(cands):
            if ci in why or not entry_rules[idx]:
                continue
            through = screened.get(screen_of[idx])
            if through is None:
                through = screened[screen_of[idx]] = self._may_clear(idx, text, folded)
            if not through:
                continue
            for ri in entry_rules[idx]:
                # A gate (whether rule ri can hold anywhere in the text, see __init__) is only a necessary
                # condition of `holds`. A gate of contexts is worth its search of the whole text when many
                # candidates share it; for one or two it costs as much as the windowed tests it guards.
                ok = (few and windowed[ri]) or gate.get(ri)
                if ok is None:
                    ok = gate[ri] = self._open(ri, text, folded)
                if ok:
                    span = rules[ri].holds(folded, s, e, text, src, memo)
                    if span is not None:
                        why[ci] = (ri, *span)
                        break
        if why and len(why) < len(cands) and any(ci not in why and entries[m[0]][5] for ci, m in enumerate(cands)):
            # a word inside a cleared word is cleared with it (最 inside 最高 of 最高转速3000rpm)
            done = sorted(why)
            if len(done) == 1:  # the usual: one cleared word, compared with directly
                (c,) = done
                lo, hi = cands[c][1], cands[c][2]
                for ci, (idx, s, e) in enumerate(cands):
                    if ci != c and lo <= s and e <= hi and entries[idx][5]:
                        why[ci] = why[c]
                return why
            inner = Cover((cands[ci][1], cands[ci][2]) for ci in done)
            for ci, (idx, s, e) in enumerate(cands):
                if ci not in why and entries[idx][5]:
                    k = inner.covering(s, e)
                    if k >= 0:
                        why[ci] = why[done[k]]
        return why

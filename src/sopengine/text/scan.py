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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ahocorasick_rs

from ..results import Text
from .bytefold import MARK, byte_fold, numeral_spellings
from .exemptions import Clearance, CompiledRule
from .intervals import Cover
from .normalise import (
    SEVERAL,
    _shape,
    fold,
    fold_sequence,
    fold_table,
    fold_with_map,
)
from .resolve import _ALNUM, NOTHING, Entry, Resolver, Scan, WordHit, _make, hit
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

    __slots__ = ("_automaton", "_digit", "_drop", "_entries", "_fast", "_first_marker", "_fold", "_inside", "_length",
                 "_lone", "_low", "_matches", "_numerals", "_nwords", "_resolve", "_spelt", "_table", "_through",
                 "_wider", "brands", "extra_exemptions", "scan", "vocabulary")

    vocabulary: Vocabulary
    extra_exemptions: tuple[str, ...]
    #: ``scan(text)``: hits and clearances (each naming its exemption rule and basis) in ``text``;
    #: see :func:`_scanner`.
    scan: Callable[[str], Scan]
    brands: tuple[Any, ...]
    _automaton: Any
    _fold: tuple[int | str, ...]
    _table: dict[int, int | str]
    _first_marker: int
    _nwords: int
    _matches: Callable[[str, bool], list[tuple[int, int, int]]]
    _fast: Callable[[bytes, bool], list[tuple[int, int, int]]]
    _low: bytes
    _drop: bytes
    _numerals: int
    _length: tuple[int, ...]
    _resolve: Callable[[str, str, list[tuple[int, int, int]], bool, bool, int], Scan]
    _lone: tuple[int, ...]
    _spelt: tuple[int, ...]
    _digit: tuple[tuple[str, str], ...]
    _through: Callable[[int, str, str], bool]
    _wider: dict[tuple[int, int], int]
    _inside: dict[tuple[int, int], tuple[str, Text, str]]
    _entries: tuple[Entry, ...]

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
        entries: list[Entry] = []
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
        # A text translated through the fold sequence may still hold one of `beyond`, or SEVERAL for a
        # character that folds to several; the automaton marks them (patterns from `_first_marker` on),
        # and such a text is folded again in full.
        sequence, beyond = fold_sequence()
        anchored = [term_rules.get(k, ()) for k in keys] + [term_rules[t] for t in terms] + [()] * (len(beyond) + 1)
        set_ = object.__setattr__
        set_(self, "vocabulary", vocabulary)
        set_(self, "extra_exemptions", extras)
        set_(self, "brands", brand_items)
        set_(self, "_nwords", len(entries))
        resolver = Resolver(entries, compiled, anchored, max(map(len, term_rules), default=0))
        set_(self, "_resolve", resolver.resolve)
        lone_screens, through, wider = resolver.lone()
        set_(self, "_lone", lone_screens)
        set_(self, "_through", through)
        set_(self, "_wider", wider)
        set_(self, "_inside", resolver.inside(keys + terms))
        set_(self, "_entries", tuple(entries))
        set_(self, "_fold", sequence)
        set_(self, "_table", fold_table())
        set_(self, "_first_marker", len(keys) + len(terms))
        # One automaton, one overlapping pass per folded text: pattern index >= len(entries) is an
        # exemption term. Only texts the byte automaton below cannot answer for get here (a disguise:
        # full-width, traditional, an emoji between two characters), so it is a contiguous NFA, ~1 MB,
        # where a DFA (~15 % faster at this size) would hold ~20 MB next to the byte automaton's DFA.
        dfa = ahocorasick_rs.Implementation.DFA
        set_(self, "_automaton", ahocorasick_rs.AhoCorasick(keys + terms + [*beyond, SEVERAL],
                                                            implementation=ahocorasick_rs.Implementation.ContiguousNFA)
             if keys else None)
        # scan() runs for every string of every record: bound once, its two calls cost no attribute lookups.
        set_(self, "_matches", self._automaton.find_matches_as_indexes if keys else lambda text, overlapping: [])
        # The byte automaton of the usual text (see :mod:`.bytefold`): the same words and terms at the same
        # indexes; then the kept numerals, which alone do not stop a text from being clean; then the words
        # and terms spelt with numerals, which the bytes hold where the fold holds digits; then what says
        # that the translated bytes are not the fold: the plain-range characters that fold, MARK. With too
        # many spellings the numerals go with the markers instead.
        low, drop, changed, digits, _ = byte_fold()
        numerals = [c for d in digits.values() for c in d[1:]]
        spelt = numeral_spellings(keys + terms)
        if spelt is None:
            patterns, lone, spelt = keys + terms + numerals + list(changed), 0, []
        else:
            patterns, lone = keys + terms + numerals + [s for _, s in spelt] + list(changed), len(numerals)
        set_(self, "_spelt", tuple(i for i, _ in spelt))
        set_(self, "_digit", tuple((c, d) for d, cs in digits.items() for c in cs[1:]) if lone else ())
        set_(self, "_fast", ahocorasick_rs.BytesAhoCorasick([p.encode() for p in patterns] + [bytes([MARK])],
                                                            implementation=dfa).find_matches_as_indexes
             if keys else lambda data, overlapping: [])
        set_(self, "_numerals", len(keys) + len(terms) + lone)
        set_(self, "_low", low)
        set_(self, "_drop", drop)
        set_(self, "_length", tuple(map(len, keys + terms)))
        set_(self, "scan", _scanner(self))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.vocabulary, self.extra_exemptions, self.brands))

    def find(self, text: str) -> list[WordHit]:
        """Banned words in ``text``, in order of position; [] for clean text (the fast, common case)."""
        try:
            plain = text.encode().translate(self._low, self._drop)
        except UnicodeEncodeError:  # a lone surrogate
            return list(self._folding(text, False).hits)
        found = self._fast(plain, True)
        return list(self._resolved(text, plain, found, False).hits) if found else []

    def find_many(self, texts: Iterable[str]) -> list[Sequence[WordHit]]:
        """``find`` for each text (a catalogue's titles); clean texts get ``()``.

        It joined the texts and folded and scanned them in one pass, several times faster
        than ``find`` per text was; the byte path of ``scan`` made one text as cheap.
        """
        low, drop, fast, resolved = self._low, self._drop, self._fast, self._resolved
        out: list[Sequence[WordHit]] = []
        for text in texts:
            try:
                plain = text.encode().translate(low, drop)
            except UnicodeEncodeError:  # a lone surrogate
                out.append(self._folding(text, False).hits)
                continue
            found = fast(plain, True)
            out.append(resolved(text, plain, found, False).hits if found else ())
        return out

    def _resolved(self, text: str, plain: bytes, found: list[tuple[int, int, int]], audit: bool) -> Scan:
        """``scan`` of a text whose translated bytes ``plain`` hold the byte automaton's ``found``.

        The usual text with a word holds one word (or a word and the word inside it, 最 in 最好) and
        no exemption's context, and drops nothing but spaces: its hit is reported here, from the match
        and the spaces' positions (the resolution would come to the same hit by building the map back
        of every character, and five calls). So is the usual exempt use, one word inside one term that
        clears it wherever it stands (see :meth:`~.resolve.Resolver.inside`)."""
        last = max(found)[0]
        first = self._first_marker
        if last < first:  # no numeral, nothing that folds otherwise: the bytes are the fold
            folded, matches = plain.decode(), found
        else:
            kept = self._numerals
            if last < kept and min(found)[0] >= first:  # numerals, and no word spelt with one
                return NOTHING
            if last >= kept + len(self._spelt):  # something else that folds, or a marker
                return self._folding(text, audit)
            # the bytes are the fold but for numerals, each one character folding to one digit
            folded = plain.decode()
            spelt, digit = self._spelt, self._digit
            matches = []
            for m in found:
                i = m[0]
                if i < first:
                    matches.append(m)
                elif i >= kept:
                    matches.append((spelt[i - kept], m[1], m[2]))
                elif (c := digit[i - first])[0] in folded:
                    folded = folded.replace(*c)
        lone, named = self._lone, None
        if len(matches) == 1:
            word = matches[0]
            sc = lone[word[0]]
        elif len(matches) == 2:  # a word and the word inside it: the screen of the wider set (see resolve)
            word, other = matches
            if other[1] <= word[1] and word[2] <= other[2]:
                word, other = other, word
            if (named := self._inside.get((word[0], other[0]))) is not None and word[1] <= other[1] \
                    and other[2] <= word[2]:  # a word inside a term that clears it, 最 in 最近 (Resolver.inside)
                word, other = other, word
                sc = -2
            else:
                named = None
                a, b = lone[word[0]], lone[other[0]]
                sc = -1 if a < 0 or b < 0 or not (word[1] <= other[1] and other[2] <= word[2]) else \
                    a if a == b else self._wider.get((a, b), -1)
        elif len(matches) == 3:  # two nested words inside a term that clears both (最, 最大 in 最大承重)
            other, word, inner = matches  # the term, then the wider word: the wider first
            if other[2] - other[1] < word[2] - word[1]:
                other, word = word, other
            if other[2] - other[1] < inner[2] - inner[1]:
                other, inner = inner, other
            if word[2] - word[1] < inner[2] - inner[1]:
                word, inner = inner, word
            named = self._inside.get((other[0], word[0]))
            sc = -2 if named is not None and (other[0], inner[0]) in self._inside \
                and other[1] <= word[1] <= inner[1] and inner[2] <= word[2] <= other[2] \
                and not (self._entries[inner[0]][3] or self._entries[inner[0]][4]) else -1
        else:
            sc = -1
        if sc >= 0 and not (through := self._through(sc, text, folded)):
            idx, s, e = word
            if len(folded) != len(plain):
                s = len(plain[:s].decode())
            e = s + self._length[idx]
            gone = len(text) - len(folded)
            if gone and gone == text.count(" "):  # folded character k came from k plus the spaces before it
                i = text.find(" ")
                while 0 <= i <= s:
                    s, e, i = s + 1, e + 1, text.find(" ", i + 1)
                while 0 <= i < e:
                    e, i = e + 1, text.find(" ", i + 1)
                gone = 0
            if not gone:
                return _make(Scan, ((hit(self._entries[idx], s, e, text),), ()))
        elif sc == -2 and named is not None:  # the word [s, e) inside the term [a, b) that clears it, in bytes
            (idx, s, _), (term, a, _) = word, other
            if len(folded) != len(plain):
                a, s = len(plain[:a].decode()), len(plain[:s].decode())
            b, e = a + self._length[term], s + self._length[idx]
            gone = len(text) - len(folded)
            ent = self._entries[idx]
            if (not gone or gone == text.count(" ")) and not (ent[3] and s and folded[s - 1] in _ALNUM) \
                    and not (ent[4] and e < len(folded) and folded[e] in _ALNUM):  # no Latin run to check
                if not audit:
                    return NOTHING
                if gone:
                    (a, b), (s, e) = _unfolded(text, " ", a, b), _unfolded(text, " ", s, e)
                return _make(Scan, ((), (_make(Clearance, (ent[0], ent[1], s, e, text[s:e], *named, text[a:b])),)))
        return self._resolve(text, folded, matches if len(folded) == len(plain) else
                             _char_offsets(plain, matches, self._length), audit, True, sc if sc >= 0 and through else -1)

    def _folding(self, text: str, audit: bool) -> Scan:
        """``scan`` through the fold sequence (see :func:`~.normalise.fold_sequence`), and the fold
        table where the sequence leaves a marker."""
        folded = text.translate(self._fold)
        found = self._matches(folded, True)
        if not found:
            return NOTHING
        if max(found)[0] < self._first_marker:  # folded one character to one or none: kept_map is the map
            sc = self._lone[found[0][0]] if len(found) == 1 else -1
            if sc >= 0 and not self._through(sc, text, folded):
                idx, s, e = found[0]  # a lone word its screen shuts the text out of (see _resolved)
                if len(folded) != len(text):  # the shape (see source_map) says which characters were dropped
                    s, e = _unfolded(text.translate(_shape()), "\x00", s, e)
                return _make(Scan, ((hit(self._entries[idx], s, e, text),), ()))
            return self._resolve(text, folded, found, audit, True, sc)
        folded = text.translate(self._table)  # a character the sequence leaves as it is, or folds to several
        found = self._matches(folded, True)
        return self._resolve(text, folded, found, audit, False, -1) if found else NOTHING


def _scanner(matcher: BannedWordMatcher) -> Callable[[str], Scan]:
    """``matcher.scan``: hits and clearances (each naming its exemption rule and basis) in a text.

    This is what the check calls for every string of every record, and most are
    clean: they cost one ``bytes.translate`` of their UTF-8 and one call of the byte
    automaton (see :mod:`.bytefold`), and get the one shared empty :class:`Scan`. So
    do most texts with a word, up to the resolution. A closure over what it needs,
    not a method: the attribute lookups and the bound call were a twelfth of a clean
    text (the body of the resolution's callers is written out in each for the same reason).
    """
    low, drop, fast = matcher._low, matcher._drop, matcher._fast
    resolved, folding = matcher._resolved, matcher._folding

    def scan(text: str) -> Scan:
        try:
            plain = text.encode().translate(low, drop)
        except UnicodeEncodeError:  # a lone surrogate
            return folding(text, True)
        found = fast(plain, True)
        return resolved(text, plain, found, True) if found else NOTHING

    return scan


def _unfolded(marks: str, dropped: str, s: int, e: int) -> tuple[int, int]:
    """[s, e) of a text's fold in the text, when each character folded to one or none and ``dropped``
    stands in ``marks`` (the text itself, or its shape) where the fold dropped one and nowhere else:
    folded character k came from character k plus the dropped ones before it."""
    i = marks.find(dropped)
    while 0 <= i <= s:
        s, e, i = s + 1, e + 1, marks.find(dropped, i + 1)
    while 0 <= i < e:
        e, i = e + 1, marks.find(dropped, i + 1)
    return s, e


def _char_offsets(data: bytes, found: list[tuple[int, int, int]], length: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Matches in UTF-8 ``data`` with their byte offsets turned into code point offsets (each match starts at
    a character, its pattern being UTF-8 too). A few matches are counted one by one (a loop: a comprehension
    costs more for one or two); many in order of their starts, so that they cost one pass over the text."""
    if len(found) == 1:
        idx, s, _ = found[0]
        c = len(data[:s].decode())
        return [(idx, c, c + length[idx])]
    out = []
    if len(found) <= 4:
        for idx, s, _ in found:
            c = len(data[:s].decode())
            out.append((idx, c, c + length[idx]))
        return out
    at: dict[int, int] = {}
    c = prev = 0
    for s in sorted({m[1] for m in found}):
        c += len(data[prev:s].decode())
        at[s] = c
        prev = s
    for idx, s, _ in found:
        out.append((idx, at[s], at[s] + length[idx]))
    return out

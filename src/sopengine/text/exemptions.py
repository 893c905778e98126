"""Exemption rules compiled for matching: when a banned word in a text is not a claim.

SAMR's 2023 《广告绝对化用语执法指南》 lists situations in which an absolute term is
not an absolute claim about the advertised goods: it does not point at the goods
(a time word, a superlative about the person a gift is for), or it does but
cannot mislead (a self-comparison with its scope, a usage tip, a grade defined
by a standard, a trademark or product name, a dated and scoped fact with its
source). Each is one general rule in the vocabulary (data, see
:class:`~sopengine.text.vocabulary.ExemptionRule`), never an exception for one
word, and each clearance names its rule and basis so a legal reviewer can audit
why a word passed.

Everything here runs on the *folded* text (see :mod:`.normalise`), with the
rule's terms folded the same way, so an exemption is as hard to evade as a
word. Conditions are plain regular expressions built from escaped literals and
two fixed placeholders (``<quantity>``, ``<year>``); rule text is never compiled
as a pattern of its own, and every search is bounded to a window around the
word, so a long text costs linear time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..results import Text
from .normalise import fold
from .vocabulary import ExemptionRule

__all__ = ["Clearance", "CompiledRule"]

_YEAR = r"(?:19|20)\d\d"
_SLACK = 24  # longest quantity ("20000mah") or term a window has to hold beyond `within`


class Clearance(NamedTuple):
    """A banned word found and cleared; positions index the original text, like a hit's.

    A named tuple, not a frozen dataclass like the other results: one is built for
    every exempt use in every scanned string, and a frozen dataclass's ``__init__``
    (one ``object.__setattr__`` per field) cost more than the rest of the
    clearance; a named tuple is as immutable and costs a quarter of it.
    """

    word: str
    category: str
    start: int
    end: int
    text: str
    exemption: str
    title: Text
    basis: str
    context: str  # the original text that made the rule hold (the term, or the word with its context)


def _alternation(terms: Sequence[str], units: Sequence[str]) -> tuple[str, int]:
    """A regex matching any of ``terms`` (folded), and the longest literal length, for bounded windows."""
    unit = "|".join(re.escape(u) for u in sorted({fold(u) for u in units if fold(u)}, key=len, reverse=True))
    alts, longest = [], 0
    for t in terms:
        parts = re.split(r"(<quantity>|<year>)", t)
        rx = "".join(_YEAR if p == "<year>" else rf"\d+(?:{unit})" if p == "<quantity>" else re.escape(fold(p))
                     for p in parts if p)
        alts.append(rx)
        longest = max(longest, len(fold(t)) + (_SLACK if "<" in t else 0))
    return "|".join(sorted(set(alts), key=len, reverse=True)), longest


class CompiledRule:
    """One exemption rule ready to test against an anchor span of a folded text."""

    __slots__ = (
        "_after",
        "_before",
        "_reach_after",
        "_reach_before",
        "_tail",
        "_unless",
        "_unless_reach",
        "categories",
        "in_text",
        "plain",
        "rule",
        "words",
    )

    def __init__(self, rule: ExemptionRule) -> None:
        self.rule = rule
        self.words = frozenset(fold(w) for w in rule.words)
        self.categories = frozenset(rule.categories)
        w = rule.within
        self._before = self._after = self._unless = None
        self._reach_before = self._reach_after = self._unless_reach = 0
        if rule.before:
            alt, n = _alternation(rule.before, rule.units)
            self._before, self._reach_before = re.compile(rf"(?:{alt}).{{0,{w}}}$", re.DOTALL), n + w
        if rule.after:
            alt, n = _alternation(rule.after, rule.units)
            self._after, self._reach_after = re.compile(rf".{{0,{w}}}?(?:{alt})", re.DOTALL), n + w
        if rule.unless:
            alt, self._unless_reach = _alternation(rule.unless, ())
            self._unless = re.compile(alt)
        self.in_text = tuple(re.compile(_alternation(g, rule.units)[0]) for g in rule.in_text)
        self._tail = bool(self.in_text or rule.enclosed)
        # No condition at all: the rule holds wherever its anchor is (every listed phrase, most brands).
        self.plain = not (rule.before or rule.after or rule.unless or rule.in_text or rule.enclosed)

    def applies(self, word_key: str, category: str) -> bool:
        """Whether the rule may clear this word at all (its ``words``/``categories``; all when neither is given)."""
        if not self.words and not self.categories:
            return True
        return word_key in self.words or category in self.categories

    def holds(self, folded: str, s: int, e: int, text: str, src: Sequence[int],
              memo: dict[int, bool]) -> tuple[int, int] | None:
        """The folded span of anchor plus context if every condition holds around anchor [s, e), else None."""
        lo, hi = s, e
        before, after = self._before, self._after
        if before is not None or after is not None:
            m = None if before is None else before.search(folded, max(0, s - self._reach_before), s)
            if m is not None and (self._unless is None or not self._blocked(folded, m.start(), e)):
                lo = m.start()
            else:
                m = None if after is None else after.match(folded, e, min(len(folded), e + self._reach_after + _SLACK))
                if m is None or (self._unless is not None and self._blocked(folded, s, m.end())):
                    return None
                hi = m.end()
        elif self._unless is not None and self._blocked(folded, s, e):
            return None
        if self._tail:  # rare: conditions on the whole text
            for rx in self.in_text:
                key = id(rx)
                if key not in memo:
                    memo[key] = rx.search(folded) is not None
                if not memo[key]:
                    return None
            enclosed = self.rule.enclosed
            if enclosed and not _enclosed(text, src[s], src[e - 1] + 1, enclosed):
                return None
        return lo, hi

    def _blocked(self, folded: str, lo: int, hi: int) -> bool:
        """A term of ``unless`` (全网 in 本店全网最低价) between the context and the word, or in the word."""
        return self._unless is not None and self._unless.search(folded, lo, hi) is not None


def _enclosed(text: str, start: int, end: int, pairs: Sequence[str], reach: int = 64) -> bool:
    """Whether text[start:end] lies inside one bracket pair (《…》), looking at most ``reach`` characters out."""
    for pair in pairs:
        o, c = pair[0], pair[1]
        i = text.rfind(o, max(0, start - reach), start)
        if i < 0 or text.find(c, i + 1, start) >= 0:
            continue
        j = text.find(c, end, end + reach)
        if j >= 0 and text.find(o, end, j) < 0:
            return True
    return False


def by_kind(rules: Sequence[CompiledRule]) -> Mapping[str, list[CompiledRule]]:
    """Rules grouped by whether they anchor on terms (``terms``) or on the word itself (``word``)."""
    out: dict[str, list[CompiledRule]] = {"terms": [], "word": []}
    for r in rules:
        out["terms" if r.rule.terms else "word"].append(r)
    return out

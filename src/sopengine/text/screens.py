"""Screens and gates: what an exemption rule needs somewhere in a text before it can hold at all.

Most texts with a candidate word hold nothing any of the word's rules needs (a
context, a digit for a quantity, an opening bracket, a source), and then no
windowed test need run. A *gate* is that condition for one rule, a *screen* the
union of the gates of a word's whole rule set (words share their sets: every 第一
word has the same few), searched with one regex. Both are necessary conditions of
:meth:`~.exemptions.CompiledRule.holds`, never sufficient ones, so skipping a rule
they shut out changes no result (``tests/test_scan_gates.py`` checks it).
:class:`~.resolve.Resolver` is built on these tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .exemptions import CompiledRule
from .normalise import fold

__all__ = ["Screening"]

_DIGIT = "\\d"

# What a rule set needs somewhere in a text: (it may hold anywhere, a regex over the folded text, opening
# brackets to look for in the original).
Screen = tuple[bool, re.Pattern[str] | None, str]
# What one rule needs somewhere in a text: (a context, an opening bracket in the original, every in_text group).
Gate = tuple[re.Pattern[str] | None, str, tuple[re.Pattern[str], ...]]


class Screening:
    """The screens of a matcher's word rule sets and the gates of its rules (see the module docstring).

    ``_rules`` are the compiled rules, ``_entry_rules[p]`` the rules without terms that may
    clear word pattern ``p``, in the order they are tried."""

    __slots__ = ("_cover", "_entry_rules", "_gates", "_openers_dropped", "_rules", "_screen_of_entry", "_screens",
                 "_windowed")

    _rules: tuple[CompiledRule, ...]
    _entry_rules: tuple[tuple[int, ...], ...]

    def _init_screens(self, word_rules: Sequence[int]) -> None:
        """The tables below, from ``_rules`` and ``_entry_rules`` (set by the subclass first)."""
        # For each rule without terms a gate: what must be somewhere in the text for the rule to hold
        # anywhere in it (one of its contexts, a digit for a quantity, an opening bracket, each in_text
        # group). Most texts with a word have none of it, and then cost no windowed regex.
        self._gates = {ri: self._gate_of(self._rules[ri]) for ri in word_rules}
        self._windowed = tuple(ri in self._gates and self._gates[ri][0] is not None for ri in range(len(self._rules)))
        # Words share their rule sets (every 第一 word has the same few), and a text with a candidate
        # usually opens none of the set's rules: one screen per set, the union of what its rules need,
        # says so in one or two regex searches instead of a gate per rule.
        sets = sorted(set(self._entry_rules))
        self._screens = tuple(self._screen_of(ri_set) for ri_set in sets)
        self._screen_of_entry = tuple(sets.index(ri_set) for ri_set in self._entry_rules)
        self._openers_dropped = all(fold(o) == "" and o != " " for sc in self._screens for o in sc[2])
        # A screen is the union of what each rule of its set needs, so it lets no text through that the
        # screen of a wider set shuts out: for a word and the word inside it, the wider one, searched once.
        self._cover = {(a, b): (a if set(sa) >= set(sb) else b) for a, sa in enumerate(sets)
                       for b, sb in enumerate(sets) if a != b and (set(sa) >= set(sb) or set(sb) >= set(sa))}

    @staticmethod
    def _gate_of(compiled: CompiledRule) -> Gate:
        """(a regex over the rule's contexts, None if it needs none; one over its opening brackets, which
        are separators and so only in the original text; its in_text patterns)."""
        r = compiled.rule
        contexts = r.before + r.after
        plain = sorted({fold(t) for t in contexts if "<" not in t}, key=len, reverse=True)
        alts = [re.escape(k) for k in plain] + ([_DIGIT] if any("<" in t for t in contexts) else [])
        openers = "".join(sorted({pair[0] for pair in r.enclosed}))
        return re.compile("|".join(alts)) if contexts else None, openers, compiled.in_text

    def _screen_of(self, ri_set: tuple[int, ...]) -> Screen:
        """(a rule of the set may hold in any text, a regex over the folded text, opening brackets to look
        for in the original) such that no rule of the set can hold in a text in which none is found."""
        in_folded: list[str] = []
        in_text = ""
        for ri in ri_set:
            trigger, openers, groups = self._gates[ri]
            if trigger is not None:  # a context is needed, so it is enough to look for one
                in_folded.append(trigger.pattern)
            elif openers:
                in_text += openers
            elif groups:  # every group is needed; a literal one (a source) is rarer than a year
                in_folded.append(min(groups, key=lambda rx: _DIGIT in rx.pattern).pattern)
            else:
                return True, None, ""
        return False, re.compile("|".join(in_folded)) if in_folded else None, "".join(sorted(set(in_text)))

    def _may_clear(self, idx: int, text: str, folded: str) -> bool:
        """Whether the screen of word pattern ``idx``'s rule set lets the text through (see ``__init__``)."""
        return bool(self._entry_rules[idx]) and self._through(self._screen_of_entry[idx], text, folded)

    def _bracketless(self, text: str, folded: str) -> bool:
        """Whether ``text``, folded to ``folded`` one character to one or none, holds no opening bracket of a
        rule: every opener is dropped by the fold and none is a space, so a text that dropped nothing or
        only its spaces has none (one ``count`` instead of a lookup per opener and screen)."""
        return self._openers_dropped and (len(folded) == len(text) or len(folded) + text.count(" ") == len(text))

    def _through(self, screen: int, text: str, folded: str) -> bool:
        """Whether a screen lets the text through: a bracket is one ``in`` (a regex search costs 4 of them).
        ``text`` is the original, or "" when it is known to hold no bracket (see :meth:`_bracketless`)."""
        always, in_folded, openers = self._screens[screen]
        if always or (in_folded is not None and in_folded.search(folded) is not None):
            return True
        for o in openers:
            if o in text:
                return True
        return False

    def _open(self, ri: int, text: str, folded: str) -> bool:
        """Whether rule ``ri`` can hold anywhere in the text (see the gates in ``__init__``)."""
        trigger, openers, in_text = self._gates[ri]
        if trigger is not None and trigger.search(folded) is None:
            return False
        if openers and not any(o in text for o in openers):
            return False
        return all(rx.search(folded) for rx in in_text)

"""The per-title banned-word scan as it was before issue #15, frozen here as a same-run baseline.

Issue #15 asks that the scan "stays at or above today's speed", today being the
matcher of commit 18f6b38^ (one automaton over the words and the listed
exemption phrases, a leftmost-longest pass, no pinyin, no exemption rules). A
figure measured on another day, under another load, says little on this shared
2-core machine; the same code timed seconds apart on the same corpus does.

So this is that code's ``find`` and ``_resolve``, unchanged in what they do per
title, on today's fold table (the same ``str.translate`` per character, so the
same cost) and today's vocabulary: its words, and the terms of its exemption
rules as the plain phrases the old matcher knew. Bench-only: never imported by
sopengine or its tests, and never to be "improved" - it is the yardstick.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress

import ahocorasick_rs

from sopengine.text.intervals import Cover
from sopengine.text.normalise import (
    fold,
    fold_table,
    fold_with_map,
    folded_char,
    wordchar,
)
from sopengine.text.scan import WordHit
from sopengine.text.vocabulary import Vocabulary


class _ShapeTable(dict[int, str]):
    """Code point -> how it folds: "\x00" dropped, "\x01" one character, "\x02" several."""

    __slots__ = ()

    def __missing__(self, cp: int) -> str:
        shape = self[cp] = chr(min(len(folded_char(cp)), 2))
        return shape


_SHAPE = _ShapeTable()


def _joined(text: str, src: Sequence[int], i: int) -> bool:
    a, b = src[i], src[i + 1]
    return b - a <= 1 and wordchar(text[a]) and wordchar(text[b])


class Pre15Matcher:
    """``find(text)`` -> the word hits as the pre-#15 matcher computed them."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        pairs = [(fold(w), w, c) for c in vocabulary.categories for w in c.words]
        shields = sorted({fold(t) for r in vocabulary.rules for t in r.terms} - {k for k, _, _ in pairs})
        self._entries = tuple((w, c.id, c.legal_basis, k[0].isascii(), k[-1].isascii()) for k, w, c in pairs)
        self._fold = fold_table()
        dfa = ahocorasick_rs.Implementation.DFA
        self._automaton = ahocorasick_rs.AhoCorasick([k for k, _, _ in pairs] + shields, implementation=dfa)

    def find(self, text: str) -> list[WordHit]:
        folded = text.translate(self._fold)
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        return self._resolve(text, found) if found else []

    def _resolve(self, text: str, found: list[tuple[int, int, int]]) -> list[WordHit]:
        entries = self._entries
        nwords = len(entries)
        if all(idx >= nwords for idx, _, _ in found):
            return []
        shape = text.translate(_SHAPE)
        src: Sequence[int]
        if "\x02" in shape:
            src = fold_with_map(text)[1]
        elif "\x00" in shape:
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

"""``scan`` against a plain reference resolution: every shortcut of the matcher must leave its output alone.

:class:`~sopengine.text.resolve.Resolver` is written for speed: the fold through a
sequence that leaves some characters to a second pass, the map back built without a
loop, screens and gates that skip windowed tests, one screen for two nested words,
the wider of two nested words tried first, one anchor compared without a bisection.
The reference below does none of that. It folds with :func:`fold_with_map`, asks
the automaton, and applies steps 2-4 of the matcher's docstring literally: every
anchor containing a word, then every rule of the word, in order, through
:meth:`CompiledRule.holds` alone. Hits *and* clearances (rule, context, positions)
must be identical, on texts made of the vocabulary's own words, contexts, terms,
brands and disguises, where the shortcuts are taken and the rules do hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.text.exemptions import Clearance
from sopengine.text.intervals import Cover
from sopengine.text.normalise import fold_with_map, wordchar
from sopengine.text.resolve import Resolver, Scan, WordHit
from sopengine.text.scan import BannedWordMatcher, Vocabulary
from tests import titleset

ROOT = Path(__file__).resolve().parents[1]
VOCAB = Vocabulary.from_dict(yaml.safe_load((ROOT / "rules/vocabularies/banned_words.yaml").read_text("utf-8")))
MATCHERS = {
    "plain": BannedWordMatcher(VOCAB),
    # a shop's phrase may hold a never-exempt word (根治, 100%有效), which it must not clear
    "shop": BannedWordMatcher(VOCAB, extra_exemptions=["第一名校", "根治型", "100%有效期"],
                              brands=["最佳拍档", {"name": "至尊", "with": ["披萨"]}, "Kiwa"]),
}
WORDS = [w for c in VOCAB.categories for w in c.words]
CONTEXTS = [t.replace("<quantity>", "150kg").replace("<year>", "2023")
            for r in VOCAB.rules for t in r.before + r.after + r.unless + r.terms]
SOURCES = [t for r in VOCAB.rules for g in r.in_text for t in g if "<" not in t]
BRANDS = [b.name for b in VOCAB.brands] + ["最佳拍档", "至尊", "披萨", "Kiwa", "第一名校", "根治型", "100%有效期"]
OTHER = ["《", "》", "〈", "〉", "「", "」", "2023年", "3000rpm", "裙", "No.", "1", "12", "TOP", "LAP", "a", "①", "⑩",
         "™", "№", "Ⅻ", "頂級", "ｚｕｉ", "zuì", "第", "一", "最", "级", "连衣裙", " ", "-", "·", "\u200b", "😊", "\U000e0020"]
ALL_PIECES = sorted(set(WORDS + CONTEXTS + SOURCES + BRANDS + OTHER))
PIECES = st.sampled_from(ALL_PIECES)


def _joined(text: str, src: list[int], i: int) -> bool:
    a, b = src[i], src[i + 1]
    return b - a <= 1 and wordchar(text[a]) and wordchar(text[b])


def _leftmost_longest(spans: list[tuple[Any, int, int]]) -> list[tuple[Any, int, int]]:
    out, reached = [], 0
    for m in sorted(spans, key=lambda m: (m[1], m[1] - m[2])):
        if m[1] >= reached:
            out.append(m)
            reached = m[2]
    return out


def reference(matcher: BannedWordMatcher, text: str) -> Scan:
    """The matcher's docstring, steps 1-4, with none of the resolver's shortcuts."""
    res: Resolver = matcher._resolve.__self__  # type: ignore[attr-defined]
    folded, src = fold_with_map(text)
    found = matcher._automaton.find_matches_as_indexes(folded, overlapping=True)
    cands = [m for m in found if m[0] < res._nwords]
    anchors = sorted((s, e, ri) for idx, s, e in found for ri in res._anchored[idx])
    ents, n = res._entries, len(src)
    cands = [(idx, s, e) for idx, s, e in cands
             if not ((ents[idx][3] and s > 0 and _joined(text, src, s - 1))
                     or (ents[idx][4] and e < n and _joined(text, src, e - 1)))]
    why: dict[int, tuple[int, int, int]] = {}
    for ci, (idx, s, e) in enumerate(cands):
        for a_s, a_e, ri in anchors:  # a term occurrence containing the word
            if a_s <= s and e <= a_e and ri in res._clears[idx]:
                span = res._rules[ri].holds(folded, a_s, a_e, text, src, {})
                if span is not None:
                    why[ci] = (ri, *span)
                    break
        if ci not in why:
            for ri in res._entry_rules[idx]:  # a rule of the word itself
                span = res._rules[ri].holds(folded, s, e, text, src, {})
                if span is not None:
                    why[ci] = (ri, *span)
                    break
    done = sorted(why)
    cover = Cover((cands[ci][1], cands[ci][2]) for ci in done)
    for ci, (idx, s, e) in enumerate(cands):  # a word inside a cleared word is cleared with it
        if ci not in why and ents[idx][5] and (k := cover.covering(s, e)) >= 0:
            why[ci] = why[done[k]]
    hits = tuple(WordHit(ents[idx][0], ents[idx][1], src[s], src[e - 1] + 1, text[src[s]:src[e - 1] + 1],
                         ents[idx][2])
                 for idx, s, e in _leftmost_longest([m for ci, m in enumerate(cands) if ci not in why]))
    cleared = []
    for ci, s, e in _leftmost_longest([(ci, cands[ci][1], cands[ci][2]) for ci in why]):
        ri, lo, hi = why[ci]
        start, end = src[s], src[e - 1] + 1
        c_lo, c_hi = (start if lo >= s else src[lo]), (end if hi <= e else src[hi - 1] + 1)
        exemption, title, basis = res._labels[ri]
        ent = ents[cands[ci][0]]
        cleared.append(Clearance(ent[0], ent[1], start, end, text[start:end], exemption, title, basis,
                                 text[c_lo:c_hi]))
    return Scan(hits, tuple(cleared))


def test_the_reference_sees_clearances_and_hits_so_the_comparison_is_not_vacuous() -> None:
    texts = [t.title for t in titleset.load()]
    scans = [reference(MATCHERS["plain"], t) for t in texts]
    assert sum(bool(s.cleared) for s in scans) >= 100 and sum(bool(s.hits) for s in scans) >= 100
    assert reference(MATCHERS["plain"], "最佳食用期 180天") != Scan((), ())


def test_scan_is_the_reference_on_the_labelled_titles() -> None:
    for t in titleset.load():
        for matcher in MATCHERS.values():
            assert matcher.scan(t.title) == reference(matcher, t.title), t.title


def test_scan_is_the_reference_on_every_piece_alone_and_in_company() -> None:
    for piece in ALL_PIECES:
        for text in (piece, f"本店{piece}连衣裙", f"《{piece}》 2023年 数据来源", f"最{piece}1级"):
            for matcher in MATCHERS.values():
                assert matcher.scan(text) == reference(matcher, text), text


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=7), st.sampled_from(sorted(MATCHERS)))
def test_scan_is_the_reference_on_texts_made_of_the_vocabulary(pieces: list[str], which: str) -> None:
    text = "".join(pieces)
    assert MATCHERS[which].scan(text) == reference(MATCHERS[which], text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PIECES, st.characters()), min_size=1, max_size=10))
def test_scan_is_the_reference_on_texts_with_any_character(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert MATCHERS["plain"].scan(text) == reference(MATCHERS["plain"], text)

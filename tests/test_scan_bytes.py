"""The byte path of ``scan`` (text/bytefold.py) against the fold it stands in for.

``scan`` first translates a text's UTF-8 and asks a byte automaton; it answers from
those bytes alone when they are the fold, and declares a text clean when the
automaton finds no word there, spelt with digits or numerals. Both are claims about
the fold, checked here against :func:`fold` and the folding path itself, on texts
made of the vocabulary's pieces, numerals, and any character at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.text import bytefold
from sopengine.text.scan import BannedWordMatcher, fold
from tests.test_scan_reference import ALL_PIECES, MATCHERS, VOCAB, reference

NUMERALS = list("〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖貳叄陸")
PIECES = st.sampled_from(sorted(set(ALL_PIECES + NUMERALS + ["四件套", "一次性", "第", "唯", "级", "名"])))
TEXTS = st.lists(st.one_of(PIECES, PIECES, st.characters()), min_size=1, max_size=8).map("".join)


def _words_in_fold(matcher: BannedWordMatcher, text: str) -> list[tuple[int, int, int]]:
    nwords = matcher._nwords  # type: ignore[attr-defined]
    return [m for m in matcher._automaton.find_matches_as_indexes(fold(text), overlapping=True)  # type: ignore[attr-defined]
            if m[0] < nwords]


@settings(max_examples=500, deadline=None)
@given(TEXTS, st.sampled_from(sorted(MATCHERS)))
def test_the_byte_path_gives_what_the_folding_path_gives(text: str, which: str) -> None:
    matcher = MATCHERS[which]
    assert matcher.scan(text) == matcher._folding(text, True)  # type: ignore[attr-defined]
    assert matcher.find(text) == list(matcher._folding(text, False).hits)  # type: ignore[attr-defined]


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_bytes_without_a_marker_are_the_fold_and_bytes_without_a_word_hold_none(text: str) -> None:
    matcher = MATCHERS["plain"]
    try:
        plain = text.encode().translate(matcher._low, matcher._drop)  # type: ignore[attr-defined]
    except UnicodeEncodeError:
        return
    found = matcher._fast(plain, True)  # type: ignore[attr-defined]
    first_marker, numerals = matcher._first_marker, matcher._numerals  # type: ignore[attr-defined]
    if found and max(found)[0] < first_marker:
        assert plain.decode() == fold(text)
    if all(first_marker <= m[0] < numerals for m in found):  # nothing, or kept numerals only: clean
        assert _words_in_fold(matcher, text) == []


def test_words_spelt_with_numerals_are_found_and_numerals_alone_are_clean() -> None:
    matcher = MATCHERS["plain"]
    for text in ("第一品牌", "全网第壹", "唯一", "一级", "独一无二", "0风险", "零风险", "〇风险", "仅此一家"):
        assert matcher.find(text), text
    for text in ("四件套", "一次性手套 三件装", "二〇二三年新款"):
        plain = text.encode().translate(matcher._low, matcher._drop)  # type: ignore[attr-defined]
        found = matcher._fast(plain, True)  # type: ignore[attr-defined]
        assert found and all(matcher._first_marker <= m[0] < matcher._numerals for m in found)  # type: ignore[attr-defined]
        assert matcher.scan(text).hits == ()


def test_too_many_numeral_spellings_make_numerals_markers_and_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bytefold, "_MAX_SPELLINGS", 10)
    assert bytefold.numeral_spellings(["第1", "1流", "100有效"]) is None
    matcher = BannedWordMatcher(VOCAB)
    assert matcher._numerals == matcher._first_marker  # type: ignore[attr-defined]
    for text in ("第一品牌", "四件套", "一次性 最好", "第①", "頂級", "最 佳", "第一次用"):
        assert matcher.scan(text) == matcher._folding(text, True) == MATCHERS["plain"].scan(text), text


# Spaces (and other separators) before, inside and after a word: the byte path maps a lone word's hit back
# to the original through the positions of the spaces, without the resolution's map of every character.
SPACED = st.lists(st.one_of(PIECES, st.sampled_from([" ", "  ", " ", "-", "a", "1", "\u3000", "《"])),
                  min_size=1, max_size=8).map("".join)


@settings(max_examples=800, deadline=None)
@given(SPACED, st.sampled_from(sorted(MATCHERS)))
def test_a_lone_word_among_spaces_is_where_the_reference_puts_it(text: str, which: str) -> None:
    matcher = MATCHERS[which]
    assert matcher.scan(text) == reference(matcher, text)
    assert matcher.find(text) == list(reference(matcher, text).hits)


def test_a_lone_word_after_spaces_is_mapped_back_past_each_of_them() -> None:
    matcher = MATCHERS["plain"]
    for text, at in (("顶级", 0), (" 顶级", 1), ("a 顶级 ", 2), ("  a 顶级", 4), ("新款 a b  顶 级 ", 8), ("顶 级", 0)):
        (h,) = matcher.scan(text).hits
        assert (h.start, h.text.replace(" ", "")) == (at, "顶级"), text
        assert matcher.scan(text) == reference(matcher, text)
    # a word and the word inside it (最 in 最好, 最佳): the wider one, once
    for text, at in (("最好", 0), ("新款 最好 ", 3), ("新款 最 佳 拖鞋", 3), (" 销量第一 ", 1)):
        (h,) = matcher.scan(text).hits
        assert (h.start, len(h.text.replace(" ", ""))) == (at, 4 if "销量" in text else 2), text
        assert matcher.scan(text) == reference(matcher, text)


def test_texts_whose_only_disguise_is_a_numeral_are_answered_from_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # 一 in 第一次, 一级能效, 唯一: the bytes are the fold but for the numerals, which become digits in place
    matcher = MATCHERS["plain"]
    texts = ("第一次用 面霜", "一级能效 空调", "销量第一", "唯一识别码", "最好 一次性", "第壹 品牌", "全网第一 最近")
    want = {t: reference(matcher, t) for t in texts}
    assert all(want[t].hits or want[t].cleared for t in texts)
    monkeypatch.setattr(BannedWordMatcher, "_folding", lambda self, text, audit: pytest.fail(f"folded {text!r}"))
    for text in texts:
        assert matcher.scan(text) == want[text], text


def test_a_word_inside_a_term_that_clears_it_is_cleared_from_the_bytes() -> None:
    # 最 in 最近, 第一 in 第一次, 唯一 in 唯一识别码: the term's rule has no conditions, so it is the clearance;
    # 最 and 最大 in 最大承重: the wider word's
    texts = ("最近热卖 面霜", "新款第一次用", " 唯一识别码 ", "a 最 近 b", "最近", "夏季 第一次用 包邮", "瑜伽垫 最大承重150kg",
             "最 大 承重 150kg")
    for which, matcher in MATCHERS.items():
        want = {t: reference(matcher, t) for t in texts}
        assert all(want[t].cleared and not want[t].hits for t in texts), which
        fresh = BannedWordMatcher(VOCAB, matcher.extra_exemptions, matcher.brands)
        object.__setattr__(fresh, "_resolve", lambda *a: pytest.fail(f"resolved {a[0]!r}"))
        for text in texts:
            assert fresh.scan(text) == want[text], text
            assert fresh.find(text) == [], text


def test_a_lone_word_in_a_disguise_is_mapped_back_through_the_shape() -> None:
    # separators the byte path cannot drop (an emoji, a zero-width space, a full-width space) or a
    # traditional spelling: folded through the sequence, a lone word is mapped back past what was dropped
    texts = ("国\u200b内\u200b领\u200b先 收纳箱", "新款 专\u200b家\u200b推\u200b荐", "全國首發", "\u3000頂級 面霜", "返🔥老🔥还🔥童", "鎮宅 透气")
    for which, matcher in MATCHERS.items():
        want = {t: reference(matcher, t) for t in texts}
        assert all(len(want[t].hits) == 1 and not want[t].cleared for t in texts), which
        fresh = BannedWordMatcher(VOCAB, matcher.extra_exemptions, matcher.brands)
        object.__setattr__(fresh, "_resolve", lambda *a: pytest.fail(f"resolved {a[0]!r}"))
        for text in texts:
            assert fresh.scan(text) == want[text], text
            assert fresh.find(text) == list(want[text].hits), text


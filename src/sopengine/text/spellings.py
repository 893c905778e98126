"""Other spellings of a banned word that folding alone cannot reach: pinyin and digit-for-letter.

Sellers write 最低价 as zui低价, zuì dī jià or zuidijia, and 第一品牌 as di一品牌 or
dìyī品牌. Folding cannot turn letters back into Hanzi (zui is 最, 醉 or 嘴), so the
vocabulary side does the work instead: each word gets one pattern per way of
writing any of its Hanzi in pinyin, all toneless or all with tone marks (which
fold to upper case, see :mod:`.normalise`). That is at most 2^(n+1) patterns for
n Hanzi, computed once per matcher and small for an automaton.

Two limits keep precision: a word of one or two Hanzi is not spelt in full
*toneless* pinyin (zui, diyi and zhiyu are too often a name, a model or a brand:
ZHIYU is not 治愈), though its toned form (dìyī) and mixed forms (di一) are; and
words longer than ``MAX_HANZI`` only get the all-Hanzi-or-all-pinyin forms.

Pinyin comes from pypinyin, the maintained, phrase-aware converter (it reads
第一 as di yi and 银行 as yin hang, not yin xing), used only here, at build time.
"""

from __future__ import annotations

from functools import cache
from itertools import product
from typing import Any

__all__ = ["spellings"]

MAX_HANZI = 6
# Latin letters sellers swap for look-alike digits inside an ASCII word (T0P1, N0.1).
_DIGIT_FOR = {"o": "0", "O": "0"}


def _hanzi(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0003134f"


@cache
def _readings(word: str) -> tuple[tuple[str, str], ...] | None:
    """(toneless, toned) pinyin of each character of an all-Hanzi run, or None if pypinyin cannot read one."""
    from pypinyin import Style, lazy_pinyin

    def unreadable(s: str) -> Any:  # pypinyin spreads a returned list over the characters
        return [None] * len(s)

    plain: list[Any] = lazy_pinyin(word, errors=unreadable)
    toned: list[Any] = lazy_pinyin(word, style=Style.TONE, errors=unreadable)
    if len(plain) != len(word) or None in plain or None in toned:
        return None
    return tuple(zip(plain, toned))


def _pinyin_spellings(word: str) -> list[str]:
    positions = [i for i, c in enumerate(word) if _hanzi(c)]
    if not positions:
        return []
    readings: dict[int, tuple[str, str]] = {}
    for i in positions:  # read each maximal Hanzi run as a phrase (第一 -> di yi)
        if i in readings:
            continue
        j = i
        while j < len(word) and _hanzi(word[j]):
            j += 1
        run = _readings(word[i:j])
        if run is None:
            return []
        readings.update({i + k: r for k, r in enumerate(run)})
    n = len(positions)
    if n > MAX_HANZI:
        choices = [tuple(True for _ in positions)]
    else:
        choices = [c for c in product((False, True), repeat=n) if any(c)]
    out = []
    for style in (0, 1):
        for choice in choices:
            if style == 0 and all(choice) and n < 3:
                continue
            chars = list(word)
            for pos, use in zip(positions, choice):
                if use:
                    chars[pos] = readings[pos][style]
            out.append("".join(chars))
    return out


def _digit_spellings(word: str) -> list[str]:
    if not word.isascii() or not any(c in _DIGIT_FOR for c in word):
        return []
    slots = [[c, _DIGIT_FOR[c]] if c in _DIGIT_FOR else [c] for c in word]
    return ["".join(p) for p in product(*slots)][1:]


def spellings(word: str) -> list[str]:
    """Spellings of ``word`` other than itself, raw (the caller folds them)."""
    return _pinyin_spellings(word) + _digit_spellings(word)

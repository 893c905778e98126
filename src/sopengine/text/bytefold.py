"""The fold of a usual listing text done on its UTF-8 bytes, and what says when that is not the fold.

Almost every title is ASCII and first-plane ideographs, kana or Hangul that fold
to themselves; for those :func:`~.normalise.fold` only lowers the ASCII letters
and drops the ASCII separators, which one ``bytes.translate`` of the UTF-8 does
at C speed without looking anything up per character (``str.translate`` costs
~20 ns a character, half of what a clean title cost). The same translate turns
the lead byte of every character outside that plain range (U+0080-U+2FFF,
U+E000-U+FFFF, the supplementary planes) into :data:`MARK`, a byte no UTF-8 holds.
Inside it (U+3000-U+D7FF) the characters that do fold to something else
(traditional, variants, CJK punctuation, compatibility forms, ㄧ) are spelt out
for the matcher's byte automaton, one pattern each, and so is ``MARK``: when the
automaton finds none of them, the translated bytes *are* the UTF-8 of the fold.

The numerals 一二三... are the exception: they fold to digits, and 一 alone is too
common in titles (一次性, 一件) to send every title holding one to the slow path.
So they stay as they are in the bytes, and each word with a digit is spelt in
the byte automaton with every numeral for every digit as well (第1, 第一, 第壹).
A text in which the automaton finds no word then holds no word after folding
either; a text with a numeral that does hold one is folded in full again.
"""

from __future__ import annotations

import re
from itertools import product

from .normalise import _NUMERALS, fold_table

__all__ = ["MARK", "byte_fold", "numeral_spellings"]

# What the translate writes for the lead byte of a character outside the plain range (never valid UTF-8).
MARK = 0xFF
# Lead bytes of U+0080-U+07FF (C2-DF), U+0800-U+2FFF (E0-E2), U+E000-U+FFFF (EE, EF), planes 1-16 (F0-F4).
_MARKED_LEADS = (*range(0xC2, 0xE3), 0xEE, 0xEF, *range(0xF0, 0xF5))
# The three-byte characters whose lead byte is kept (E3-ED), surrogates (ED A0-BF) excluded: a strict
# encode refuses a lone surrogate, and the caller folds such a text the usual way.
_PLAIN_RANGE = range(0x3000, 0xD800)
# More spellings than this across all the words would make the automaton large: then the
# numerals are spelt out as characters that fold (patterns) instead, which is exact too, only slower.
_MAX_SPELLINGS = 50_000

_PARTS: list[tuple[bytes, bytes, tuple[str, ...], dict[str, tuple[str, ...]], re.Pattern[str]]] = []


def byte_fold() -> tuple[bytes, bytes, tuple[str, ...], dict[str, tuple[str, ...]], re.Pattern[str]]:
    """(translate table, deleted bytes, the plain-range characters that fold to something else other than
    the kept numerals, digit -> its spellings (itself first), a regex finding a kept numeral), derived
    from the fold table once."""
    if not _PARTS:
        table = fold_table()
        low = bytearray(range(256))
        drop = bytearray()
        for cp in range(128):
            f = table[cp]
            if f == "":
                drop.append(cp)
            elif f != cp:
                if not (isinstance(f, str) and len(f) == 1 and ord(f) < 128):  # pragma: no cover - table invariant
                    raise RuntimeError(f"ASCII {chr(cp)!r} folds to {f!r}, not one ASCII character")
                low[cp] = ord(f)
        for b in _MARKED_LEADS:
            low[b] = MARK
        numerals = {c: d for c in _NUMERALS if ord(c) in _PLAIN_RANGE and len(d := folded(table, c)) == 1
                    and d.isascii() and d.isdigit()}
        spelt: dict[str, list[str]] = {}
        for c, d in numerals.items():
            spelt.setdefault(d, [d]).append(c)
        changed = tuple(chr(cp) for cp in _PLAIN_RANGE if table.get(cp, cp) != cp and chr(cp) not in numerals)
        rx = re.compile("[" + "".join(sorted(numerals)) + "]")
        _PARTS.append((bytes(low), bytes(drop), changed, {d: tuple(s) for d, s in spelt.items()}, rx))
    return _PARTS[0]


def folded(table: dict[int, int | str], c: str) -> str:
    """What ``c`` folds to, by ``table``."""
    f = table.get(ord(c), ord(c))
    return chr(f) if isinstance(f, int) else f


def numeral_spellings(keys: list[str]) -> list[tuple[int, str]] | None:
    """(index in ``keys``, spelling) for every other spelling of a key with its digits as kept numerals,
    or None if there would be more than the automaton should hold (then numerals must be patterns)."""
    spelt = byte_fold()[3]
    out: list[tuple[int, str]] = []
    for i, k in enumerate(keys):
        if not any(ch in spelt for ch in k):
            continue
        slots = [spelt.get(ch, (ch,)) for ch in k]
        n = 1
        for slot in slots:
            n *= len(slot)
        if len(out) + n > _MAX_SPELLINGS:
            return None
        out.extend((i, s) for p in product(*slots) if (s := "".join(p)) != k)  # the key is a pattern already
    return out

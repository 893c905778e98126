"""Folding listing text into the one spelling banned words are matched in.

Sellers who know a filter exists write around it: full-width or mathematical
letters (ＮＯ．１, 𝐍𝐨.𝟏, 🅽🅾, ᴛᴏᴘ), traditional characters (頂級), a space, an emoji
or an invisible character between the two characters of a word (最 佳, 最😊佳,
最\u200b佳), enclosed and styled digits (第①, 第➀, 第❶), look-alikes (Cyrillic о in
Nо.1, an em dash or ㄧ for 一, the variant 冣 for 最) and pinyin with tone marks
(zuì). A regulator reads all of these as the claim, so the matcher must too. We
fold every character on its own into a canonical form (NFKC, case fold,
traditional to simplified, numerals to digits, look-alikes to what they imitate,
separators dropped) and run the automaton over the folded text.

Folding character by character (no context) is deliberate: it makes
``fold(a + b) == fold(a) + fold(b)``, so an index map is a plain list, the
vocabulary and the text are folded by the same function, and the properties the
tests rely on (inserting a separator never hides a word, adding an exempt
context never creates one) follow from the construction instead of from luck.

Tone marks fold to the *upper-case* base letter (zuì -> zuI): case folding has
already made everything else lower case, so a toned syllable stays recognisable
as pinyin. That lets the vocabulary spell a two-character word in full toned
pinyin (dìyī) without also matching the toneless letters (diyi, zhiyu), which
are too often a brand or a model name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import chain, compress
from threading import Lock

__all__ = ["SEVERAL", "fold", "fold_sequence", "fold_table", "fold_with_map", "folded_char", "kept_map", "source_map",
           "wordchar"]

# General categories (first letter) that carry no letters: separators, punctuation,
# symbols (emoji included), controls/format/private/unassigned (zero-width joiners,
# BOM, tag characters), and combining marks (variation selectors, keycaps).
_DROPPED_CLASSES = frozenset("ZPSCM")
# Letters by category that act as separators in practice: Hangul fillers are
# invisible, 丨丶丿 are the radicals titles use as a bar, a dot and a slash.
_DROPPED_LETTERS = frozenset("\u115f\u1160\u3164\uffa0丨丶丿")
# Chinese numerals fold to digits so that 第①, 第１ and 第一 are one spelling.
_NUMERALS = dict(zip("〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789"))
# Strokes that imitate 一 in a title (第—, 唯ㄧ, 第ー): a dash between two Hanzi is
# read as the numeral, which costs only a separator that was never needed.
_ONE_LOOKALIKES = "—―─━ーㄧ㇐ㅡᅳ"
# Variant and look-alike ideographs of words' characters (冣 and 㝡 are variants of 最).
_HANZI_LOOKALIKES = {"冣": "最", "㝡": "最", "苐": "第", "珎": "珍"}
# Cyrillic and Greek letters (after case folding) that a reader takes for Latin ones.
_LATIN_LOOKALIKES = dict(zip("аеорсухіјѕԁһкмнтвαοριτυχκνηз", "aeopcyxijsdhkmhtbaopitux" "knh3"))
# Tone marks of pinyin: the combining marks of the four tones.
_TONES = frozenset("\u0300\u0301\u030c\u0304")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE", "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"])}
# Styled letters and digits NFKC leaves alone (🅽, ᴛ, ➀, ❶, ⓵, 🇳): read from their names.
_STYLED_NAME = re.compile(r"(?:LATIN LETTER SMALL CAPITAL|SQUARED LATIN CAPITAL LETTER|NEGATIVE .*LATIN CAPITAL LETTER"
                          r"|REGIONAL INDICATOR SYMBOL LETTER|LATIN (?:SMALL|CAPITAL) LETTER) ([A-Z])(?: WITH .*)?$"
                          r"|(?:CIRCLED|PARENTHESIZED|DOUBLE|NEGATIVE|DINGBAT).* (?:DIGIT|NUMBER) ([A-Z]+)$")
_STYLED_CLASSES = frozenset(("So", "Ll", "Lu", "No"))
# Unified ideographs and their extensions: the code points OpenCC knows about.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0), (0x2A700, 0x2EBF0), (0x30000, 0x323B0))


@cache
def _t2s() -> dict[str, str]:
    """Traditional -> simplified, one character to one character.

    OpenCC's phrase-level conversion is better prose but may change lengths and
    costs ~7 us per title; a per-character table keeps the index map a list and
    runs inside ``str.translate``. We still take the table from OpenCC (through
    its public API, once per process, ~0.2 s) rather than shipping a copy that
    would go stale. Ambiguous characters (乾 -> 干) fold the same way in the
    vocabulary and in the text, so they cannot cause a miss.
    """
    from opencc_purepy import OpenCC

    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    out = OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # pragma: no cover - would mean OpenCC merged lines
        raise RuntimeError("OpenCC t2s did not convert the character table line by line")
    return {c: s for c, s in zip(chars, out) if s != c and len(s) == 1}


def _dropped(c: str) -> bool:
    return c in _DROPPED_LETTERS or unicodedata.category(c)[0] in _DROPPED_CLASSES


def _styled(c: str) -> str | None:
    """The ASCII letter or digits a styled character stands for, or None."""
    m = _STYLED_NAME.match(unicodedata.name(c, ""))
    if m is None:
        return None
    return m.group(1).lower() if m.group(1) else _NUMBER_WORDS.get(m.group(2))


def _latin(c: str) -> str:
    """One letter without its accents: tone marks make it upper case (see the module docstring)."""
    parts = unicodedata.normalize("NFD", c)
    if len(parts) < 2 or not parts[0].isascii():
        return c
    return parts[0].upper() if any(m in _TONES for m in parts[1:]) else parts[0]


def _fold_char(ch: str, t2s: Mapping[str, str]) -> str:
    # Classes are judged after NFKC (㍿ and Ⓝ are symbols that decompose to letters) and
    # again after case folding, never only after it: U+0345, a combining mark, folds to ι.
    if ch in _ONE_LOOKALIKES:
        return "1"
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        # Letters that decompose keep their base letter (and tone) through _latin below.
        styled = _styled(c) if not c.isascii() and unicodedata.category(c) in _STYLED_CLASSES \
            and len(unicodedata.normalize("NFD", c)) == 1 else None
        if styled is not None:
            out.append(styled)
            continue
        if _dropped(c):
            continue
        for f in unicodedata.normalize("NFKC", c.casefold()):
            if _dropped(f):
                continue
            f = _latin(_LATIN_LOOKALIKES.get(f, f))
            f = _HANZI_LOOKALIKES.get(f, f)
            f = t2s.get(f, f)
            out.append(_NUMERALS.get(f, f))
    return "".join(out)


def _build_fold_table() -> dict[int, int | str]:
    """Code point -> its folded string, or itself (an int) where folding keeps it.

    ``str.translate`` is the one C-speed loop Python offers for this, and it is
    fast only with a plain dict that has the key: a miss raises (and clears) a
    KeyError, a dict subclass that fills itself lazily costs ~25 % more per title.
    So the table is built once per process (~0.3 s, ~10 MB) with an entry for
    every code point of the first two planes (every script, symbol, emoji and
    stylised letter), identity entries reusing the key object. Beyond them only
    the characters that change are listed - the compatibility ideographs, the
    traditional characters of the CJK extensions, plane 14's invisible tags and
    variation selectors; the rest is unassigned or supplementary private use,
    which no font draws as nothing, and is kept as it is.
    """
    t2s = _t2s()
    table: dict[int, int | str] = {}
    wide = (ord(c) for c in t2s if ord(c) >= 0x20000)
    for cp in chain(range(0x20000), range(0x2F800, 0x2FA20), range(0xE0000, 0xE1000), wide):
        ch = chr(cp)
        folded = _fold_char(ch, t2s)
        if folded != ch:
            table[cp] = folded
        elif cp < 0x20000:
            table[cp] = cp
    return table


_FOLD: dict[int, int | str] = {}
_FOLD_LOCK = Lock()


def fold_table() -> dict[int, int | str]:
    """The ``str.translate`` table of :func:`fold`, built on first use (thread-safe)."""
    if not _FOLD:
        with _FOLD_LOCK:
            if not _FOLD:
                _FOLD.update(_build_fold_table())  # one C-level update: readers never see half a table
    return _FOLD


# The first code point fold_sequence() leaves out: above it only plane 14 (tags, variation selectors) and
# one plane-3 ideograph change; the rest of the supplementary planes is unassigned or private use.
SEQUENCE_END = 0x2FA20
_SEQUENCE: list[tuple[tuple[int | str, ...], tuple[str, ...]]] = []


# What fold_sequence() turns a character that folds to several into: a character no text keeps (it is
# itself dropped), so that the automaton needs one marker for them all, not one per character (979 of
# them doubled its DFA, to ~45 MB).
SEVERAL = "\x00"


def fold_sequence() -> tuple[tuple[int | str, ...], tuple[str, ...]]:
    """The fold table as a sequence indexed by code point, for :func:`fold` of short texts, and the
    characters at or beyond its end that fold to something else.

    ``str.translate`` indexes its table once per character; a tuple answers
    that ~20 % faster than the dict (for ~8 MB), which a per-title scan feels:
    the translate is half of what a clean title costs. A character past the tuple's end is
    left as it is (an IndexError is a LookupError), which is right for all but
    the listed ones; a character that folds to *several* (⑩ -> 10, ™ -> tm) becomes
    :data:`SEVERAL`. A caller whose translated text holds one of the listed
    characters or :data:`SEVERAL` must fold the text again with :func:`fold_table`
    (the matcher finds them with the same automaton pass that looks for words); one
    whose text holds neither has the fold, and each of its characters came from one
    character of the text, in order: the map back is :func:`kept_map`, no loop.
    """
    if not _SEQUENCE:
        table = fold_table()
        if table.get(ord(SEVERAL)) != "":  # pragma: no cover - table invariant
            raise RuntimeError("the marker of characters folding to several must itself be dropped")
        # first-plane characters that fold to themselves as one-character strings, which str.translate
        # copies faster than it converts an int (~8 % of a title's translate, for ~5 MB)
        seq = tuple(SEVERAL if isinstance(f, str) and len(f) > 1 else
                    chr(f) if isinstance(f, int) and cp < 0x10000 else f
                    for cp, f in ((cp, table.get(cp, cp)) for cp in range(SEQUENCE_END)))
        beyond = tuple(chr(cp) for cp in sorted(table) if cp >= SEQUENCE_END and table[cp] != cp)
        with _FOLD_LOCK:
            if not _SEQUENCE:
                _SEQUENCE.append((seq, beyond))
    return _SEQUENCE[0]


def folded_char(cp: int) -> str:
    """What one code point folds to ("" when it is dropped)."""
    f = fold_table().get(cp, cp)
    return chr(f) if isinstance(f, int) else f


@cache
def wordchar(ch: str) -> bool:
    """Whether a character reads as a Latin letter or digit (A, ａ, ①, о, 🅽, but not 一 or —).

    Only these continue a run of letters in the original text; a numeral or a
    stroke that folds to 1 does not, so 第一2023 still holds the word 第一.
    """
    if ch in _ONE_LOOKALIKES or unicodedata.name(ch, "").startswith("CJK"):
        return False
    s = folded_char(ord(ch))
    return bool(s) and s.isascii() and s.isalnum()


def fold(text: str) -> str:
    """The canonical form both the vocabulary and scanned text are compared in."""
    return text.translate(fold_table())


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the index of the original character it came from."""
    parts: list[str] = []
    src: list[int] = []
    table = fold_table()
    for i, ch in enumerate(text):
        f = table.get(ord(ch), ord(ch))
        s = chr(f) if isinstance(f, int) else f
        if s:
            parts.append(s)
            src.extend([i] * len(s))
    return "".join(parts), src


def source_map(text: str) -> Sequence[int]:
    """What :func:`fold_with_map` returns as the map, without its per-character loop for the usual text.

    Only texts with a candidate word need the map, but for them the loop was a
    good part of the cost. One ``str.translate`` through the shape of the fold
    sequence tells how each character folds (dropped, one character, several);
    when none expands (⑩ -> 10) the map is the identity, or, when some are
    dropped, the kept positions, picked at C speed. A character beyond the
    sequence stays itself in the shape, which is then not ASCII: the loop.
    """
    shape = text.translate(_shape())
    if not shape.isascii() or "\x02" in shape:  # rare: take the loop
        return fold_with_map(text)[1]
    if "\x00" in shape:
        return list(compress(range(len(text)), shape.encode("ascii")))
    return range(len(text))


def kept_map(text: str, folded: str) -> Sequence[int]:
    """The map of :func:`fold_with_map` for a text that ``folded`` came from one character to one or none.

    That is what :func:`fold_sequence` promises for a text it leaves none of its
    listed characters and no :data:`SEVERAL` in, and what a scan knows at no cost from the automaton pass
    it makes anyway. Then equal lengths mean nothing was dropped either, and the
    map is the identity: no second translate at all. Otherwise the shape (see
    :func:`source_map`) says which characters were dropped.
    """
    n = len(text)
    dropped = n - len(folded)
    if not dropped:
        return range(n)
    if dropped <= 8 and text.count(" ") == dropped:  # the usual separator, and every space is dropped:
        src = list(range(n))                           # so the spaces are what went, no translate
        i = text.rfind(" ")
        while i >= 0:
            del src[i]
            i = text.rfind(" ", 0, i)
        return src
    shape = text.translate(_shape())
    if not shape.isascii():  # a character past the sequence that folds to itself: rare
        return fold_with_map(text)[1]
    return list(compress(range(n), shape.encode("ascii")))


_SHAPE: list[bytes] = []


def _shape() -> bytes:
    """Code point -> 0 dropped, 1 one character, 2 several, for the fold sequence's code points.

    A ``bytes`` object is a translate table too (its items are small cached ints, which
    ``str.translate`` writes as characters "\x00".."\x02"), as fast as a tuple of
    strings and an eighth of its size: 190 KB of cache instead of 1.5 MB of pointers."""
    if not _SHAPE:
        table = fold_table()
        _SHAPE.append(bytes(1 if isinstance(f, int) else min(len(f), 2)
                            for f in (table.get(cp, cp) for cp in range(SEQUENCE_END))))
    return _SHAPE[0]

"""The ``kind: Vocabulary`` document: banned words, exemption rules and brands, validated.

A rule author adds a word, an exemption rule or a brand in YAML; everything that
only normalisation reveals is checked here and reported with the JSON Pointer of
the entry (the loader turns it into file:line:column): two spellings of one word,
an exemption or brand that equals a banned word and would silently disable it,
one that contains no banned word (a typo), a rule that names an unknown word or
category, or one that would clear a category that is never exempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import VocabularyError
from ..results import Severity, Text
from .normalise import fold

__all__ = ["Brand", "Category", "Exemption", "ExemptionRule", "Vocabulary", "VocabularyError", "brand_from"]

_SEVERITIES = ("error", "warning", "info")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Placeholders a context term may use; everything else in a term is literal text.
TOKENS = ("<quantity>", "<year>")
_RULE_KEYS = {"id", "title", "basis", "terms", "words", "categories", "before", "after", "within", "units",
              "enclosed", "unless", "in_text", "description"}


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    title: Text
    legal_basis: tuple[str, ...]
    severity: Severity
    words: tuple[str, ...]
    exemptable: bool = True  # medical and efficacy claims are never exempt


@dataclass(frozen=True, slots=True)
class Exemption:
    """A phrase inside which a word is not a claim (the vocabulary's original, context-free form)."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExemptionRule:
    """One general mechanism under which a banned word is not a claim (SAMR 2023 guideline).

    The rule's *anchor* is an occurrence of one of ``terms`` that contains the
    word, or the word itself when there are no terms. It clears the word when
    the word is one it may clear (``words``/``categories``; all exemptable ones by
    default) and every condition given holds: a ``before``/``after`` context
    within ``within`` characters of the anchor (either side will do), all
    ``in_text`` groups somewhere in the same text, the anchor inside one of the
    ``enclosed`` bracket pairs, and none of ``unless`` between the context and the
    word or in the word.
    """

    id: str
    title: Text
    basis: str
    terms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    within: int = 0
    units: tuple[str, ...] = ()
    enclosed: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    in_text: tuple[tuple[str, ...], ...] = ()
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class Brand:
    """A trademark or brand name that contains banned words; ``with_`` are the contexts a bare banned word needs."""

    name: str
    reason: str
    with_: tuple[str, ...] = ()
    within: int = 0


_TRADEMARK = Text("注册商标、品牌或商品名称指代商品", "trademark, brand or product name naming the product")
_TRADEMARK_BASIS = "《广告绝对化用语执法指南》第九条第（四）项：商品名称、规格型号、注册商标或者专利中含有绝对化用语，用以指代商品的"
_LISTED = Text("词表列明的非宣称用语", "phrase listed as not a claim")


def _need(ok: Any, message: str, pointer: str) -> None:
    if not ok:
        raise VocabularyError(message, pointer)


def _str(value: Any, pointer: str, what: str) -> str:
    _need(isinstance(value, str) and value.strip(), f"{what} must be a non-empty string, not {value!r}", pointer)
    return str(value)


def _map(value: Any, pointer: str, required: set[str], optional: Iterable[str] = ()) -> Mapping[str, Any]:
    _need(isinstance(value, Mapping), f"expected a mapping, not {type(value).__name__}", pointer)
    allowed = required | set(optional)
    for k in value:
        _need(k in allowed, f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})", pointer)
    for k in sorted(required - set(value)):
        _need(False, f"missing key {k!r}", pointer)
    return dict(value)


def _list(value: Any, pointer: str, what: str) -> list[Any]:
    _need(isinstance(value, list) and value, f"{what} must be a non-empty list", pointer)
    return list(value)


def _strs(value: Any, pointer: str, what: str) -> tuple[str, ...]:
    items = _list(value, pointer, what)
    return tuple(_str(s, f"{pointer}/{i}", what) for i, s in enumerate(items))


def _terms(value: Any, pointer: str, what: str) -> tuple[str, ...]:
    out = _strs(value, pointer, what)
    for i, t in enumerate(out):
        bare = t
        for tok in TOKENS:
            bare = bare.replace(tok, "")
        _need("<" not in bare, f"{what} {t!r}: unknown placeholder (known: {', '.join(TOKENS)})", f"{pointer}/{i}")
        _need(fold(bare) or bare != t, f"{what} {t!r} has no letters left after normalisation", f"{pointer}/{i}")
    return out


def _text(value: Any, pointer: str) -> Text:
    t = _map(value, pointer, {"zh", "en"})
    return Text(_str(t["zh"], pointer + "/zh", "title.zh"), _str(t["en"], pointer + "/en", "title.en"))


def _within(value: Any, pointer: str) -> int:
    _need(isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 32,
          "within must be a whole number of characters from 0 to 32", pointer)
    return int(value)


def _check_term(key: str, text: str, seen: Mapping[str, tuple[str, str]], pointer: str, has_context: bool) -> None:
    """A term or brand must contain a banned word, and may equal one only where a context is required."""
    if key in seen and not has_context:
        raise VocabularyError(f"{text!r} equals the banned word {seen[key][1]!r} ({seen[key][0]}) and would disable "
                              "it; give it a context (with/before/after) or remove it", pointer)
    _need(any(k in key for k in seen), f"{text!r} contains no banned word; fix the typo", pointer)


def brand_from(raw: Any, pointer: str, seen: Mapping[str, tuple[str, str]], shop: bool = False) -> Brand:
    """One brand entry: a name, or ``{name, reason, with, within}``; ``seen`` maps folded words to (pointer, word).

    A shop's own list (``shop``) may hold brands without any banned word: it is
    a list of the shop's marks, not a list of exemptions, so only the conflict
    that would disable a word is an error there.
    """
    if isinstance(raw, str):
        raw = {"name": raw}
    b = _map(raw, pointer, {"name"}, {"reason", "with", "within"})
    name = _str(b["name"], pointer + "/name" if isinstance(raw, Mapping) else pointer, "brand name")
    key = fold(name)
    _need(key, f"brand {name!r} has no letters left after normalisation", pointer)
    with_ = _terms(b["with"], pointer + "/with", "brand context") if "with" in b else ()
    if not shop or key in seen:
        _check_term(key, f"brand {name}", seen, pointer, bool(with_))
    reason = _str(b["reason"], pointer + "/reason", "brand reason") if "reason" in b else "brand of the shop"
    return Brand(name, reason, with_, _within(b["within"], pointer + "/within") if "within" in b else 0)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A validated banned-word vocabulary (``kind: Vocabulary``); see ``schemas/vocabulary.schema.json``."""

    id: str
    version: str
    title: Text
    categories: tuple[Category, ...]
    exemptions: tuple[Exemption, ...] = ()
    rules: tuple[ExemptionRule, ...] = ()
    brands: tuple[Brand, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Vocabulary:
        """Validate parsed YAML; every error names the entry (its JSON Pointer and its text)."""
        d = _map(data, "", {"apiVersion", "kind", "id", "version", "title", "categories"},
                 {"description", "exemptions", "brands"})
        _need(d["apiVersion"] == "sopengine/v1" and d["kind"] == "Vocabulary",
              "expected apiVersion sopengine/v1 and kind Vocabulary", "")
        _need(_NAME.match(_str(d["id"], "/id", "id")), f"id must match {_NAME.pattern}", "/id")
        seen: dict[str, tuple[str, str]] = {}  # folded word -> (pointer, word)
        cats: list[Category] = []
        for ci, raw in enumerate(_list(d["categories"], "/categories", "categories")):
            p = f"/categories/{ci}"
            c = _map(raw, p, {"id", "title", "legal_basis", "severity", "words"}, {"description", "exemptable"})
            cid = _str(c["id"], p + "/id", "category id")
            _need(_NAME.match(cid) and all(x.id != cid for x in cats),
                  f"category id {cid!r} must be unique and match {_NAME.pattern}", p + "/id")
            basis = [c["legal_basis"]] if isinstance(c["legal_basis"], str) else \
                _list(c["legal_basis"], p + "/legal_basis", "legal_basis")
            _need(c["severity"] in _SEVERITIES, f"severity must be one of {', '.join(_SEVERITIES)}", p + "/severity")
            _need(isinstance(c.get("exemptable", True), bool), "exemptable must be true or false", p + "/exemptable")
            for wi, w in enumerate(_list(c["words"], p + "/words", "words")):
                wp, key = f"{p}/words/{wi}", fold(_str(w, f"{p}/words/{wi}", "a word"))
                _need(key, f"word {w!r} has no letters left after normalisation", wp)
                if key in seen:
                    raise VocabularyError(f"word {w!r} is the same as {seen[key][1]!r} at {seen[key][0]} "
                                          f"after normalisation ({key!r})", wp)
                seen[key] = (wp, w)
            cats.append(Category(cid, _text(c["title"], p + "/title"),
                                 tuple(_str(b, f"{p}/legal_basis/{i}", "legal_basis") for i, b in enumerate(basis)),
                                 c["severity"], tuple(c["words"]), c.get("exemptable", True)))
        exemptions: list[Exemption] = []
        rules: list[ExemptionRule] = []
        for ei, raw in enumerate(d.get("exemptions") or []):
            if isinstance(raw, Mapping) and "text" in raw:
                exemptions.append(_listed(raw, f"/exemptions/{ei}", seen, exemptions))
            else:
                rules.append(_rule(raw, f"/exemptions/{ei}", seen, cats, rules))
        brands = tuple(brand_from(b, f"/brands/{i}", seen) for i, b in enumerate(d.get("brands") or []))
        return cls(d["id"], _str(d["version"], "/version", "version"), _text(d["title"], "/title"), tuple(cats),
                   tuple(exemptions), tuple(rules), brands)

    def subset(self, category_ids: Iterable[str]) -> Vocabulary:
        """Only the named categories (exemptions are kept: they apply to whatever remains)."""
        wanted = list(category_ids)
        known = {c.id for c in self.categories}
        for i, cid in enumerate(wanted):
            if cid not in known:
                raise VocabularyError(f"unknown category {cid!r} (have: {', '.join(sorted(known))})", f"/{i}")
        return replace(self, categories=tuple(c for c in self.categories if c.id in wanted))


def _listed(raw: Mapping[str, Any], p: str, seen: Mapping[str, tuple[str, str]],
            done: list[Exemption]) -> Exemption:
    e = _map(raw, p, {"text", "reason"})
    text, key = _str(e["text"], p + "/text", "exemption text"), fold(e["text"])
    _need(key and all(fold(x.text) != key for x in done),
          f"exemption {text!r} is empty or repeated after normalisation", p + "/text")
    _check_term(key, f"exemption {text}", seen, p + "/text", False)
    return Exemption(text, _str(e["reason"], p + "/reason", "exemption reason"))


def _rule(raw: Any, p: str, seen: Mapping[str, tuple[str, str]], cats: list[Category],
          done: list[ExemptionRule]) -> ExemptionRule:
    r = _map(raw, p, {"id", "title", "basis"}, _RULE_KEYS)
    rid = _str(r["id"], p + "/id", "exemption id")
    _need(_NAME.match(rid) and all(x.id != rid for x in done),
          f"exemption id {rid!r} must be unique and match {_NAME.pattern}", p + "/id")
    by_id = {c.id: c for c in cats}
    words = _strs(r["words"], p + "/words", "words") if "words" in r else ()
    for i, w in enumerate(words):
        _need(fold(w) in seen, f"{w!r} is not a word of this vocabulary", f"{p}/words/{i}")
        cat = next(c for c in cats if w in c.words or any(fold(x) == fold(w) for x in c.words))
        _need(cat.exemptable, f"{w!r} is in category {cat.id!r}, which is never exempt", f"{p}/words/{i}")
    categories = _strs(r["categories"], p + "/categories", "categories") if "categories" in r else ()
    for i, cid in enumerate(categories):
        _need(cid in by_id, f"unknown category {cid!r} (have: {', '.join(sorted(by_id))})", f"{p}/categories/{i}")
        _need(by_id[cid].exemptable, f"category {cid!r} is never exempt", f"{p}/categories/{i}")
    ctx = {k: _terms(r[k], f"{p}/{k}", k) for k in ("terms", "before", "after", "unless") if k in r}
    in_text = tuple(_terms(g, f"{p}/in_text/{i}", "in_text group")
                    for i, g in enumerate(_list(r["in_text"], p + "/in_text", "in_text"))) if "in_text" in r else ()
    units = _strs(r["units"], p + "/units", "units") if "units" in r else ()
    uses_quantity = any("<quantity>" in t for k in ("before", "after") for t in ctx.get(k, ()))
    _need(bool(units) == uses_quantity, "units and a <quantity> context go together", p + ("/units" if units else ""))
    enclosed = _strs(r["enclosed"], p + "/enclosed", "enclosed") if "enclosed" in r else ()
    for i, pair in enumerate(enclosed):
        _need(len(pair) == 2, f"enclosed pair {pair!r} must be two characters, an opening and a closing one",
              f"{p}/enclosed/{i}")
    has_context = bool(ctx.get("before") or ctx.get("after") or in_text or enclosed)
    for i, t in enumerate(ctx.get("terms", ())):
        _check_term(fold(t), f"exemption term {t}", seen, f"{p}/terms/{i}", has_context)
    _need(has_context or "terms" in ctx, "an exemption needs terms or a condition (before, after, in_text, "
          "enclosed); without one it would clear every word", p)
    within = _within(r["within"], p + "/within") if "within" in r else 0
    return ExemptionRule(rid, _text(r["title"], p + "/title"), _str(r["basis"], p + "/basis", "basis"),
                         ctx.get("terms", ()), words, categories, ctx.get("before", ()), ctx.get("after", ()), within,
                         units, enclosed, ctx.get("unless", ()), in_text, p)


def listed_rule(e: Exemption) -> ExemptionRule:
    """An exemption phrase of the original form, as a rule with one term and no condition."""
    return ExemptionRule("listed_phrase", _LISTED, e.reason, (e.text,))


def brand_rule(b: Brand, basis: str = "") -> ExemptionRule:
    """A brand as a rule: its name is the term, its contexts (if any) the condition, either side."""
    return ExemptionRule("trademark", _TRADEMARK, f"{_TRADEMARK_BASIS}（{basis or b.reason}）", (b.name,),
                         before=b.with_, after=b.with_, within=b.within)

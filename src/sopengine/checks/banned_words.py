"""Check type ``banned_words``: absolute and prohibited claims in listing text (PRD-06, GEN-02).

The words are data (a ``kind: Vocabulary`` document, e.g.
``rules/vocabularies/banned_words.yaml``) and the matching, with its
normalisation and exemption rules, lives in :mod:`sopengine.text`; this class only
decides which fields of a record are read and turns matches into findings, so a
rule author can point the same vocabulary at titles, detail text, tags or agent
messages without code. ``fields`` takes field paths (``title``, ``messages[].text``)
or JSON Pointers (``/detail/text``); every string under a field is scanned, so a
list of tags or an object of detail sections needs no extra syntax. Example rule::

    - id: PRD-06.banned_words
      severity: error
      clauses: [PRD-06, GEN-02]
      type: banned_words
      params:
        fields: [title, detail, tags]
        brands: [最佳拍档]          # a registered brand of this seller (or {name, with})
      message:
        zh: "{field} 含禁用词「{text}」（{category_title_zh}，{legal_basis}）"
        en: "{field} contains the banned word '{word}' ({category_title_en})"

A word an exemption rule cleared is no finding, but a legal reviewer must be
able to see why it passed: every finding's evidence lists the words cleared in
the same text (``cleared``: word, text, position, exemption, its title and
basis, and the context that made it hold), and every clearance, also of a text
without any finding, is a line of the result's trace (``check --explain``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..errors import CheckConfigError
from ..text.scan import BannedWordMatcher, Clearance, Vocabulary, VocabularyError, fold
from ..text.vocabulary import Brand, brand_from
from .base import CheckContext, CheckType, CompileEnv, Hit, register
from .fields import FieldPath, strings_under

_PARAMS = ("vocabulary", "fields", "exempt", "brands", "categories")
_DEFAULT_FIELDS = ("title", "detail", "tags")
# Clearances quoted per text, in evidence and trace: enough for any listing, bounded for a hostile
# 64 KB text that repeats an exempt phrase (each of its findings would carry every clearance).
_MAX_CLEARED = 20
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=64)
def _matcher(vocabulary: Vocabulary, exempt: tuple[str, ...], brands: tuple[Brand, ...]) -> BannedWordMatcher:
    """Rules that share a vocabulary, exemptions and brands share one compiled automaton."""
    return BannedWordMatcher(vocabulary, exempt, brands)


def _cleared(c: Clearance) -> dict[str, Any]:
    return {"word": c.word, "category": c.category, "text": c.text, "start": c.start, "end": c.end,
            "exemption": c.exemption, "exemption_title_zh": c.title.zh, "exemption_title_en": c.title.en,
            "basis": c.basis, "context": c.context}


def _strings(list_of: Any, what: str, pointer: str) -> list[str]:
    if not isinstance(list_of, list):
        raise CheckConfigError(f"{what} must be a list of strings", pointer)
    for i, s in enumerate(list_of):
        if not isinstance(s, str) or not s.strip():
            raise CheckConfigError(f"{what} must hold non-empty strings, not {s!r}", f"{pointer}/{i}")
    return list_of


@register
class BannedWordsCheck(CheckType):
    """One finding per banned word found, with its category, legal basis and original position.

    The finding's severity is the category's (an inducement phrase is a warning,
    a superlative an error), so one rule covers a whole vocabulary. ``legal_basis``
    is one string (the provisions joined by "；") so that a message template can
    quote it as it is.
    """

    name = "banned_words"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        if not isinstance(params, Mapping):
            raise CheckConfigError("params must be a mapping")
        for key in params:
            if key not in _PARAMS:
                raise CheckConfigError(f"unknown parameter {key!r} (known: {', '.join(_PARAMS)})", f"/{key}")
        self.vocabulary_name = params.get("vocabulary", "banned_words")
        if not isinstance(self.vocabulary_name, str) or not _NAME.match(self.vocabulary_name):
            raise CheckConfigError(f"vocabulary must be a name matching {_NAME.pattern}", "/vocabulary")
        try:
            vocab = Vocabulary.from_dict(env.resource("vocabulary", self.vocabulary_name))
        except LookupError as exc:
            raise CheckConfigError(str(exc).strip("'\""), "/vocabulary") from exc
        except VocabularyError as exc:
            raise CheckConfigError(f"vocabulary {self.vocabulary_name!r} is invalid: {exc}", "/vocabulary") from exc
        if "categories" in params:
            cats = _strings(params["categories"], "categories", "/categories")
            if not cats:
                raise CheckConfigError("categories, when given, must name at least one category", "/categories")
            try:
                vocab = vocab.subset(cats)
            except VocabularyError as exc:
                raise CheckConfigError(exc.message, "/categories" + exc.pointer) from exc
        exempt = _strings(params.get("exempt", []), "exempt", "/exempt")
        for i, e in enumerate(exempt):
            if not fold(e):
                raise CheckConfigError(f"exemption {e!r} has no letters left after normalisation", f"/exempt/{i}")
        raw_brands = params.get("brands", [])
        if not isinstance(raw_brands, list):
            raise CheckConfigError("brands must be a list of names or {name, with} mappings", "/brands")
        seen = {fold(w): (f"vocabulary {self.vocabulary_name!r}, category {c.id!r}", w)
                for c in vocab.categories for w in c.words}
        try:
            brands = tuple(brand_from(b, f"/brands/{i}", seen, shop=True) for i, b in enumerate(raw_brands))
        except VocabularyError as exc:
            raise CheckConfigError(exc.message, exc.pointer) from exc
        fields = _strings(params.get("fields", list(_DEFAULT_FIELDS)), "fields", "/fields")
        if not fields:
            raise CheckConfigError("fields must name at least one field", "/fields")
        self.fields = tuple(FieldPath(f, f"/fields/{i}") for i, f in enumerate(fields))
        for i, path in enumerate(self.fields):
            path.lint(env, f"/fields/{i}")  # a misspelt field would be a rule that never fires
        self.vocabulary = vocab
        self.matcher = _matcher(vocab, tuple(exempt), brands)
        self._categories = {c.id: c for c in vocab.categories}

    def resources(self) -> Iterable[tuple[str, str]]:
        return [("vocabulary", self.vocabulary_name)]

    def run(self, ctx: CheckContext) -> Iterable[Hit]:
        scan = self.matcher.scan
        for path in self.fields:
            for base, value in path.values(ctx.record):
                for pointer, text in strings_under(value, base):
                    found = scan(text)
                    if not found.hits and not found.cleared:
                        continue  # a clean text: most of them
                    shown = found.cleared[:_MAX_CLEARED]
                    cleared = [_cleared(c) for c in shown]
                    for c in shown:
                        ctx.trace.append(f"{pointer or '/'}: {c.word!r} ({c.text!r} at {c.start}) cleared by "
                                         f"{c.exemption} [{c.context}]: {c.basis}")
                    if len(found.cleared) > _MAX_CLEARED:
                        ctx.trace.append(f"{pointer or '/'}: {len(found.cleared) - _MAX_CLEARED} more words cleared")
                    for h in found.hits:
                        cat = self._categories[h.category]
                        yield Hit(pointer, {
                            "word": h.word, "category": cat.id, "category_title_zh": cat.title.zh,
                            "category_title_en": cat.title.en, "text": h.text, "start": h.start, "end": h.end,
                            "field": path.text, "legal_basis": "；".join(h.legal_basis), "cleared": cleared,
                        }, severity=cat.severity)

"""Check type ``banned_words``: absolute and prohibited claims in listing text (PRD-06, GEN-02).

The words are data (a ``kind: Vocabulary`` document, e.g.
``rules/vocabularies/banned_words.yaml``) and the matching, with its
normalisation and exemptions, lives in :mod:`sopengine.text.scan`; this class only
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
        exempt: [最佳拍档]          # a registered brand of this seller
      message:
        zh: "{field} 含禁用词「{text}」（{category_title_zh}，{legal_basis}）"
        en: "{field} contains the banned word '{word}' ({category_title_en})"
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import register
from ..text.scan import BannedWordMatcher, Vocabulary, VocabularyError, fold
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit
from .support import FieldPath, strings_under

_PARAMS = ("vocabulary", "fields", "exempt", "categories")
_DEFAULT_FIELDS = ("title", "detail", "tags")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=64)
def _matcher(vocabulary: Vocabulary, exempt: tuple[str, ...]) -> BannedWordMatcher:
    """Rules that share a vocabulary and exemptions share one compiled automaton."""
    return BannedWordMatcher(vocabulary, exempt)


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
        fields = _strings(params.get("fields", list(_DEFAULT_FIELDS)), "fields", "/fields")
        if not fields:
            raise CheckConfigError("fields must name at least one field", "/fields")
        self.fields = tuple(FieldPath(f, f"/fields/{i}") for i, f in enumerate(fields))
        for i, path in enumerate(self.fields):
            path.lint(env, f"/fields/{i}")  # a misspelt field would be a rule that never fires
        self.vocabulary = vocab
        self.matcher = _matcher(vocab, tuple(exempt))
        self._categories = {c.id: c for c in vocab.categories}

    def resources(self) -> Iterable[tuple[str, str]]:
        return [("vocabulary", self.vocabulary_name)]

    def run(self, ctx: CheckContext) -> Iterable[Hit]:
        find = self.matcher.find
        for path in self.fields:
            for base, value in path.values(ctx.record):
                for pointer, text in strings_under(value, base):
                    for h in find(text):
                        cat = self._categories[h.category]
                        yield Hit(pointer, {
                            "word": h.word, "category": cat.id, "category_title_zh": cat.title.zh,
                            "category_title_en": cat.title.en, "text": h.text, "start": h.start, "end": h.end,
                            "field": path.text, "legal_basis": "；".join(h.legal_basis),
                        }, severity=cat.severity)

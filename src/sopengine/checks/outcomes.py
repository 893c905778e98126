"""A check's distinct outcomes (``:unverifiable``, ``:expired`` ...): their severity and message, overridable per rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..loader import escape
from ..results import Text
from .base import CheckConfigError


class Outcomes:
    """Severity and message of a check's distinct outcomes (``:unverifiable`` ...), overridable per rule.

    The defaults are bilingual templates over the outcome's evidence; a rule may
    replace either under ``params.outcomes.<name>`` without touching code.
    """

    def __init__(self, params: Mapping[str, Any], defaults: Mapping[str, tuple[str | None, Text]]) -> None:
        given = params.get("outcomes") or {}
        for name in given:
            if name not in defaults:
                raise CheckConfigError(f"unknown outcome {name!r}; this check has {', '.join(sorted(defaults))}",
                                       f"/outcomes/{escape(name)}")
        self._table: dict[str, tuple[str | None, Text]] = {}
        for name, (sev, text) in defaults.items():
            o = given.get(name) or {}
            msg = o.get("message")
            self._table[name] = (o.get("severity", sev), Text(msg["zh"], msg["en"]) if msg else text)

    def severity(self, name: str) -> Any:
        return self._table[name][0]

    def message(self, name: str) -> Text:
        return self._table[name][1]

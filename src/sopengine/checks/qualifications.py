"""PRD-13 and PRD-11: sensitive categories need their qualifications, and none may have expired.

Which documents a category needs is the rule's data, not code: a mapping of
category prefix to required types, where one requirement may be met by any of
several types (cosmetics need a filing *or* a registration certificate).
Prefixes match whole category levels, so ``食品`` covers ``食品-零食`` but not
``食品饮料-茶`` and ``化妆品`` does not cover ``化妆品工具``; several matching
prefixes add up (``食品`` and ``食品-保健食品``).

Records name document types inconsistently (``质检报告``, ``quality_inspection_report``,
``ＱＵＡＬＩＴＹ_inspection_report``), so types are compared after NFKC and case
folding, through the rule's ``aliases``.

Expiry: ``expires_on`` is the last day a document is valid, so a document
expiring today is still valid today and expired from tomorrow ("valid through
its expiry date", the usual reading of 有效期至). Today is ``now`` in the
process's time zone. A document without an expiry date counts as valid. An
expired document that has been renewed (another document of the same type is
valid) is not reported.

Outcomes: the rule's own message for missing required types; ``:expired`` for
an expired type (any type: PRD-11 delists on any expired qualification);
``:expiring`` (warning, only with ``expiring_within_days``) for one about to expire.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from ..chrono.instants import parse_date
from ..results import Text
from ..rulebook import outcome_suffix
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .fields import MISSING, field_paths
from .outcomes import Outcomes

FIELDS = {"category": "category", "qualifications": "qualifications", "type": "type", "expires": "expires_on"}
_LEVEL_SEP = re.compile(r"\s*[-/>|、›»]\s*")

OUTCOMES = {
    "expired": (None, Text(
        "资质“{type}”已于 {expires_on} 到期（今天 {today}，已过期 {days_expired} 天），应立即下架并更新",
        "qualification '{type}' expired on {expires_on} (today is {today}, {days_expired} day(s) ago): delist and renew it")),
    "expiring": ("warning", Text(
        "资质“{type}”将于 {expires_on} 到期（还剩 {days_left} 天），请及时更新",
        "qualification '{type}' expires on {expires_on} ({days_left} day(s) left): renew it in time")),
}


def norm(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def levels(category: str) -> tuple[str, ...]:
    return tuple(p for p in _LEVEL_SEP.split(unicodedata.normalize("NFKC", category).strip()) if p)


@register
class QualificationsCheck(CheckType):
    name = "qualifications"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.aliases: dict[str, str] = {}
        for name, target in (params.get("aliases") or {}).items():
            if not norm(name) or not norm(target):
                raise CheckConfigError("an alias and its type must not be blank", f"/aliases/{name}")
            self.aliases[norm(name)] = norm(target)
        self.required: list[tuple[tuple[str, ...], list[tuple[frozenset[str], str]]]] = []
        for prefix, reqs in (params.get("required") or {}).items():
            lv = levels(prefix)
            if not lv:
                raise CheckConfigError("a category prefix must not be blank", f"/required/{prefix}")
            group = []
            for i, r in enumerate(reqs):
                alts = [r] if isinstance(r, str) else list(r)
                canon = frozenset(self.canon(a) for a in alts)
                if not all(norm(a) for a in alts):
                    raise CheckConfigError("a required type must not be blank", f"/required/{prefix}/{i}")
                group.append((canon, " / ".join(alts)))
            self.required.append((lv, group))
        self.window = params.get("expiring_within_days")
        self.f = field_paths(params.get("fields"), FIELDS, "/fields")
        self.f["category"].lint(env, "/fields/category")
        self.f["qualifications"].lint(env, "/fields/qualifications")
        self.outcomes = Outcomes(params, OUTCOMES)

    def canon(self, name: str) -> str:
        n = norm(name)
        return self.aliases.get(n, n)

    def requirements(self, category: Any) -> tuple[list[str], list[tuple[frozenset[str], str]]]:
        """(matching prefixes, requirements) for a category; requirements deduplicated, in rule order."""
        if not isinstance(category, str):
            return [], []
        lv = levels(category)
        prefixes, reqs, seen = [], [], set()
        for key, group in self.required:
            if lv[: len(key)] == key:
                prefixes.append("-".join(key))
                for canon, shown in group:
                    if canon not in seen:
                        seen.add(canon)
                        reqs.append((canon, shown))
        return prefixes, reqs

    def _docs(self, ctx: CheckContext) -> tuple[str, list[tuple[int, str, str, date | None]]]:
        ptr, items = self.f["qualifications"].get(ctx.record)
        docs = []
        for i, q in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(q, Mapping):
                continue
            _, t = self.f["type"].get(q)
            if not isinstance(t, str) or not norm(t):
                continue
            _, exp = self.f["expires"].get(q)
            docs.append((i, t, self.canon(t), None if exp is MISSING or exp is None else parse_date(exp)))
        return ptr, docs

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        today = ctx.now.astimezone(ctx.timezone).date()
        ptr, docs = self._docs(ctx)
        valid = {c for _, _, c, exp in docs if exp is None or exp >= today}
        _, category = self.f["category"].get(ctx.record)
        prefixes, reqs = self.requirements(category)
        missing = [shown for canon, shown in reqs if not canon & {c for _, _, c, _ in docs}]
        if missing:
            yield Hit(ptr, {"category": category, "matched": prefixes, "missing": missing,
                            "required": [shown for _, shown in reqs], "present": [t for _, t, _, _ in docs]})
        required = set().union(*(canon for canon, _ in reqs)) if reqs else set()
        latest: dict[str, tuple[int, str, date | None]] = {}
        for i, t, c, exp in docs:
            cur = latest.get(c)
            if cur is None or (cur[2] is not None and (exp is None or exp > cur[2])):
                latest[c] = (i, t, exp)
        for c, (i, t, exp) in latest.items():
            if exp is None:
                continue
            ev = {"type": t, "expires_on": exp.isoformat(), "today": today.isoformat(), "required": c in required,
                  "category": category if isinstance(category, str) else None}
            path = f"{ptr}/{i}{self.f['expires'].pointer}"
            if c not in valid:
                yield Hit(path, {**ev, "days_expired": (today - exp).days}, self.outcomes.severity("expired"),
                          self.outcomes.message("expired"), outcome_suffix("expired"))
            elif self.window is not None and (exp - today).days <= self.window:
                yield Hit(path, {**ev, "days_left": (exp - today).days}, self.outcomes.severity("expiring"),
                          self.outcomes.message("expiring"), outcome_suffix("expiring"))

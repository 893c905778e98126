"""PRD-13 and PRD-11: sensitive categories need their qualifications, and none may have expired.

Which documents a category needs is data, not code: a qualification table
(``table: cn``, a ``QualificationTable`` rules file that a shop extends, see
``qualification_table.py``), whose entries map category path prefixes to the
documents required, each with its legal basis and message; or, for a small rules
tree, an inline ``required`` mapping of prefix to types. One requirement may be
met by any of several types (cosmetics need a filing *or* a registration
certificate; food a licence *or*, for a seller of pre-packaged food only, a
filing). Prefixes match whole category levels, so ``食品`` covers ``食品-零食``
but not ``食品饮料-茶``; every matching entry applies, and a requirement two
entries share is reported once, by the first.

A table's qualification may count only under a condition of the listing
(``only_if: prepackaged_only``): present but with the condition false, it does
not count; with the condition absent from a record whose shop does not declare
that it records it, the finding depends on data the shop does not keep and is
reported as unverified (``Hit.needs``), never as a breach.

Records name document types inconsistently (``质检报告``, ``quality_inspection_report``,
``ＱＵＡＬＩＴＹ_inspection_report``), so types are compared after NFKC and case
folding, through the rule's ``aliases`` and the table's.

Expiry: ``expires_on`` is the last day a document is valid, so a document
expiring today is still valid today and expired from tomorrow ("valid through
its expiry date", the usual reading of 有效期至). Today is ``now`` in the
process's time zone. A document without an expiry date counts as valid. An
expired document that has been renewed (another document of the same type is
valid) is not reported.

Outcomes: the entry's message (or the rule's) for missing required types;
``:expired`` for an expired type (any type: PRD-11 delists on any expired
qualification); ``:expiring`` (warning, only with ``expiring_within_days``) for
one about to expire.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, NamedTuple

from ..chrono.instants import parse_date
from ..results import Text
from ..rulebook import outcome_suffix
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .fields import MISSING, FieldPath, field_paths
from .outcomes import Outcomes
from .qualification_table import EVIDENCE, Entry, QualificationTable, levels, norm

FIELDS = {"category": "category", "qualifications": "qualifications", "type": "type", "expires": "expires_on"}

OUTCOMES = {
    "expired": (None, Text(
        "资质“{type}”已于 {expires_on} 到期（今天 {today}，已过期 {days_expired} 天），应立即下架并更新",
        "qualification '{type}' expired on {expires_on} (today is {today}, {days_expired} day(s) ago): delist and renew it")),
    "expiring": ("warning", Text(
        "资质“{type}”将于 {expires_on} 到期（还剩 {days_left} 天），请及时更新",
        "qualification '{type}' expires on {expires_on} ({days_left} day(s) left): renew it in time")),
}

Doc = tuple[int, str, str, date | None]  # (index in the list, type as written, canonical type, last valid day)


class ForCategory(NamedTuple):
    """What a category text needs: its inline prefixes and requirements, its table entries, and the
    trace lines and required qualifications these give (the same for every record of that category)."""

    prefixes: tuple[str, ...]
    reqs: tuple[tuple[frozenset[str], str], ...]
    entries: tuple[tuple[Entry, str], ...]
    trace: tuple[str, ...]
    required: frozenset[str]


_NO_CATEGORY = ForCategory((), (), (), (), frozenset())


def _optional_name(schema: Mapping[str, Any], pointer: str) -> str | None:
    """The record schema's ``x-optional`` name of the record field at ``pointer`` (contract.py reads the same
    map for the engine; a check type does not import it, being below it), or None when the field is core."""
    raw = schema.get("x-optional") if isinstance(schema, Mapping) else None
    for name, spec in (raw or {}).items():
        if isinstance(spec, Mapping) and spec.get("event") is None and spec.get("pointer") == pointer:
            return str(name)
    return None


@register
class QualificationsCheck(CheckType):
    name = "qualifications"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.table: QualificationTable | None = None
        if params.get("table") is not None:
            try:
                self.table = env.resource("qualifications", params["table"])
            except LookupError as exc:
                raise CheckConfigError(str(exc).strip("'\""), "/table") from exc
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
        if self.table is None and not self.required:
            raise CheckConfigError("name a qualification table (`table`) or give `required`", "")
        self.window = params.get("expiring_within_days")
        self.f = field_paths(params.get("fields"), FIELDS, "/fields")
        self.f["category"].lint(env, "/fields/category")
        self.f["qualifications"].lint(env, "/fields/qualifications")
        self.outcomes = Outcomes(params, OUTCOMES)
        self.conditions = self._conditions(env)
        self._categories: dict[str, ForCategory] = {}  # category text -> what it needs (self._for)

    def _conditions(self, env: CompileEnv) -> dict[str, tuple[FieldPath, str | None]]:
        """qualification -> (the record field that must be true for it to count, its optional-data name or None if core)."""
        if self.table is None:
            return {}
        out = {}
        for q in self.table.qualifications.values():
            if q.only_if is None:
                continue
            where = f"qualification {q.name!r} of table {self.table.id!r} ({q.where.file}:{q.where.line}): only_if"
            try:
                path = FieldPath(q.only_if, "/table")
                path.lint(env, "/table")
            except CheckConfigError as exc:
                raise CheckConfigError(f"{where}: {exc.message}", "/table") from None
            out[q.name] = (path, _optional_name(env.record_schema, path.pointer))
        return out

    def reads(self) -> list[str]:
        return sorted({path.steps[0][0] for path, _ in self.conditions.values() if path.steps})

    def resources(self) -> list[tuple[str, str]]:
        return [("qualifications", self.table.id)] if self.table is not None else []

    def evidence_keys(self) -> frozenset[str]:
        return EVIDENCE if self.table is not None else frozenset({"category", "matched", "missing", "required", "present"})

    def canon(self, name: str) -> str:
        return self._canon(norm(name))

    def _canon(self, n: str) -> str:
        """``canon`` of a name already normalised."""
        if n in self.aliases:
            return self.aliases[n]
        known = self.table.aliases.get(n) if self.table is not None else None  # (table.canon, n normalised once)
        return known if known is not None else n

    def requirements(self, category: Any) -> tuple[list[str], list[tuple[frozenset[str], str]]]:
        """(matching inline prefixes, their requirements) for a category; deduplicated, in rule order."""
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

    def _docs(self, ctx: CheckContext) -> tuple[str, list[Doc]]:
        ptr, items = self.f["qualifications"].get(ctx.record)
        docs = []
        kind, expiry = self.f["type"].value, self.f["expires"].value  # (one lookup each for a one-key field)
        for i, q in enumerate(items if isinstance(items, list) else ()):
            if type(q) is not dict and not isinstance(q, Mapping):
                continue
            t = kind(q)
            if not isinstance(t, str) or not (n := norm(t)):
                continue
            exp = expiry(q)
            docs.append((i, t, self._canon(n), None if exp is MISSING or exp is None else parse_date(exp)))  # (normalised once)
        return ptr, docs

    def _counts(self, name: str, ctx: CheckContext) -> bool | None:
        """Whether a present document of qualification ``name`` counts: True, False, or None (its condition is absent)."""
        cond = self.conditions.get(name)
        if cond is None:
            return True
        _, value = cond[0].get(ctx.record)
        return None if value is MISSING or value is None else value is True

    def _for(self, category: Any) -> ForCategory:
        """What the check needs of a category, worked out once per category text (records repeat a few)."""
        if not isinstance(category, str):
            return _NO_CATEGORY
        known = self._categories.get(category)
        if known is None:
            prefixes, reqs = self.requirements(category)
            required = set().union(*(canon for canon, _ in reqs)) if reqs else set()
            entries: tuple[tuple[Entry, str], ...] = ()
            trace: tuple[str, ...] = ()
            if self.table is not None:
                entries = tuple(self.table.matching(category))
                required |= {n for e, _ in entries for g in e.requires for n in g}
                trace = tuple(f"category {category} -> entry {e.id} of qualification table {self.table.id} "
                              f"({e.defined_at}, pattern {p})" for e, p in entries)
            if len(self._categories) >= 1024:
                self._categories.clear()
            known = self._categories[category] = ForCategory(tuple(prefixes), tuple(reqs), entries, trace,
                                                             frozenset(required))
        return known

    def _table_hits(self, ctx: CheckContext, category: Any, ptr: str, docs: list[Doc]) -> Iterator[Hit]:
        """One finding per matching entry with unmet requirements (a requirement shared with an earlier entry is its)."""
        if self.table is None or not isinstance(category, str):
            return
        present = {c for _, _, c, _ in docs}
        seen: set[tuple[str, ...]] = set()
        for entry, pattern in self._for(category).entries:
            missing, conditional, needs = [], [], []
            groups = [g for g in entry.requires if g not in seen]
            seen.update(groups)
            for group in groups:
                counts = [self._counts(n, ctx) for n in group if n in present]
                if any(c is True for c in counts):
                    continue
                missing.append(group)
                for n in group:
                    if n in present:
                        path, opt = self.conditions[n]
                        conditional.append(f"{n} (only_if {path.text})")
                        if self._counts(n, ctx) is None and opt is not None:
                            needs.append(opt)
            if missing:
                undetermined = all(any(n in present and self._counts(n, ctx) is None for n in g) for g in missing)
                yield Hit(ptr, self._evidence(entry, pattern, category, groups, missing, conditional, docs),
                          message=entry.message, needs=tuple(dict.fromkeys(needs)) if undetermined else ())

    def _evidence(self, entry: Entry, pattern: str, category: str, groups: list[tuple[str, ...]],
                  missing: list[tuple[str, ...]], conditional: list[str], docs: list[Doc]) -> dict[str, Any]:
        assert self.table is not None
        title = self.table.title
        return {"category": category, "matched": [pattern], "entry": entry.id, "table": self.table.id,
                "missing": [" / ".join(g) for g in missing],
                "missing_zh": "；".join(" 或 ".join(title(n).zh for n in g) for g in missing),
                "missing_en": "; ".join(" or ".join(title(n).en for n in g) for g in missing),
                "required": [" / ".join(g) for g in groups], "present": [t for _, t, _, _ in docs],
                "conditional": conditional, "basis_zh": entry.basis.zh, "basis_en": entry.basis.en,
                "defined_at": entry.defined_at}

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        today = ctx.now.astimezone(ctx.timezone).date()
        ptr, docs = self._docs(ctx)
        valid = {c for _, _, c, exp in docs if exp is None or exp >= today}
        _, category = self.f["category"].get(ctx.record)
        known = self._for(category)
        held = {c for _, _, c, _ in docs}
        missing = [shown for canon, shown in known.reqs if not canon & held]
        if missing:
            yield Hit(ptr, {"category": category, "matched": list(known.prefixes), "missing": missing,
                            "required": [shown for _, shown in known.reqs], "present": [t for _, t, _, _ in docs]})
        yield from self._table_hits(ctx, category, ptr, docs)
        required = known.required
        ctx.trace.extend(known.trace)
        latest: dict[str, tuple[int, str, date | None]] = {}
        for i, t, c, exp in docs:
            cur = latest.get(c)
            if cur is None or (cur[2] is not None and (exp is None or exp > cur[2])):
                latest[c] = (i, t, exp)
        for c, (i, t, exp) in latest.items():
            if exp is None or (c in valid and (self.window is None or (exp - today).days > self.window)):
                continue  # valid, and not about to expire: nothing to build
            ev = {"type": t, "expires_on": exp.isoformat(), "today": today.isoformat(), "required": c in required,
                  "category": category if isinstance(category, str) else None}
            path = f"{ptr}/{i}{self.f['expires'].pointer}"
            if c not in valid:
                yield Hit(path, {**ev, "days_expired": (today - exp).days}, self.outcomes.severity("expired"),
                          self.outcomes.message("expired"), outcome_suffix("expired"))
            elif self.window is not None and (exp - today).days <= self.window:
                yield Hit(path, {**ev, "days_left": (exp - today).days}, self.outcomes.severity("expiring"),
                          self.outcomes.message("expiring"), outcome_suffix("expiring"))

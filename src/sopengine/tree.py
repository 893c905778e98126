"""Named data a process refers to: the manual's clause list, vocabularies, calendars.

They live in the rules tree as their own kinds of document so that rule authors
edit them like rules (and diffs and digests cover them); processes refer to
them by id, and a reference to a missing one is a load error.

Calendars and promotion windows are built when the tree is read, each once,
whether or not a process names them: a calendar whose extra day falls outside
its data, or two promotion windows that overlap, is reported at its own
file:line:column by ``validate`` before any process can lean on it.
"""

from __future__ import annotations

from typing import Any

from .errors import Finding
from .results import SourceRef

_KIND_NAMES = {"vocabulary": "Vocabulary", "calendar": "Calendar", "promotions": "PromotionWindows",
               "manual": "Manual"}
_BUILT_KINDS = ("Calendar", "PromotionWindows")


class Resources:
    def __init__(self, tree: Any, findings: list[Finding]) -> None:
        self._by_kind: dict[str, dict[str, Any]] = {}
        for kind, docs in tree.docs.items():
            if kind in ("Process", "RuleTests"):
                continue
            table = self._by_kind.setdefault(kind, {})
            for doc in docs:
                rid = doc.data.get("id")
                if rid in table:
                    findings.append(Finding("error", f"{kind} {rid!r} is defined twice (also in {table[rid].path})",
                                            doc.where("/id"), "duplicate-id"))
                    continue
                table[rid] = doc
        manuals = list(self._by_kind.get("Manual", {}).values())
        self.clauses: set[str] | None = None
        self.roles: set[str] | None = None
        if manuals:
            m = manuals[0].data
            self.clauses = {c["id"] for c in m.get("clauses", [])}
            self.roles = {r.get("key") or r.get("id") for r in m.get("roles", [])} or None
        self._built: dict[tuple[str, str], Any] = {}
        self._broken: dict[tuple[str, str], SourceRef] = {}
        for kind in _BUILT_KINDS:
            for rid, doc in self._by_kind.get(kind, {}).items():
                self._build(kind, rid, doc, findings)

    def _build(self, kind: str, rid: str, doc: Any, findings: list[Finding]) -> None:
        """A definition error becomes a finding at the offending key, never a traceback."""
        from .chrono.calendars import Calendar
        from .chrono.reader import CalendarError
        from .chrono.promotions import PromotionWindows

        cls = Calendar if kind == "Calendar" else PromotionWindows
        try:
            self._built[kind, rid] = cls.from_definition(doc.data, source=doc.path)
        except CalendarError as exc:
            where = doc.where(exc.pointer)
            self._broken[kind, rid] = where
            findings.append(Finding("error", exc.message, where, "calendar" if kind == "Calendar" else "promotions"))

    def _built_or_raise(self, kind: str, name: str) -> Any:
        if (kind, name) in self._broken:
            raise LookupError(f"{kind} {name!r} is invalid (see {self._broken[kind, name]})")
        if (kind, name) not in self._built:
            have = ", ".join(sorted(self._by_kind.get(kind, {}))) or "none"
            raise LookupError(f"no {kind} with id {name!r} in the rules tree (have: {have})")
        return self._built[kind, name]

    def get(self, kind: str, name: str) -> Any:
        """The parsed data of a resource; LookupError names what exists.

        Promotion windows are served built (a ``PromotionWindows``): their raw data
        means nothing without the overlap and offset checks of the class.
        """
        kind_name = _KIND_NAMES.get(kind, kind)
        if kind_name == "PromotionWindows":
            return self._built_or_raise(kind_name, name)
        table = self._by_kind.get(kind_name, {})
        if name not in table:
            have = ", ".join(sorted(table)) or "none"
            raise LookupError(f"no {kind_name} with id {name!r} in the rules tree (have: {have})")
        return table[name].data

    def calendar(self, name: str) -> Any:
        """The built ``Calendar``; LookupError when it is missing or its definition is broken."""
        return self._built_or_raise("Calendar", name)

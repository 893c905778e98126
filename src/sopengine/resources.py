"""Named data a process refers to: the manual's clause list, vocabularies, calendars.

They live in the rules tree as their own kinds of document so that rule authors
edit them like rules (and diffs and digests cover them); processes refer to
them by id, and a reference to a missing one is a load error.
"""

from __future__ import annotations

from typing import Any

from .errors import Finding


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
        self._calendars: dict[str, Any] = {}

    def get(self, kind: str, name: str) -> Any:
        """The parsed data of a resource; LookupError names what exists."""
        kind_name = {"vocabulary": "Vocabulary", "calendar": "Calendar", "promotions": "PromotionWindows",
                     "manual": "Manual"}.get(kind, kind)
        table = self._by_kind.get(kind_name, {})
        if name not in table:
            raise LookupError(f"no {kind_name} with id {name!r} in the rules tree (have: {', '.join(sorted(table)) or 'none'})")
        return table[name].data

    def calendar(self, name: str) -> Any:
        if name not in self._calendars:
            from .calendars import Calendar

            doc = self._by_kind.get("Calendar", {}).get(name)
            if doc is None:
                raise LookupError(f"no Calendar with id {name!r} in the rules tree")
            self._calendars[name] = Calendar.from_definition(doc.data, source=doc.path)
        return self._calendars[name]

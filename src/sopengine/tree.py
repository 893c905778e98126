"""The rules tree: its YAML files, their kinds, and the named documents processes refer to.

``tree_sources`` lists a tree's files and ``read_sources`` parses and
schema-checks each one into a ``Tree`` of documents by kind, reporting every
problem of every file at once (a finding each), never stopping at the first.

Named data a process refers to (the manual's clause list, vocabularies,
calendars, promotion windows) live in the rules tree as their own kinds of document so that rule authors
edit them like rules (and diffs and digests cover them); processes refer to
them by id, and a reference to a missing one is a load error.

Calendars and promotion windows are built when the tree is read, each once,
whether or not a process names them: a calendar whose extra day falls outside
its data, or two promotion windows that overlap, is reported at its own
file:line:column by ``validate`` before any process can lean on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CalendarError, Finding
from .loader import Document, parse_yaml, read_text
from .paths import shown as display
from .paths import walk_files
from .results import SourceRef
from .schemas import DocumentValidator, SchemaStore

KIND_SCHEMAS = {
    "Process": "process.schema.json",
    "Vocabulary": "vocabulary.schema.json",
    "Calendar": "calendar.schema.json",
    "PromotionWindows": "promotions.schema.json",
    "Manual": "manual.schema.json",
    "RuleTests": "tests.schema.json",
    "QualificationTable": "qualifications.schema.json",
}
MAX_RULE_FILES = 5000



@dataclass(frozen=True)
class Tree:
    """The parsed, schema-checked documents of a rules tree, grouped by kind (a tree known clean parses a
    kind's files only when it is asked for: lazy.py)."""

    docs: Mapping[str, list[Document]]
    findings: list[Finding]


def read_sources(sources: Iterable[tuple[str, str]], store: SchemaStore, documents: Iterable[Document] = ()) -> Tree:
    """Parse each (path, text) and check it against its kind's schema; a broken file is a finding, not a stop.

    ``documents`` are already parsed (a shop configuration's ``qualifications`` section), checked the same way."""
    docs: dict[str, list[Document]] = {}
    findings: list[Finding] = []
    validators: dict[str, Any] = {}
    parsed: list[Document | None] = []
    for path, text in sources:
        doc, f = parse_yaml(text, path)
        findings += f
        parsed.append(doc)
    for doc in (*parsed, *documents):
        if doc is None:
            continue
        kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
        if kind not in KIND_SCHEMAS:
            findings.append(Finding("error", f"unknown kind {kind!r}; expected one of {', '.join(KIND_SCHEMAS)}",
                                    doc.where("/kind"), "unknown-kind"))
            continue
        rel = KIND_SCHEMAS[kind]
        if store.get(rel) is not None:
            v = validators.get(rel) or validators.setdefault(rel, DocumentValidator(store, rel))
            errs = v.findings(doc)
            findings += errs
            if errs:
                continue
        docs.setdefault(kind, []).append(doc)
    return Tree(docs, findings)


def tree_sources(root: Path) -> tuple[list[tuple[str, str]], list[Finding]]:
    """Every YAML file under ``root``, paths shown relative to the working directory when possible."""
    files = walk_files(root, (".yaml", ".yml"))
    if not files:  # a mistyped --rules must not pass a CI gate with "0 process definitions"
        return [], [Finding("error", f"no rules here: {display(root)} holds no YAML file (*.yaml, *.yml)",
                            SourceRef(display(root)), "no-processes", _TREE_HINT)]
    if len(files) > MAX_RULE_FILES:
        return [], [Finding("error", f"more than {MAX_RULE_FILES} YAML files under {root}", SourceRef(str(root)), "too-big")]
    out: list[tuple[str, str]] = []
    findings: list[Finding] = []
    for p, problem in files:
        try:
            shown = display(p.relative_to(Path.cwd()))
        except ValueError:
            shown = display(p)
        if problem is not None:  # a definition that silently went missing would leave its records unjudged
            findings.append(Finding("error", problem, SourceRef(shown), "io"))
            continue
        text, f = read_text(p, shown)
        findings += f
        if text is not None:
            out.append((shown, text))
    return out, findings


_TREE_HINT = ("a rules tree holds manual.yaml (kind: Manual) and processes/*.yaml (kind: Process); "
              "check the path given to --rules (or to validate)")


def tree_problems(sources: Iterable[tuple[str, str]], tree: Tree) -> list[Finding]:
    """What makes a whole tree unusable although each file may be fine: no process to judge
    records by (``check --rules /etc`` judged every record "unknown process"), or no clause list
    to check cited clauses against (``clauses: [ORD-99]`` validated clean)."""
    paths = [p for p, _ in sources]
    if not paths:
        return []
    where = SourceRef(os.path.commonpath([os.path.dirname(p) or "." for p in paths]))
    out = []
    unread = {f.source.file for f in tree.findings if f.severity == "error"}  # those say why already
    if not tree.docs.get("Process") and not unread:
        out.append(Finding("error", f"no process definitions: none of the {len(paths)} YAML file(s) under {where.file} "
                                    "is of kind Process", where, "no-processes", _TREE_HINT))
    if not tree.docs.get("Manual") and not any(os.path.basename(p).startswith("manual") for p in unread):
        out.append(Finding("error", "the rules tree has no clause list, so no cited clause can be checked",
                           where, "no-manual", "add manual.yaml (kind: Manual) with the manual's `clauses` and `roles`"))
    return out


_KIND_NAMES = {"vocabulary": "Vocabulary", "calendar": "Calendar", "promotions": "PromotionWindows",
               "manual": "Manual", "qualifications": "QualificationTable"}
_BUILT_KINDS = ("Calendar", "PromotionWindows")


class Resources:
    def __init__(self, tree: Tree, findings: list[Finding]) -> None:
        self._by_kind: dict[str, dict[str, Any]] = {}
        for kind in tree.docs:
            if kind in ("Process", "RuleTests"):  # (not asked for: a tree known clean does not parse them here)
                continue
            table = self._by_kind.setdefault(kind, {})
            for doc in tree.docs[kind]:
                rid = doc.data.get("id")
                if rid in table:
                    findings.append(Finding("error", f"{kind} {rid!r} is defined twice (also in {table[rid].path})",
                                            doc.where("/id"), "duplicate-id"))
                    continue
                table[rid] = doc
        manuals = list(self._by_kind.get("Manual", {}).values())
        self.clauses: set[str] | None = None
        self.roles: set[str] | None = None
        self.manual = manuals[0].path if manuals else ""  # where clauses are declared, for hints
        if manuals:
            m = manuals[0].data
            self.clauses = {c["id"] for c in m.get("clauses", [])}
            self.roles = {r.get("key") or r.get("id") for r in m.get("roles", [])} or None
        self._built: dict[tuple[str, str], Any] = {}
        self._broken: dict[tuple[str, str], SourceRef] = {}
        for kind in _BUILT_KINDS:
            for rid, doc in self._by_kind.get(kind, {}).items():
                self._build(kind, rid, doc, findings)
        self._build_tables(findings)

    def _build_tables(self, findings: list[Finding]) -> None:
        """Each qualification table with the tables that extend it (a shop's own entries), linted as one."""
        from .checks.qualification_table import build_table

        docs = self._by_kind.get("QualificationTable", {})
        bases = {rid: doc for rid, doc in docs.items() if "extends" not in doc.data}
        for rid, doc in docs.items():
            target = doc.data.get("extends")
            if target is not None and target not in bases:
                why = "extends another extension" if target in docs else "no such table"
                findings.append(Finding("error", f"QualificationTable {rid!r} extends {target!r}: {why}",
                                        doc.where("/extends"), "unknown-table",
                                        f"tables: {', '.join(sorted(bases)) or 'none'}"))
        for rid, base in bases.items():
            table, problems = build_table(base, [d for d in docs.values() if d.data.get("extends") == rid])
            findings += problems
            if problems:
                self._broken["QualificationTable", rid] = problems[0].source
            else:
                self._built["QualificationTable", rid] = table

    def _build(self, kind: str, rid: str, doc: Any, findings: list[Finding]) -> None:
        """A definition error becomes a finding at the offending key, never a traceback."""
        from .chrono.calendars import Calendar
        from .chrono.promotions import PromotionWindows

        cls = Calendar if kind == "Calendar" else PromotionWindows
        try:
            self._built[kind, rid] = cls.from_definition(doc.data, source=doc.path)
        except CalendarError as exc:
            self._broken[kind, rid] = exc.source(doc)
            findings.append(exc.finding(doc, code="calendar" if kind == "Calendar" else "promotions"))

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
        if kind_name in ("PromotionWindows", "QualificationTable"):
            return self._built_or_raise(kind_name, name)
        table = self._by_kind.get(kind_name, {})
        if name not in table:
            have = ", ".join(sorted(table)) or "none"
            raise LookupError(f"no {kind_name} with id {name!r} in the rules tree (have: {have})")
        return table[name].data

    def calendar(self, name: str) -> Any:
        """The built ``Calendar``; LookupError when it is missing or its definition is broken."""
        return self._built_or_raise("Calendar", name)

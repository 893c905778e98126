"""The category -> qualification table (PRD-13): which documents a category needs, as data.

The manual names food and cosmetics; the law behind it names many more platform
categories (零食, 粮油, 茶, 酒, 保健食品, 美容护肤, 彩妆 ...), and a shop sells in
categories no bundled table can foresee. So the mapping is a rules-file kind of its
own (``kind: QualificationTable``), which a rule author reads like a legal table
(pattern, documents, basis, message) and a shop extends without forking the
rules: a table with ``extends: cn``, or the ``qualifications`` section of its
``sopengine.yaml``, adds qualifications and entries to the bundled one.

Matching is by whole path levels, never substring: ``食品/零食`` covers
``食品-零食-坚果`` but not ``食品-零食礼包``, and ``酒`` does not cover ``酒具``.
Every matching entry applies (entries add up), so a narrower entry may add
documents to a wider one (保健食品 under 食品 needs the product's registration as
well as the seller's licence). Because that is the one way entries interact, the
table refuses what could only be a mistake, each at its file:line:column: a
category mapped twice, an unknown qualification, an alias naming two
qualifications, and a pattern that adds nothing to an overlapping one.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Finding
from ..loader import Document
from ..results import SourceRef, Text

_LEVEL_SEP = re.compile(r"\s*[-/>|、›»]\s*")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
#: What an entry's finding carries; its message may quote any of these.
EVIDENCE = frozenset({"category", "matched", "entry", "table", "missing", "missing_zh", "missing_en", "required",
                      "present", "conditional", "basis_zh", "basis_en", "defined_at"})


def norm(name: str) -> str:
    """A document type as compared: NFKC (full-width letters), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def levels(category: str) -> tuple[str, ...]:
    """A category path as its levels: ``食品 > 零食 / 坚果`` and ``食品-零食-坚果`` alike."""
    return tuple(p.casefold() for p in _LEVEL_SEP.split(unicodedata.normalize("NFKC", category).strip()) if p)


@dataclass(frozen=True, slots=True)
class Qualification:
    name: str
    title: Text
    aliases: tuple[str, ...]
    only_if: str | None  # a record field that must be true for the document to count
    where: SourceRef


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the table: these category prefixes need these documents, on this basis."""

    id: str
    patterns: tuple[tuple[str, ...], ...]
    shown: tuple[str, ...]  # the patterns as written
    requires: tuple[tuple[str, ...], ...]  # each group is met by any one of its qualification names
    basis: Text
    message: Text | None
    where: SourceRef

    @property
    def defined_at(self) -> str:
        return f"{self.where.file}:{self.where.line}"

    def matched(self, category: tuple[str, ...]) -> str | None:
        """The (longest) pattern of this entry that covers ``category``, as written; None if none does."""
        best: tuple[int, str] | None = None
        for lv, shown in zip(self.patterns, self.shown, strict=True):
            if category[: len(lv)] == lv and (best is None or len(lv) > best[0]):
                best = (len(lv), shown)
        return best[1] if best else None


@dataclass(frozen=True)
class QualificationTable:
    id: str
    qualifications: Mapping[str, Qualification]
    entries: tuple[Entry, ...]
    aliases: Mapping[str, str]  # normalised name or alias -> qualification name
    sources: tuple[str, ...]  # the files it was built from, base first

    def canon(self, name: str) -> str | None:
        """The qualification a document type names, or None when the table does not know it."""
        return self.aliases.get(norm(name))

    def matching(self, category: str) -> list[tuple[Entry, str]]:
        """Every entry that applies to ``category``, in table order, with the pattern that matched."""
        lv = levels(category)
        out = []
        for e in self.entries:
            m = e.matched(lv)
            if m is not None:
                out.append((e, m))
        return out

    def title(self, name: str) -> Text:
        q = self.qualifications.get(name)
        return q.title if q is not None else Text(name, name)

    def digest(self) -> Any:
        """What the process digest covers: the content, not where it is written."""
        return {"id": self.id,
                "qualifications": {n: [q.title.zh, q.title.en, list(q.aliases), q.only_if]
                                   for n, q in sorted(self.qualifications.items())},
                "entries": [[e.id, list(e.shown), [list(g) for g in e.requires], e.basis.zh, e.basis.en,
                             [e.message.zh, e.message.en] if e.message else None] for e in self.entries]}


def build_table(base: Document, extensions: Sequence[Document]) -> tuple[QualificationTable, list[Finding]]:
    """The table ``base`` with every extension's qualifications and entries added; all lint findings, positioned."""
    b = _Builder()
    for doc in (base, *extensions):
        b.qualifications(doc)
    for doc in (base, *extensions):
        b.entries(doc)
    b.overlaps()
    table = QualificationTable(str(base.data["id"]), dict(b.quals), tuple(b.rows), dict(b.aliases),
                               tuple(d.path for d in (base, *extensions)))
    return table, b.findings


class _Builder:
    def __init__(self) -> None:
        self.quals: dict[str, Qualification] = {}
        self.aliases: dict[str, str] = {}
        self.rows: list[Entry] = []
        self.findings: list[Finding] = []
        # pattern levels -> (entry, where, as written) of every entry that maps it (one per file)
        self.patterns: dict[tuple[str, ...], list[tuple[Entry, SourceRef, str]]] = {}

    def error(self, message: str, where: SourceRef, code: str, hint: str = "") -> None:
        self.findings.append(Finding("error", message, where, code, hint))

    def qualifications(self, doc: Document) -> None:
        for name, q in (doc.data.get("qualifications") or {}).items():
            ptr = f"/qualifications/{name}"
            if name in self.quals:
                self.error(f"qualification {name!r} is declared twice (also at {_at(self.quals[name].where)})",
                           doc.where(ptr, key=True), "qualification-twice")
                continue
            qual = Qualification(name, Text(q["title"]["zh"], q["title"]["en"]), tuple(q.get("aliases") or ()),
                                 q.get("only_if"), doc.where(ptr, key=True))
            self.quals[name] = qual
            for i, alias in enumerate((name, *qual.aliases)):
                key = norm(alias)
                other = self.aliases.get(key)
                if other is not None and other != name:
                    self.error(f"{alias!r} would name two qualifications, {other!r} and {name!r}",
                               doc.where(f"{ptr}/aliases/{i - 1}" if i else ptr, key=not i), "alias-twice")
                    continue
                self.aliases[key] = name

    def entries(self, doc: Document) -> None:
        ids = {e.id: e for e in self.rows}
        for i, raw in enumerate(doc.data.get("categories") or ()):
            ptr = f"/categories/{i}"
            where = doc.where(ptr)
            if raw["id"] in ids:
                self.error(f"entry {raw['id']!r} is defined twice (also at {_at(ids[raw['id']].where)})",
                           doc.where(f"{ptr}/id"), "entry-twice")
                continue
            groups = []
            for j, req in enumerate(raw["requires"]):
                names = (req,) if isinstance(req, str) else tuple(req)
                for k, n in enumerate(names):
                    if n not in self.quals:
                        at = f"{ptr}/requires/{j}" + ("" if isinstance(req, str) else f"/{k}")
                        self.error(f"unknown qualification {n!r}", doc.where(at), "unknown-qualification",
                                   _did_you_mean(n, self.quals))
                groups.append(names)
            msg = raw.get("message")
            for lang in ("zh", "en") if msg else ():
                for name in _PLACEHOLDER.findall(msg[lang]):
                    if name.split(".")[0] not in EVIDENCE:
                        self.error(f"message placeholder {{{name}}} names no evidence of a qualification finding",
                                   doc.where(f"{ptr}/message/{lang}"), "message-placeholder",
                                   f"evidence: {', '.join(sorted(EVIDENCE))}")
            pats: list[tuple[tuple[str, ...], SourceRef, str]] = []
            for k, pattern in enumerate(raw["match"]):
                lv = levels(pattern)
                pw = doc.where(f"{ptr}/match/{k}")
                if not lv:
                    self.error(f"pattern {pattern!r} names no category level", pw, "pattern")
                    continue
                # within one file a category has one entry; an extension may add to the entry it extends
                twice = [(e, w, sh) for e, w, sh in self.patterns.get(lv, []) if w.file == pw.file]
                twice += [(raw["id"], w, sh) for lv2, w, sh in pats if lv2 == lv]
                if twice:
                    other, ow, oshown = twice[0]
                    owner = other.id if isinstance(other, Entry) else other
                    self.error(f"category {pattern!r} is mapped twice (also as {oshown!r} by entry {owner!r} at {_at(ow)})",
                               pw, "category-twice")
                    continue
                pats.append((lv, pw, pattern))
            entry = Entry(raw["id"], tuple(lv for lv, _, _ in pats), tuple(sh for _, _, sh in pats), tuple(groups),
                          Text(raw["basis"]["zh"], raw["basis"]["en"]), Text(msg["zh"], msg["en"]) if msg else None,
                          where)
            for lv, pw, pattern in pats:
                self.patterns.setdefault(lv, []).append((entry, pw, pattern))
            self.rows.append(entry)
            ids[entry.id] = entry

    def overlaps(self) -> None:
        """A pattern inside another of its own entry is redundant; a narrower entry (or an extension's entry
        for the same category) must add a requirement."""
        order = {e.id: i for i, e in enumerate(self.rows)}
        mapped = [(lv, e, w, sh) for lv, owners in self.patterns.items() for e, w, sh in owners]
        by_top: dict[str, list[tuple[tuple[str, ...], Entry, SourceRef, str]]] = {}
        for m in mapped:  # only patterns with the same first level can overlap
            by_top.setdefault(m[0][0], []).append(m)
        for lv, entry, where, shown in mapped:
            wider = [(lv2, e2, w2, s2) for lv2, e2, w2, s2 in by_top[lv[0]]
                     if len(lv2) <= len(lv) and lv[: len(lv2)] == lv2 and w2 is not where and
                     (len(lv2) < len(lv) or order[e2.id] < order[entry.id])]
            same = [(s2, w2) for _, e2, w2, s2 in wider if e2 is entry]
            if same:
                self.error(f"pattern {shown!r} is already covered by {same[0][0]!r} of the same entry "
                           f"(at {_at(same[0][1])})", where, "pattern-overlap", "remove the narrower pattern")
                continue
            others = [e2 for _, e2, _, _ in wider if e2 is not entry]
            if others and all(_implied(g, others) for g in entry.requires):
                names = ", ".join(f"{e2.id!r} ({s2!r} at {_at(w2)})" for _, e2, w2, s2 in wider if e2 is not entry)
                self.error(f"pattern {shown!r} overlaps {names}, which already require everything entry {entry.id!r} "
                           "requires: the entry adds nothing there", where, "pattern-overlap",
                           "entries add up: a narrower entry lists only the documents the wider ones do not require")


def _implied(group: tuple[str, ...], entries: Iterable[Entry]) -> bool:
    """Meeting the wider entries' requirements always meets ``group`` (some wider group is a subset of it)."""
    return any(set(g) <= set(group) for e in entries for g in e.requires)


def _at(where: SourceRef) -> str:
    return f"{where.file}:{where.line}"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else f"declared: {', '.join(sorted(known))}"


__all__ = ["EVIDENCE", "Entry", "Qualification", "QualificationTable", "build_table", "levels", "norm"]

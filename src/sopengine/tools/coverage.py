"""Manual coverage: every clause of the manual, the rules that implement it, and the proof they work.

The manual (kind Manual) is the list of requirements; the rules cite its clause
ids. A reviewer or an auditor asks the reverse question, clause by clause: what
checks this, which test case or example record shows that check firing and
passing, and if nothing checks it, why not. A clause that no rule cites and
that is not marked ``checkable: false`` with a ``reason`` is *unaccounted for*:
a gap nobody decided on, which is what ``sopengine coverage`` exists to catch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..results import SourceRef
from ..rulebook import DEADLINE_KINDS, EVENT_UNKNOWN, OUT_OF_ORDER, WRONG_ROLE
from .firings import Evidence, observe

if TYPE_CHECKING:  # pragma: no cover
    from ..chrono.sla import Sla
    from ..compile import CompiledProcess
    from ..engine import Engine

STATUSES = ("tested", "untested", "not-checkable", "unaccounted")


@dataclass
class Implementer:
    """One place in the rules that cites a clause, with the rule ids a violation of it carries."""

    process: str
    kind: str  # step | sla | check | process | state
    id: str
    source: SourceRef
    rules: tuple[str, ...]
    versions: list[str] = field(default_factory=list)
    fires: dict[str, list[str]] = field(default_factory=dict)
    passes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def evidenced(self) -> bool:
        return any(self.fires.get(r) and self.passes.get(r) for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        return {"process": self.process, "versions": self.versions, "kind": self.kind, "id": self.id,
                "source": self.source.to_dict(),
                "rules": [{"rule": r, "fires": self.fires.get(r, []), "passes": self.passes.get(r, [])} for r in self.rules]}


@dataclass
class ClauseCoverage:
    id: str
    section: str
    text: str
    source: SourceRef
    status: str
    implementers: list[Implementer]
    reason: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"clause": self.id, "section": self.section, "text": self.text, "status": self.status,
                             "source": self.source.to_dict(), "implementers": [i.to_dict() for i in self.implementers]}
        if self.reason:
            d["reason"] = self.reason
        if self.note:
            d["note"] = self.note
        return d


def _sla_rules(step_or_action: str, sla: Sla) -> tuple[str, ...]:
    return tuple(k.id(step_or_action) for k in DEADLINE_KINDS if not k.needs_warning or sla.warn_at is not None)


def _sla_clauses(sla: Sla) -> list[str]:
    out = list(sla.clauses)
    for case in sla.cases:
        out += [c for c in case.clauses if c not in out]
    return out


def _places(proc: CompiledProcess) -> Iterable[tuple[str, str, SourceRef, tuple[str, ...], Iterable[str]]]:
    """(kind, id, source, rule ids, clauses) for every place of ``proc`` that cites clauses."""
    doc = proc.document
    yield "process", proc.id, doc.where("/clauses"), (EVENT_UNKNOWN,), doc.data.get("clauses") or ()
    for i, s in enumerate(doc.data.get("states") or []):
        yield "state", s["id"], doc.where(f"/states/{i}"), (), s.get("clauses") or ()
    for st in proc.steps:
        yield "step", st.id, st.source, (OUT_OF_ORDER.id(st.id), WRONG_ROLE.id(st.id)), st.clauses
        if st.sla is not None:
            yield "sla", st.sla.id, doc.where(f"{st.source.pointer}/sla"), _sla_rules(st.id, st.sla), _sla_clauses(st.sla)
    for ck in proc.checks:
        yield "check", ck.id, ck.source, (ck.id,), ck.clauses
        if (a := ck.action) is not None and a.sla is not None:
            yield "sla", a.sla.id, doc.where(f"{ck.source.pointer}/action/sla"), _sla_rules(a.id, a.sla), _sla_clauses(a.sla)


def implementers(engine: Engine) -> dict[str, list[Implementer]]:
    """Clause id -> the places citing it, one entry per (process, kind, id) across versions."""
    out: dict[str, list[Implementer]] = {}
    seen: dict[tuple[str, str, str, str], Implementer] = {}
    for pid in engine.process_ids:
        for proc in engine.versions(pid):
            for kind, ident, src, rules, clauses in _places(proc):
                for c in clauses:
                    key = (c, pid, kind, ident)
                    imp = seen.get(key)
                    if imp is None:
                        imp = seen[key] = Implementer(pid, kind, ident, src, rules)
                        out.setdefault(c, []).append(imp)
                    if proc.version not in imp.versions:
                        imp.versions.append(proc.version)
    return out


def example_evidence(engine: Engine, paths: Iterable[Path], now: datetime | None, ev: Evidence) -> int:
    """Evaluate every record of ``paths`` into ``ev``; returns how many records were read."""
    from ..inputs.records import read_records

    n = 0
    for result in engine.evaluate_many(read_records(*paths), now):
        n += 1
        src = result.source
        where = f"{src.file}:{src.line}" if src and src.line else (src.file if src else "?")
        ev.add(observe(result, f"{where} {result.record or '(no id)'}"))
    return n


def _text(v: Any, lang: str) -> str:
    """The manual's texts are {zh, en}; a plain string (an older manual) is shown as it is."""
    if isinstance(v, dict):
        return v.get(lang) or v.get("en") or ""
    return "" if v is None else str(v)


def measure(engine: Engine, ev: Evidence, lang: str = "en") -> list[ClauseCoverage]:
    manuals = engine.documents("Manual")
    if not manuals:
        raise LookupError("the rules tree has no Manual document (kind: Manual) to measure against")
    doc = manuals[0]
    cited = implementers(engine)
    out = []
    for i, c in enumerate(doc.data.get("clauses") or []):
        imps = cited.get(c["id"], [])
        for imp in imps:
            for r in imp.rules:
                imp.fires[r] = ev.fires(imp.process, r)
                imp.passes[r] = ev.passes(imp.process, r)
        checking = [imp for imp in imps if imp.rules]
        checkable = c.get("checkable", True)
        reason, note = _text(c.get("reason"), lang), None
        if checking:
            status = "tested" if any(imp.evidenced for imp in checking) else "untested"
            if not checkable:
                note = f"marked checkable: false ({reason}), yet rules cite it: drop the mark or the citation"
        elif not checkable:
            status = "not-checkable"
        else:
            status = "unaccounted"
            note = ("only states cite it, no rule" if imps else "no rule cites it") + ", and it is not marked checkable: false"
        text = _text(c.get("text"), lang)
        out.append(ClauseCoverage(c["id"], c.get("section", ""), text, doc.where(f"/clauses/{i}"), status, imps, reason, note))
    return out


def summary(clauses: list[ClauseCoverage]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for c in clauses:
        counts[c.status] += 1
    return counts


def render_text(clauses: list[ClauseCoverage]) -> list[str]:
    """One block per clause: each citing place, and for each of its rules how many records make it fire and pass."""
    lines: list[str] = []
    for c in clauses:
        head = {"unaccounted": "UNACCOUNTED", "not-checkable": "not checkable"}.get(c.status, c.status)
        lines.append(f"{c.id} [{head}] {c.text}")
        if c.status == "not-checkable" and c.reason:
            lines.append(f"  reason: {c.reason}")
        for imp in c.implementers:
            lines.append(f"  {imp.kind} {imp.id} ({imp.process} {', '.join(imp.versions)}) {imp.source}")
            width = max((len(r) for r in imp.rules), default=0)
            for r in imp.rules:
                fires, passes = imp.fires.get(r, []), imp.passes.get(r, [])
                first = f" (e.g. {fires[0]})" if fires else ""
                lines.append(f"    {r:<{width}}  fires in {len(fires)}{first}, passes in {len(passes)}")
        if c.note:
            lines.append(f"  note: {c.note}")
    return lines

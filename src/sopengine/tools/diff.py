"""What changed between two versions of the rules, semantically, and what it does to real records.

A text diff of YAML shows moved lines and reflowed strings; a reviewer needs
"the ship SLA went from 24h to 36h, check X was added, 3 words left the banned
list", and then the impact: which records gain or lose which violations. Both
sides are compared as normalised views of their definitions (lists of things
with ids become maps, word lists become sets, defaults are made explicit), so
reordering a file or quoting a string differently is no change at all, while
reordering SLA cases (first match wins) or a step's roles (the first is the
one a next action names) is.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..results import Result

if TYPE_CHECKING:  # pragma: no cover
    from ..compile import CompiledProcess
    from ..engine import Engine

RESOURCE_KINDS = ("Vocabulary", "Calendar", "PromotionWindows", "Manual", "QualificationTable")
SETTINGS = ("title", "timezone", "calendar", "record_schema", "start_field", "version_by", "effective_from",
            "effective_until", "roles", "clauses")


@dataclass(frozen=True)
class Change:
    area: str  # "process order 1.0.0 → 1.1.0", "Vocabulary banned_words"
    path: str  # "steps/ship/sla/within"
    kind: str  # added | removed | changed | reordered
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"area": self.area, "path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def _steps_from(v: Any) -> Any:
    return v if v == "*" else ([v] if isinstance(v, str) else list(v))


def process_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a process definition that decide outcomes, keyed by id, defaults explicit."""
    steps, slas, checks = {}, {}, {}
    for st in data.get("steps") or []:
        s = {k: v for k, v in st.items() if k not in ("id", "sla")}
        s["from"] = _steps_from(st["from"])
        s.setdefault("expected", True)
        steps[st["id"]] = s
        if st.get("sla"):
            slas[st["id"]] = st["sla"]
    for ck in data.get("checks") or []:
        c = {k: v for k, v in ck.items() if k != "id"}
        c.setdefault("states", "*")
        if ck.get("action"):
            c["action"] = {k: v for k, v in ck["action"].items() if k != "sla"}
            if ck["action"].get("sla"):
                slas[f"{ck['id']}.action"] = ck["action"]["sla"]
        checks[ck["id"]] = c
    return {
        "settings": {k: data[k] for k in SETTINGS if k in data},
        "states": {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in data.get("states") or []},
        "steps": steps, "slas": slas, "checks": checks,
    }


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)


def deep_diff(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, str, Any, Any]]:
    """(path, kind, old, new) for every difference; lists of ids are maps, lists of scalars are sets."""
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for k in list(old) + [k for k in new if k not in old]:
            p = f"{path}/{k}" if path else str(k)
            if k not in new:
                yield p, "removed", old[k], None
            elif k not in old:
                yield p, "added", None, new[k]
            else:
                yield from deep_diff(old[k], new[k], p)
        return
    if isinstance(old, list) and isinstance(new, list):
        yield from _list_diff(old, new, path)
        return
    yield path, "changed", old, new


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    if items and all(isinstance(i, Mapping) and isinstance(i.get("id"), str) for i in items):
        keys = [i["id"] for i in items]
        if len(set(keys)) == len(keys):
            return {i["id"]: {k: v for k, v in i.items() if k != "id"} for i in items}
    return None


def _list_diff(old: list[Any], new: list[Any], path: str) -> Iterator[tuple[str, str, Any, Any]]:
    ko, kn = _keyed(old), _keyed(new)
    if ko is not None and kn is not None or (ko is not None and not new) or (kn is not None and not old):
        ko, kn = ko or {}, kn or {}
        yield from deep_diff(ko, kn, path)
        common_old = [k for k in ko if k in kn]
        common_new = [k for k in kn if k in ko]
        if common_old != common_new:
            yield path, "reordered", common_old, common_new
        return
    key = (lambda v: v) if all(_scalar(v) for v in old + new) else _canon
    o, n = Counter(key(v) for v in old), Counter(key(v) for v in new)
    back = {key(v): v for v in old + new}
    removed = [back[k] for k in (o - n).elements()]
    added = [back[k] for k in (n - o).elements()]
    if removed:
        yield path, "removed", removed, None
    if added:
        yield path, "added", None, added
    if not removed and not added:
        yield path, "reordered", old, new


def _changes(area: str, old: Any, new: Any) -> list[Change]:
    return [Change(area, p, k, o, n) for p, k, o, n in deep_diff(old, new)]


def _resource_data(doc: Any) -> dict[str, Any]:
    return {k: v for k, v in doc.data.items() if k not in ("apiVersion", "kind", "id")}


def compare_processes(old: CompiledProcess, new: CompiledProcess, old_label: str | None = None, new_label: str | None = None) -> list[Change]:
    a, b = old_label or old.version, new_label or new.version
    area = f"process {old.id} {a}" + (f" → {b}" if a != b else "") if old.id == new.id else f"process {old.key} → {new.key}"
    return _changes(area, process_view(old.document.data), process_view(new.document.data))


def compare_trees(old: Engine, new: Engine) -> list[Change]:
    """Every semantic change from engine ``old`` to engine ``new`` (two rules trees)."""
    out: list[Change] = []
    for pid in sorted(set(old.process_ids) | set(new.process_ids)):
        ov = {p.version: p for p in old.versions(pid)}
        nv = {p.version: p for p in new.versions(pid)}
        if not ov or not nv:
            kind, vers = ("added", nv) if nv else ("removed", ov)
            out.append(Change(f"process {pid}", "", kind, None if nv else sorted(vers), sorted(vers) if nv else None))
            continue
        for ver in [v for v in ov if v in nv]:
            out += compare_processes(ov[ver], nv[ver])
        for ver in [v for v in ov if v not in nv]:
            out.append(Change(f"process {pid}", "versions", "removed", [ver], None))
        ordered = [p.version for p in new.versions(pid)]
        for ver in [v for v in ordered if v not in ov]:
            out.append(Change(f"process {pid}", "versions", "added", None, [ver]))
            i = ordered.index(ver)
            prev = nv[ordered[i - 1]] if i > 0 else old.versions(pid)[0]  # what the new version follows
            out += compare_processes(prev, nv[ver], new_label=f"{ver} (new version)")
    for kind in RESOURCE_KINDS:
        od = {d.data.get("id"): d for d in old.documents(kind)}
        nd = {d.data.get("id"): d for d in new.documents(kind)}
        for rid in sorted(set(od) | set(nd), key=str):
            area = f"{kind} {rid}"
            if rid not in nd:
                out.append(Change(area, "", "removed", od[rid].path, None))
            elif rid not in od:
                out.append(Change(area, "", "added", None, nd[rid].path))
            else:
                out += _changes(area, _resource_data(od[rid]), _resource_data(nd[rid]))
    return out


@dataclass
class RecordImpact:
    label: str
    record: str | None
    gained: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, path, message)
    lost: list[tuple[str, str, str]] = field(default_factory=list)
    state: tuple[str | None, str | None] | None = None
    error: tuple[str | None, str | None] | None = None
    severity: list[tuple[str, str, str, str]] = field(default_factory=list)  # (rule, path, old, new): decides --fail-on

    def to_dict(self) -> dict[str, Any]:
        def v(xs: list[tuple[str, str, str]]) -> list[dict[str, str]]:
            return [{"rule": r, "path": p, "message": m} for r, p, m in xs]

        d: dict[str, Any] = {"source": self.label, "record": self.record, "gained": v(self.gained), "lost": v(self.lost)}
        if self.state:
            d["state"] = {"old": self.state[0], "new": self.state[1]}
        if self.error:
            d["error"] = {"old": self.error[0], "new": self.error[1]}
        if self.severity:
            d["severity"] = [{"rule": r, "path": p, "old": o, "new": n} for r, p, o, n in self.severity]
        return d


def _violation_keys(result: Result) -> Counter[tuple[str, str]]:
    return Counter((v.rule, v.path) for v in result.violations)


def impact(old: Engine, new: Engine, records: Iterable[tuple[Any, Any]], now: datetime | None,
           pins: tuple[str | None, str | None] = (None, None), process: str | None = None) -> tuple[int, list[RecordImpact]]:
    """Evaluate each record with both engines; (records evaluated, those whose outcome differs).

    ``pins`` and ``process``: compare two versions of one process, so only that
    process's records are evaluated, each pinned to the old and the new version."""
    n, out = 0, []
    for rec, src in records:
        if process is not None and not (isinstance(rec, Mapping) and rec.get("process") == process):
            continue
        n += 1
        a = old.evaluate(rec, now, version=pins[0], source=src)
        b = new.evaluate(rec, now, version=pins[1], source=src)
        ka, kb = _violation_keys(a), _violation_keys(b)
        msg_b = {(v.rule, v.path): v.messages.en for v in b.violations}
        msg_a = {(v.rule, v.path): v.messages.en for v in a.violations}
        sev_a = {(v.rule, v.path): v.severity for v in a.violations}
        sev_b = {(v.rule, v.path): v.severity for v in b.violations}
        label = f"{src.file}:{src.line}" if src is not None and src.line else (src.file if src else "?")
        ri = RecordImpact(label, b.record or a.record,
                          [(r, p, msg_b[(r, p)]) for r, p in (kb - ka).elements()],
                          [(r, p, msg_a[(r, p)]) for r, p in (ka - kb).elements()],
                          (a.state, b.state) if a.state != b.state else None,
                          (a.error, b.error) if a.error != b.error else None,
                          [(r, p, sev_a[(r, p)], sev_b[(r, p)]) for r, p in sorted(set(sev_a) & set(sev_b))
                           if sev_a[(r, p)] != sev_b[(r, p)]])
        if ri.gained or ri.lost or ri.state or ri.error or ri.severity:
            out.append(ri)
    return n, out


def _show(v: Any, limit: int = 160) -> str:
    if isinstance(v, list) and all(_scalar(x) for x in v):
        text = ", ".join(str(x) for x in v)
    elif _scalar(v):
        text = str(v)
    else:
        text = json.dumps(v, ensure_ascii=False, default=str)  # in the author's key order
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_changes(changes: list[Change]) -> list[str]:
    lines: list[str] = []
    area = None
    for c in changes:
        if c.area != area:
            area = c.area
            lines.append(area)
        path = c.path or "(whole)"
        if c.kind == "changed":
            lines.append(f"  ~ {path}: {_show(c.old)} → {_show(c.new)}")
        elif c.kind == "added":
            lines.append(f"  + {path}: {_show(c.new)}")
        elif c.kind == "removed":
            lines.append(f"  - {path}: {_show(c.old)}")
        else:
            lines.append(f"  ↕ {path}: order {_show(c.old)} → {_show(c.new)}")
    return lines


def render_impact(n: int, impacts: list[RecordImpact]) -> list[str]:
    lines = [f"records: {len(impacts)} of {n} change"]
    for ri in impacts:
        lines.append(f"  {ri.label} {ri.record or '(no id)'}")
        for r, p, m in ri.lost:
            lines.append(f"    - {r}" + (f" ({p})" if p else "") + f": {m}")
        for r, p, m in ri.gained:
            lines.append(f"    + {r}" + (f" ({p})" if p else "") + f": {m}")
        for r, p, old, new in ri.severity:
            lines.append(f"    ~ {r}" + (f" ({p})" if p else "") + f": {old} → {new}")
        if ri.state:
            lines.append(f"    state {ri.state[0]} → {ri.state[1]}")
        if ri.error:
            lines.append(f"    error {ri.error[0]} → {ri.error[1]}")
    return lines

"""Stage 2b, semantic lint: what JSON Schema cannot say about a process.

Runs on schema-valid data and returns findings at the line of the offending
value: references to unknown roles, states and clauses, duplicate IDs, states
no step reaches or that cannot be left, events the record schema does not
allow, checks that no reachable state runs. Errors block loading; warnings are
reported by ``sopengine validate`` and do not.
"""

from __future__ import annotations

import difflib
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any

from .errors import Finding
from .loader import Document


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def as_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def lint_process(doc: Document, clauses: set[str] | None, manual_roles: set[str] | None,
                 event_types: set[str] | None, check_types: Iterable[str], manual: str = "") -> list[Finding]:
    """Findings of one process document. ``clauses`` None means the tree has no clause list, an
    error reported once for the whole tree (``tree_problems``), not once per citation. ``manual``
    is the file that declares the clauses, named in the hint of an unknown one."""
    d = doc.data
    out: list[Finding] = []

    def err(ptr: str, msg: str, code: str, hint: str = "", sev: str = "error") -> None:
        out.append(Finding(sev, msg, doc.where(ptr), code, hint))

    roles = list(d.get("roles") or [])
    states = [s["id"] for s in d.get("states") or []]
    state_set = set(states)

    for what, items in (("state", d.get("states") or []), ("step", d.get("steps") or []), ("check", d.get("checks") or [])):
        seen: Counter[str] = Counter()
        for i, it in enumerate(items):
            seen[it["id"]] += 1
            if seen[it["id"]] == 2:
                err(f"/{what}s/{i}/id", f"duplicate {what} id {it['id']!r}", "duplicate-id")
    for i, r in enumerate(roles):
        if manual_roles is not None and r not in manual_roles:
            err(f"/roles/{i}", f"role {r!r} is not a role of the manual", "unknown-role", _hint(r, manual_roles))

    initial = [i for i, s in enumerate(d.get("states") or []) if s.get("initial")]
    if len(initial) != 1:
        err("/states", f"exactly one state must be initial (found {len(initial)})", "initial-state")

    declared = f"clauses are declared in {manual or 'manual.yaml'} (kind: Manual, `clauses`)"

    def clause_refs(ptr: str, values: Any) -> None:
        if clauses is None:
            return
        for j, c in enumerate(values or []):
            if c not in clauses:
                prefix = c.split("-", 1)[0] + "-"  # a new prefix is no typo of another one's clause
                close = _hint(c, [k for k in clauses if k.startswith(prefix)])
                err(f"{ptr}/{j}", f"clause {c!r} is not in the manual's clause list", "unknown-clause",
                    f"{close} {declared}" if close else declared)

    def state_refs(ptr: str, value: Any) -> None:
        if value == "*":
            return
        for j, s in enumerate(as_list(value)):
            p = ptr if isinstance(value, str) else f"{ptr}/{j}"
            if s not in state_set:
                err(p, f"unknown state {s!r}", "unknown-state", _hint(s, state_set))

    def sla_refs(ptr: str, sla: dict | None) -> None:
        if not sla:
            return
        clause_refs(f"{ptr}/clauses", sla.get("clauses"))
        for k, case in enumerate(sla.get("cases") or []):
            clause_refs(f"{ptr}/cases/{k}/clauses", case.get("clauses"))

    clause_refs("/clauses", d.get("clauses"))
    for i, s in enumerate(d.get("states") or []):
        clause_refs(f"/states/{i}/clauses", s.get("clauses"))
    edges: dict[str, set[str]] = {s: set() for s in states}
    for i, st in enumerate(d.get("steps") or []):
        p = f"/steps/{i}"
        state_refs(f"{p}/from", st["from"])
        state_refs(f"{p}/to", st["to"])
        for j, r in enumerate(st["roles"]):
            if r not in roles:
                err(f"{p}/roles/{j}", f"role {r!r} is not declared in this process's roles", "unknown-role", _hint(r, roles))
        clause_refs(f"{p}/clauses", st["clauses"])
        sla_refs(f"{p}/sla", st.get("sla"))
        if event_types is not None and st["event"] not in event_types:
            err(f"{p}/event", f"event type {st['event']!r} is not allowed by the record schema's events",
                "unknown-event", _hint(st["event"], event_types) or f"the schema allows: {', '.join(sorted(event_types))}")
        srcs = states if st["from"] == "*" else as_list(st["from"])
        for s in srcs:
            if s in edges:
                edges[s].add(st["to"])
    for i, ck in enumerate(d.get("checks") or []):
        p = f"/checks/{i}"
        clause_refs(f"{p}/clauses", ck["clauses"])
        if "states" in ck:
            state_refs(f"{p}/states", ck["states"])
        if ck["type"] not in check_types:
            err(f"{p}/type", f"unknown check type {ck['type']!r}", "unknown-check-type",
                _hint(ck["type"], check_types) or f"known: {', '.join(sorted(check_types))}")
        act = ck.get("action")
        if act:
            if act["role"] not in roles:
                err(f"{p}/action/role", f"role {act['role']!r} is not declared in this process's roles", "unknown-role",
                    _hint(act["role"], roles))
            sla_refs(f"{p}/action/sla", act.get("sla"))

    if len(initial) == 1 and not any(f.code == "unknown-state" for f in out):
        start = d["states"][initial[0]]["id"]
        reach, todo = {start}, deque([start])
        while todo:
            for nxt in edges.get(todo.popleft(), ()):
                if nxt not in reach:
                    reach.add(nxt)
                    todo.append(nxt)
        for i, s in enumerate(d.get("states") or []):
            if s["id"] not in reach:
                err(f"/states/{i}", f"state {s['id']!r} is unreachable from the initial state {start!r}", "unreachable-state",
                    sev="warning")
            elif not edges.get(s["id"]) and not s.get("final"):
                err(f"/states/{i}", f"state {s['id']!r} has no step out of it and is not marked final", "dead-end-state",
                    "add `final: true` or a step from it", sev="warning")
        for i, ck in enumerate(d.get("checks") or []):
            if "states" in ck and ck["states"] != "*" and not any(s in reach for s in as_list(ck["states"])):
                err(f"/checks/{i}/states", f"check {ck['id']!r} runs in no reachable state", "check-never-runs", sev="warning")
    return out

"""Stage 2b, semantic lint: what JSON Schema cannot say about a process.

Runs on schema-valid data and returns findings at the line of the offending
value: references to unknown roles, states and clauses, duplicate IDs, states
no step reaches or that cannot be left, events the record schema does not
allow, checks that no reachable state runs. Errors block loading; warnings are
reported by ``sopengine validate`` and do not.

Each of those is a small rule function with an id, registered with
``@rule(scope, id)`` in this module (as check types are in ``checks/base.py``),
and its docstring says why it exists. A ``process`` rule sees the whole
document; a ``state``, ``step`` or ``check`` rule sees one item at a time, with
its JSON Pointer; a ``graph`` rule runs last, once the references it depends on
have been checked. Process rules run first, then each item with every rule of
its scope, then the graph rules, each scope in registration order: findings
come in document order.
"""

from __future__ import annotations

import difflib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .errors import Finding, FindingSeverity
from .loader import Document

Scope = Literal["process", "state", "step", "check", "graph"]
ITEM_SCOPES: tuple[Literal["state", "step", "check"], ...] = ("state", "step", "check")
RuleFunction = TypeVar("RuleFunction", bound=Callable[..., None])


@dataclass(frozen=True)
class LintRule:
    """A registered lint rule: its id, the scope it runs in, and why it exists (its docstring)."""

    id: str
    scope: Scope
    check: Callable[..., None]
    why: str


RULES: list[LintRule] = []  # in registration order, which is the order findings come in within a scope


def rule(scope: Scope, rule_id: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a lint rule for ``scope`` under ``rule_id``; a rule without a docstring saying why is refused."""
    def register(fn: RuleFunction) -> RuleFunction:
        if not (fn.__doc__ or "").strip():
            raise TypeError(f"lint rule {rule_id!r} needs a docstring saying why it exists")
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"lint rule {rule_id!r} is registered twice")
        RULES.append(LintRule(rule_id, scope, fn, " ".join((fn.__doc__ or "").split())))
        return fn
    return register


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def as_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


@dataclass
class Lint:
    """One process document being linted, what it may refer to, and the findings so far."""

    doc: Document
    clauses: set[str] | None  # the manual's clause ids; None: no clause list, reported once per tree instead
    manual_roles: set[str] | None
    event_types: set[str] | None  # the event types the record schema allows, if it says
    check_types: tuple[str, ...]
    manual: str = ""  # the file that declares the clauses, named in the hint of an unknown one
    out: list[Finding] = field(default_factory=list)

    @property
    def data(self) -> Mapping[str, Any]:
        data: Mapping[str, Any] = self.doc.data
        return data

    @property
    def roles(self) -> list[str]:
        return list(self.data.get("roles") or [])

    @property
    def states(self) -> list[str]:
        return [s["id"] for s in self.data.get("states") or []]

    def items(self, scope: str) -> list[Mapping[str, Any]]:
        return list(self.data.get(f"{scope}s") or [])

    def initial(self) -> list[int]:
        """The indexes of the states marked initial."""
        return [i for i, s in enumerate(self.items("state")) if s.get("initial")]

    def err(self, ptr: str, msg: str, code: str, hint: str = "", sev: FindingSeverity = "error") -> None:
        self.out.append(Finding(sev, msg, self.doc.where(ptr), code, hint))

    def clause_refs(self, ptr: str, values: Any) -> None:
        if self.clauses is None:
            return
        declared = f"clauses are declared in {self.manual or 'manual.yaml'} (kind: Manual, `clauses`)"
        for j, c in enumerate(values or []):
            if c not in self.clauses:
                prefix = c.split("-", 1)[0] + "-"  # a new prefix is no typo of another one's clause
                close = _hint(c, [k for k in self.clauses if k.startswith(prefix)])
                self.err(f"{ptr}/{j}", f"clause {c!r} is not in the manual's clause list", "unknown-clause",
                         f"{close} {declared}" if close else declared)

    def state_refs(self, ptr: str, value: Any) -> None:
        if value == "*":
            return
        known = set(self.states)
        for j, s in enumerate(as_list(value)):
            p = ptr if isinstance(value, str) else f"{ptr}/{j}"
            if s not in known:
                self.err(p, f"unknown state {s!r}", "unknown-state", _hint(s, known))

    def role_ref(self, ptr: str, role: str) -> None:
        roles = self.roles
        if role not in roles:
            self.err(ptr, f"role {role!r} is not declared in this process's roles", "unknown-role", _hint(role, roles))

    def sla_refs(self, ptr: str, sla: Mapping[str, Any] | None) -> None:
        if not sla:
            return
        self.clause_refs(f"{ptr}/clauses", sla.get("clauses"))
        for k, case in enumerate(sla.get("cases") or []):
            self.clause_refs(f"{ptr}/cases/{k}/clauses", case.get("clauses"))


def lint_process(doc: Document, clauses: set[str] | None, manual_roles: set[str] | None,
                 event_types: set[str] | None, check_types: Iterable[str], manual: str = "") -> list[Finding]:
    """Findings of one process document, every registered rule's, in document order. ``clauses`` None
    means the tree has no clause list, an error reported once for the whole tree (``tree_problems``),
    not once per citation. ``manual`` is the file that declares the clauses."""
    lint = Lint(doc, clauses, manual_roles, event_types, tuple(check_types), manual)
    for r in RULES:
        if r.scope == "process":
            r.check(lint)
    for scope in ITEM_SCOPES:
        scoped = [r for r in RULES if r.scope == scope]
        for i, item in enumerate(lint.items(scope)):
            for r in scoped:
                r.check(lint, f"/{scope}s/{i}", item)
    for r in RULES:
        if r.scope == "graph":
            r.check(lint)
    return lint.out


# -- the whole process ------------------------------------------------------------

@rule("process", "unique-ids")
def unique_ids(lint: Lint) -> None:
    """States, steps and checks are referred to by id (in rules, results and tests): two with one id make
    every reference ambiguous. The second of each is reported."""
    for what in ITEM_SCOPES:
        seen: Counter[str] = Counter()
        for i, it in enumerate(lint.items(what)):
            seen[it["id"]] += 1
            if seen[it["id"]] == 2:
                lint.err(f"/{what}s/{i}/id", f"duplicate {what} id {it['id']!r}", "duplicate-id")


@rule("process", "roles-of-the-manual")
def roles_of_the_manual(lint: Lint) -> None:
    """A process's roles are the manual's roles: a role the manual does not name is a typo or an
    invented duty nobody is accountable for."""
    if lint.manual_roles is None:
        return
    for i, r in enumerate(lint.roles):
        if r not in lint.manual_roles:
            lint.err(f"/roles/{i}", f"role {r!r} is not a role of the manual", "unknown-role", _hint(r, lint.manual_roles))


@rule("process", "one-initial-state")
def one_initial_state(lint: Lint) -> None:
    """The replay starts every record in the initial state: with none or two it has nowhere, or two places, to start."""
    found = len(lint.initial())
    if found != 1:
        lint.err("/states", f"exactly one state must be initial (found {found})", "initial-state")


@rule("process", "process-clauses")
def process_clauses(lint: Lint) -> None:
    """Clause ids tie the rules to the manual: one the manual does not list ties the process to nothing."""
    lint.clause_refs("/clauses", lint.data.get("clauses"))


# -- one item at a time -----------------------------------------------------------

@rule("state", "state-clauses")
def state_clauses(lint: Lint, p: str, s: Mapping[str, Any]) -> None:
    """A state cites the clauses that define it; coverage reads them, so each must be in the manual."""
    lint.clause_refs(f"{p}/clauses", s.get("clauses"))


@rule("step", "step-states")
def step_states(lint: Lint, p: str, st: Mapping[str, Any]) -> None:
    """A step moves between declared states: an unknown one would compile into a transition the replay can never take."""
    lint.state_refs(f"{p}/from", st["from"])
    lint.state_refs(f"{p}/to", st["to"])


@rule("step", "step-roles")
def step_roles(lint: Lint, p: str, st: Mapping[str, Any]) -> None:
    """The roles allowed to do a step must be the process's roles, or ``wrong_role`` judges against a typo."""
    for j, r in enumerate(st["roles"]):
        lint.role_ref(f"{p}/roles/{j}", r)


@rule("step", "step-clauses")
def step_clauses(lint: Lint, p: str, st: Mapping[str, Any]) -> None:
    """A step's violations, and its SLA's, cite its clauses: each must be in the manual."""
    lint.clause_refs(f"{p}/clauses", st["clauses"])
    lint.sla_refs(f"{p}/sla", st.get("sla"))


@rule("step", "step-event")
def step_event(lint: Lint, p: str, st: Mapping[str, Any]) -> None:
    """A step is taken by an event type; one the record schema does not allow can never occur in a valid record."""
    types = lint.event_types
    if types is not None and st["event"] not in types:
        lint.err(f"{p}/event", f"event type {st['event']!r} is not allowed by the record schema's events",
                 "unknown-event", _hint(st["event"], types) or f"the schema allows: {', '.join(sorted(types))}")


@rule("check", "check-references")
def check_references(lint: Lint, p: str, ck: Mapping[str, Any]) -> None:
    """A check cites manual clauses and runs in declared states; an unknown one of either is a dangling reference."""
    lint.clause_refs(f"{p}/clauses", ck["clauses"])
    if "states" in ck:
        lint.state_refs(f"{p}/states", ck["states"])


@rule("check", "check-type")
def check_type(lint: Lint, p: str, ck: Mapping[str, Any]) -> None:
    """A check's type names a registered check type (``checks/base.py``); an unknown one cannot compile."""
    if ck["type"] not in lint.check_types:
        lint.err(f"{p}/type", f"unknown check type {ck['type']!r}", "unknown-check-type",
                 _hint(ck["type"], lint.check_types) or f"known: {', '.join(sorted(lint.check_types))}")


@rule("check", "check-action")
def check_action(lint: Lint, p: str, ck: Mapping[str, Any]) -> None:
    """A check's follow-up action is owed by a role of the process, under an SLA citing manual clauses."""
    act = ck.get("action")
    if act:
        lint.role_ref(f"{p}/action/role", act["role"])
        lint.sla_refs(f"{p}/action/sla", act.get("sla"))


# -- the state graph, once its references are known to be good --------------------

def _edges(lint: Lint) -> dict[str, set[str]]:
    states = lint.states
    edges: dict[str, set[str]] = {s: set() for s in states}
    for st in lint.items("step"):
        for s in (states if st["from"] == "*" else as_list(st["from"])):
            if s in edges:
                edges[s].add(st["to"])
    return edges


@rule("graph", "reachability")
def reachability(lint: Lint) -> None:
    """A state no step reaches, one that cannot be left without being final, and a check that runs in no
    reachable state are rules that can never matter: warnings, since a draft process may have them.
    Skipped while the graph has unknown states or no single start, which are errors already."""
    initial = lint.initial()
    if len(initial) != 1 or any(f.code == "unknown-state" for f in lint.out):
        return
    edges = _edges(lint)
    start = lint.items("state")[initial[0]]["id"]
    reach, todo = {start}, deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in reach:
                reach.add(nxt)
                todo.append(nxt)
    for i, s in enumerate(lint.items("state")):
        if s["id"] not in reach:
            lint.err(f"/states/{i}", f"state {s['id']!r} is unreachable from the initial state {start!r}", "unreachable-state",
                     sev="warning")
        elif not edges.get(s["id"]) and not s.get("final"):
            lint.err(f"/states/{i}", f"state {s['id']!r} has no step out of it and is not marked final", "dead-end-state",
                     "add `final: true` or a step from it", sev="warning")
    for i, ck in enumerate(lint.items("check")):
        if "states" in ck and ck["states"] != "*" and not any(s in reach for s in as_list(ck["states"])):
            lint.err(f"/checks/{i}/states", f"check {ck['id']!r} runs in no reachable state", "check-never-runs", sev="warning")

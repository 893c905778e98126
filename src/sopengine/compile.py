"""Stage 3, compile: a validated process document becomes an immutable CompiledProcess.

Everything that can be done once is done here: CEL expressions compiled and
checked against the record schema, check parameters read by their check types,
SLAs parsed, one ``transitions`` Machine built for the process (records are
replayed through it with a throwaway model, so the machine is shared by every
record and every thread and never mutated after this point).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any, Protocol, cast, runtime_checkable

from transitions import EventData, Machine

from .checks import REGISTRY, CheckConfigError, CheckType, CompileEnv
from .chrono.calendars import Calendar
from .chrono.instants import ValueProblem, parse_instant, zone
from .chrono.promotions import PromotionWindows
from .chrono.sla import Sla, compile_sla
from .compiled import ActionDef, CheckDef, CompiledProcess, RuleInfo, StepDef
from .contract import OptionalData, read_optional, skip_sources
from .errors import ExpressionError, Finding, SlaError
from .expr import Expression, compile_expression, lint_expression
from .lint import as_list
from .loader import Document
from .params import constants, placeholder_findings, read_declarations, undeclared_hint
from .results import Text
from .rulebook import EVENT_UNKNOWN, STEP_KINDS
from .schema_fields import SchemaIndex, view_plan
from .schemas import SchemaStore
from .typecheck import check_role, role_of, sample_variables, unknown_placeholders

# the compiled shapes live in compiled.py; this stage hands them out, so they are importable from here too
__all__ = ["ActionDef", "CheckDef", "CompiledProcess", "RuleInfo", "StepDef", "canonical_digest", "compile_process",
           "replay_table"]


def canonical_digest(*parts: Any) -> str:
    """sha256 over canonical JSON: the same definition content gives the same digest on any machine."""
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode())
        h.update(b"\x00")
    return "sha256:" + h.hexdigest()


def _text(v: Any, fallback: str) -> Text:
    if isinstance(v, Mapping):
        return Text(v["zh"], v["en"])
    return Text(fallback, fallback)


class _Compiler:
    def __init__(self, doc: Document, store: SchemaStore, resource: Callable[[str, str], Any],
                 calendar_for: Callable[[str], Calendar]) -> None:
        self.doc, self.store, self.resource, self.calendar_for = doc, store, resource, calendar_for
        self.findings: list[Finding] = []
        self.windows_used: dict[str, PromotionWindows] = {}  # named by `during:`, for the digest
        d = doc.data
        self.schema_rel = d["record_schema"]
        schema = store.get(self.schema_rel)
        if schema is None:
            looked = ", ".join(store.dirs) or "the schemas given"
            self.findings.append(Finding("error", f"record schema {self.schema_rel!r} not found; looked in {looked}",
                                         doc.where("/record_schema"), "unknown-schema",
                                         "a new process needs its record schema as schemas/records/<process>.schema.json "
                                         "inside the rules tree or beside it (docs/authoring.md, \"A new process\")"))
            self.index = self.event_index = None
        else:
            base = schema.get("$id") or f"https://sopengine.dev/schemas/{self.schema_rel}"
            self.index = SchemaIndex(store, schema, base)
            self.event_index = self.index.sub(["events"], items=True)
        initial = next((st.get("id") for st in d.get("states") or () if st.get("initial")), "")
        self.sample = sample_variables(store, schema, base, initial) if schema is not None else None
        self.optional: dict[str, OptionalData] = read_optional(schema)

    def expr(self, source: str, pointer: str, extra: tuple[str, ...] = (),
             consts: Mapping[str, Any] | None = None) -> Expression | None:
        try:
            e = compile_expression(source, extra, consts)
        except ExpressionError as exc:
            exc.hint = exc.hint or undeclared_hint(exc.message, consts or {})
            self.findings.append(exc.finding(self.doc, pointer, label="CEL: "))
            return None
        if self.index is not None:
            for p in lint_expression(source, self.index, self.event_index):
                self.findings.append(p.finding(self.doc, pointer, code="cel-field"))
        bad = check_role(e, role_of(pointer), self.sample)
        for p in bad:
            self.findings.append(p.finding(self.doc, pointer, code="cel-type", label="CEL: "))
        return None if bad else e

    def expr_or_raise(self, source: str, pointer: str, extra: tuple[str, ...] = (),
                      consts: Mapping[str, Any] | None = None) -> Expression:
        e = self.expr(source, pointer, extra, consts)
        if e is None:
            raise _Abort()
        return e

    def sla(self, spec: Mapping[str, Any] | None, pointer: str, default_id: str, clauses: tuple[str, ...],
            calendar: Calendar | None) -> Sla | None:
        if not spec:
            return None
        try:
            return compile_sla(spec, default_id, clauses, lambda s, p: self.expr_or_raise(s, pointer + p), calendar,
                               self.windows)
        except SlaError as exc:
            self.findings.append(exc.finding(self.doc, pointer, label="SLA: "))
        except _Abort:
            pass
        return None

    def windows(self, name: str) -> PromotionWindows:
        """The PromotionWindows a `during:` names (LookupError if none), remembered for the digest."""
        w = self.resource("promotions", name)
        if not isinstance(w, PromotionWindows):
            raise LookupError(f"{name!r} is not a PromotionWindows resource")  # noqa: TRY004 - compile_sla reports a LookupError at `during:`
        self.windows_used[name] = w
        return w


class _Abort(Exception):
    pass


# Stands in for a `calendar:` that failed to resolve (already reported at /calendar), so
# that each working-time SLA does not add a second, misleading "names no calendar" error.
# The process does not compile, so nothing ever computes with it.
_BROKEN_CALENDAR = Calendar("(unresolved)", Text("", ""), zone("UTC"), frozenset(), (), (date.min, date.min), {})


def compile_process(doc: Document, store: SchemaStore, resource: Callable[[str, str], Any],
                    calendar_for: Callable[[str], Calendar], build: bool = True) -> tuple[CompiledProcess | None, list[Finding]]:
    """Compile one schema-valid, lint-clean process document; returns findings instead of raising.

    In four named parts, in the order their findings are reported: the process's time frame
    (zone, calendar, effective period), its steps, its checks, then (only when all of that is
    clean and ``build``) the machine, the digest and the CompiledProcess itself."""
    c = _Compiler(doc, store, resource, calendar_for)
    try:
        tz = zone(doc.data.get("timezone", "Asia/Shanghai"))
    except ValueProblem as exc:
        return None, [Finding("error", str(exc), doc.where("/timezone"), "timezone")]
    calendar = _calendar(c)
    bounds = _period(c, tz)
    rules: dict[str, RuleInfo] = {}
    steps = [_step(c, i, s, calendar, rules) for i, s in enumerate(doc.data["steps"])]
    checks = [ck for i, spec in enumerate(doc.data.get("checks") or [])
              if (ck := _check(c, i, spec, tz, calendar, rules)) is not None]
    rules[EVENT_UNKNOWN] = RuleInfo(EVENT_UNKNOWN, "event", "Event that no step of the process performs", "error",
                                    tuple(doc.data.get("clauses") or ()), doc.where("/steps"))
    if not build or any(f.severity == "error" for f in c.findings) or c.index is None:
        return None, c.findings
    return _assemble(c, tz, calendar, bounds, steps, checks, rules), c.findings


def _calendar(c: _Compiler) -> Calendar | None:
    """The working calendar the process names, if any; a broken stand-in (reported) if it names none that exists."""
    name = c.doc.data.get("calendar")
    if not name:
        return None
    try:
        return c.calendar_for(name)
    except LookupError as exc:
        c.findings.append(Finding("error", str(exc.args[0]) if exc.args else str(exc), c.doc.where("/calendar"),
                                  "unknown-calendar"))
        return _BROKEN_CALENDAR


def _period(c: _Compiler, tz: tzinfo) -> dict[str, datetime | None]:
    """``effective_from`` and ``effective_until`` as instants, the second after the first."""
    d = c.doc.data
    bounds: dict[str, datetime | None] = {}
    for k in ("effective_from", "effective_until"):
        try:
            bounds[k] = parse_instant(d[k], tz) if k in d else None
        except ValueProblem as exc:
            c.findings.append(Finding("error", str(exc), c.doc.where(f"/{k}"), "instant"))
    start, until = bounds.get("effective_from"), bounds.get("effective_until")
    if start and until and until <= start:
        c.findings.append(Finding("error", "effective_until must be after effective_from", c.doc.where("/effective_until"),
                                  "period"))
    return bounds


def _step(c: _Compiler, i: int, s: Mapping[str, Any], calendar: Calendar | None, rules: dict[str, RuleInfo]) -> StepDef:
    """One step, and into ``rules`` the built-in rules it can break (out of order, late, ...: rulebook.STEP_KINDS)."""
    p = f"/steps/{i}"
    clauses = tuple(s["clauses"])
    when = c.expr(s["when"], f"{p}/when") if "when" in s else None
    ew = c.expr(s["expected_when"], f"{p}/expected_when") if "expected_when" in s else None
    sla = c.sla(s.get("sla"), f"{p}/sla", f"{s['id']}.sla", clauses, calendar)
    title = _text(s.get("title"), s["id"])
    src = c.doc.where(p)
    all_states = [st["id"] for st in c.doc.data["states"]]
    for kind in STEP_KINDS:
        if kind.needs_sla and sla is None:
            continue
        if kind.needs_expected and not s.get("expected", True):
            continue  # never a next action, so never overdue: a rule that cannot fire is noise in reports
        if kind.needs_warning and (sla is None or sla.warn_at is None):
            continue
        sev = sla.severity if kind.severity == "sla" and sla is not None else kind.severity
        rid = kind.id(s["id"])
        rules[rid] = RuleInfo(rid, "step", f"{title.en}: {kind.what}", sev,
                              sla.clauses if sla is not None and kind.needs_sla else clauses, src)
    return StepDef(s["id"], title, s["event"], tuple(all_states if s["from"] == "*" else as_list(s["from"])),
                   s["to"], tuple(s["roles"]), when, s.get("expected", True), ew, clauses, sla, src)


def _check(c: _Compiler, i: int, ck: Mapping[str, Any], tz: tzinfo, calendar: Calendar | None,
           rules: dict[str, RuleInfo]) -> CheckDef | None:
    """One check, its parameters read by its registered check type; None (reported) if they cannot work.

    The parameters it declares (params.py) are read first: its expressions see them as typed constants."""
    doc, p = c.doc, f"/checks/{i}"
    cls = REGISTRY.get(ck["type"])
    declared, problems = read_declarations(ck, p, doc)
    c.findings += problems
    if declared is None:
        return None  # reported; its expressions would only add "undeclared reference" errors
    consts = constants(declared)
    when = c.expr(ck["when"], f"{p}/when", (), consts) if "when" in ck else None
    clauses = tuple(ck["clauses"])
    action = None
    if ck.get("action"):
        a = ck["action"]
        action = ActionDef(a["id"], _text(a["title"], a["id"]), a["role"],
                           c.sla(a.get("sla"), f"{p}/action/sla", f"{ck['id']}.action", clauses, calendar))
    if cls is None:
        return None  # reported by lint
    env = CompileEnv(doc.data["id"], tz, lambda s, q, extra=(): c.expr_or_raise(s, f"{p}/params{q}", extra, consts),
                     c.resource, c.index.node if c.index else {})
    try:
        impl = cls(ck.get("params") or {}, env)
    except CheckConfigError as exc:
        c.findings.append(exc.finding(doc, f"{p}/params", label=f"{ck['type']}: "))
        return None
    except LookupError as exc:
        c.findings.append(Finding("error", f"{ck['type']}: {exc}", doc.where(f"{p}/params"), "unknown-resource"))
        return None
    except _Abort:
        return None
    c.findings += placeholder_findings(ck, p, doc, declared)
    _check_placeholders(c, p, ck, impl)
    _check_needs(c, p, ck)
    states = None if ck.get("states", "*") == "*" else frozenset(as_list(ck["states"]))
    title = _text(ck.get("title"), ck["id"])
    rules[ck["id"]] = RuleInfo(ck["id"], "check", title.en, ck["severity"], clauses, doc.where(p))
    return CheckDef(ck["id"], title if ck.get("title") else None, ck["severity"], clauses, states, when, impl,
                    _text(ck["message"], ck["id"]), action, doc.where(p), tuple(ck.get("needs") or ()), declared,
                    {n: dp.shown() for n, dp in declared.items()})


def _check_placeholders(c: _Compiler, p: str, ck: Mapping[str, Any], impl: CheckType) -> None:
    """A message's ``{placeholder}`` must name evidence the check type gives, or it prints as it is."""
    keys = impl.evidence_keys()
    if keys is None or not isinstance(ck.get("message"), Mapping):
        return
    for lang in ("zh", "en"):
        for name in unknown_placeholders(ck["message"][lang], keys | {"params"}):  # {params.x}: placeholder_findings
            c.findings.append(Finding("error", f"message placeholder {{{name}}} names no evidence of this rule, so it "
                                      "would print as it is", c.doc.where(f"{p}/message/{lang}"), "message-placeholder",
                                      f"evidence: {', '.join(sorted(keys)) or 'none'}; declare it under params.evidence"))


def _check_needs(c: _Compiler, p: str, ck: Mapping[str, Any]) -> None:
    """What a check ``needs`` must be optional data the record schema declares (x-optional)."""
    for j, name in enumerate(ck.get("needs") or ()):
        if name not in c.optional:
            c.findings.append(Finding("error", f"needs {name!r}, which the record schema {c.schema_rel} does not declare "
                                               "as optional data (x-optional)", c.doc.where(f"{p}/needs/{j}"), "unknown-need",
                                      _did_you_mean(name, c.optional)))


def _assemble(c: _Compiler, tz: tzinfo, calendar: Calendar | None, bounds: Mapping[str, datetime | None], steps: list[StepDef],
              checks: list[CheckDef], rules: dict[str, RuleInfo]) -> CompiledProcess:
    """The machine, the replay table and the digest of a clean process, and the CompiledProcess that holds them."""
    d, store = c.doc.data, c.store
    optional_events = frozenset(o.event for o in c.optional.values() if o.event is not None and not o.pointer)
    skips = skip_sources(steps, optional_events)
    steps = [replace(st, skips=skips[st.id]) if st.id in skips else st for st in steps]
    machine, by_event = _machine(d, steps)
    schema_doc = store.get(c.schema_rel)
    assert schema_doc is not None, "c.index is None without its schema (compile_process returned)"
    base = schema_doc.get("$id") or f"https://sopengine.dev/schemas/{c.schema_rel}"
    return CompiledProcess(
        id=d["id"], version=d["version"], title=_text(d["title"], d["id"]), timezone=tz,
        effective_from=bounds.get("effective_from"), effective_until=bounds.get("effective_until"),
        version_by=d.get("version_by") or d.get("start_field"), start_field=d.get("start_field"),
        roles=tuple(d["roles"]), states={s["id"]: s for s in d["states"]}, initial=_initial(d),
        finals=frozenset(s["id"] for s in d["states"] if s.get("final")), steps=tuple(steps),
        steps_by_event=by_event, checks=tuple(checks), machine=machine,
        validator=store.record_validator(c.schema_rel), view=view_plan(store, schema_doc, base),
        digest=_digest(c, checks, calendar), document=c.doc, record_schema=c.schema_rel, rules=rules,
        replay=replay_table(machine), optional=c.optional,
        needed_events=frozenset(n for ck in checks for n in ck.needs if n in optional_events))


def _machine(d: Mapping[str, Any], steps: list[StepDef]) -> tuple[Machine, dict[str, tuple[StepDef, ...]]]:
    """The process's one ``transitions`` Machine, and its steps by event type."""
    machine = Machine(model=None, states=[s["id"] for s in d["states"]], initial=_initial(d),
                      auto_transitions=False, send_event=True, ignore_invalid_triggers=False)
    by_event: dict[str, list[StepDef]] = {}
    for st in steps:
        by_event.setdefault(st.event, []).append(st)
        machine.add_transition(st.event, list(st.follows), st.to,
                               conditions=[_guard(st)] if st.when is not None else None, before=[_marker(st)])
    return machine, {k: tuple(v) for k, v in by_event.items()}


def _initial(d: Mapping[str, Any]) -> str:
    """The id of the initial state (lint made sure there is exactly one)."""
    initial: str = next(s["id"] for s in d["states"] if s.get("initial"))
    return initial


def _digest(c: _Compiler, checks: list[CheckDef], calendar: Calendar | None) -> str:
    """The definition's content: the document, the schemas it $refs, and what its resources, calendar and windows answer."""
    resources = sorted({r for ck in checks for r in ck.impl.resources()})
    res_data = [[kind, name, _content(c.resource(kind, name))] for kind, name in resources]
    cal_data = calendar.digest() if calendar is not None else None  # (never the broken one: it is an error)
    # What the windows answer, not how they are written. Folded in only when a case names
    # them, so that the digest of a process without `during:` is what it always was.
    win_data = sorted([name, w.digest()] for name, w in c.windows_used.items())
    schemas = [doc for _, doc in c.store.closure(c.schema_rel)]  # the record schema and all it $refs
    return canonical_digest(c.doc.data, schemas, res_data, cal_data, *([win_data] if win_data else []))


def replay_table(machine: Machine) -> dict[tuple[str, str], tuple[StepDef, ...]]:
    """The machine's transitions as a (state, event) table of the steps it would try, in its order.

    Read off the built ``transitions`` Machine, which stays the definition (graph, lint and
    validation use it): a record is then replayed with a dict lookup and the steps' guards,
    about ten times faster than triggering the machine, to the same step and state.
    """
    table: dict[tuple[str, str], tuple[StepDef, ...]] = {}
    for name, event in machine.events.items():
        for state, transitions in event.transitions.items():
            steps = []
            for t in transitions:
                step = next(cb.step for cb in t.before if isinstance(cb, _Marker))
                assert t.dest == step.to, (t.dest, step.to)
                steps.append(step)
            table[(state, name)] = tuple(steps)
    return table


def _did_you_mean(name: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else (f"declared: {', '.join(sorted(known))}" if known else "")


@runtime_checkable
class Digestible(Protocol):
    """A resource built into an object (Calendar, PromotionWindows, a check type's table such as
    QualificationTable): its share of a digest is what it answers, never where it was read from."""

    def digest(self) -> Any: ...


def _content(data: Any) -> Any:
    """A resource's share of the digest: its own digest when it is a built object."""
    return data.digest() if isinstance(data, Digestible) else data


class ReplayModel(Protocol):
    """What a model that triggers the machine holds: the step taken and the guards that failed
    (the engine replays with ``replay_table``; tests/test_replay_table.py triggers the machine)."""

    step: StepDef | None
    guard_errors: list[tuple[str, str]]


def _guard(step: StepDef) -> Callable[[EventData], bool]:
    when = step.when
    assert when is not None, "only a step with `when` has a guard"

    def guard(ev: EventData) -> bool:
        try:
            return when.test(ev.kwargs["variables"])
        except Exception as exc:  # noqa: BLE001 - whatever a guard raises (a missing field, a CEL error) means the step does not apply
            cast(ReplayModel, ev.model).guard_errors.append((step.id, str(exc)))
            return False
    return guard


@dataclass(frozen=True, eq=False)
class _Marker:
    """The ``before`` callback of a step's transition: how replay_table finds the step of a transition."""

    step: StepDef

    def __call__(self, ev: EventData) -> None:
        cast(ReplayModel, ev.model).step = self.step


def _marker(step: StepDef) -> _Marker:
    return _Marker(step)

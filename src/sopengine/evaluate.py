"""Stage 4, evaluate: one record + ``now`` → one Result, as a pure function.

The record's events are replayed through the process's (state, event) table, read
off its state machine at compile time; each event is checked against the step it performs
(right state? right role? on time?). Then the checks that apply in the reached
state run, and the steps expected next become next actions with due times.
Nothing here mutates the compiled process, so any number of threads may
evaluate with one engine. The checks' half of the run is evaluate_checks.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from operator import itemgetter
from typing import Any

from .chrono.instants import (
    ValueProblem,
    format_duration,
    parse_instant,
    rfc3339,
)
from .chrono.reader import CalendarRangeError
from .chrono.sla import Deadline, Found, Sla, TimeContext
from .compile import CompiledProcess, StepDef
from .errors import EvaluationError
from .evaluate_checks import CheckStage, severity_at_least_warning
from .expr import Bindings, Expression
from .loader import escape
from .plan.events import BY_TYPE, index_events
from .results import (
    NextAction,
    Result,
    SourceRef,
    Text,
    deferred,
    make_action,
    make_result,
)
from .rulebook import (
    DEADLINE_UNEVALUABLE,
    DUE_SOON,
    EVENT_UNKNOWN,
    LATE,
    OUT_OF_ORDER,
    OVERDUE,
    WRONG_ROLE,
    declared,
)
from .trace import Entry, Steps, Trace, event_line, start_line, unmatched_line
from .view import build_view, screened_view, view_problem

_AT = itemgetter("at")


def _instant(value: Any, tz: tzinfo, field: str) -> datetime:
    try:
        return parse_instant(value, tz)
    except ValueProblem as exc:  # (the pointer is written only then)
        raise ValueProblem(f"/{escape(field)}: {exc}") from None


class _Run(CheckStage):
    def __init__(self, proc: CompiledProcess, record: Mapping[str, Any], now: datetime, tables: Mapping[str, Any],
                 recorded: frozenset[str] = frozenset(), screened: bool = False, head: Iterable[Entry] = ()) -> None:
        super().__init__()
        self.proc, self.record, self.now, self.tables, self.screened = proc, record, now, tables, screened
        self.recorded = recorded  # optional data the shop declares it records: its absence is a breach
        self.tz = proc.timezone
        self.actions: list[NextAction] = []
        self.trace = Trace(head)
        self.steps = Steps()

    def run(self) -> str:
        proc, tz = self.proc, self.tz
        try:
            view = (screened_view if self.screened else build_view)(self.record, proc.view, tz)
        except ValueProblem:
            raise view_problem(self.record, proc.view, tz) from None
        raw_events = self.record.get("events") or []
        events: list[Mapping[str, Any]] = []
        in_order, last = True, None
        for i, e in enumerate(raw_events):
            try:
                at = parse_instant(e["at"], tz)
            except ValueProblem as exc:  # (the pointer is written only then)
                raise ValueProblem(f"/events/{i}/at: {exc}") from None
            if in_order and last is not None and at < last:
                in_order = False
            last = at
            copied = e.copy() if type(e) is dict else dict(e)  # (a dict's own copy: half the time of {**e})
            copied["at"], copied["_index"] = at, i
            events.append(copied)
        ev_view: list[Any] = []
        if events:
            shown = view["events"]
            if in_order and type(shown) is list:  # as most systems write them: the view's own list, in its order
                ev_view = shown
            else:
                events.sort(key=_AT)  # stable: events at one instant keep their order
                ev_view = [shown[e["_index"]] for e in events]
        self.vars: dict[str, Any] = {"record": view, "events": ev_view, "event": {}, "item": None, "index": 0,
                                     "state": proc.initial, "now": self.now}
        by_type = index_events(ev_view)  # read by the plans' comprehensions over events of one type
        if by_type is not None:
            self.vars[BY_TYPE] = by_type
        start = None
        if proc.start_field and self.record.get(proc.start_field) is not None:
            start = _instant(self.record[proc.start_field], tz, proc.start_field)
        elif events:
            start = events[0]["at"]
        state = proc.initial
        entered = start
        self.trace.later(start_line, proc.initial, start, tz)
        # what the SLAs look at: one for the record, moved along the replay (they keep nothing of it)
        self.clock: TimeContext = TimeContext(self.record, tz, self.now, None, events, self.vars)
        state, entered = self.replay(state, entered, events, ev_view)
        # from here on the variables no longer change: convert them to CEL once for all checks and deadlines
        self.vars = Bindings({**self.vars, "state": state, "event": {}})
        self.next_actions(state, entered, events)
        self.run_checks(state, events)
        self._report_unlisted()
        return state

    # -- replay -----------------------------------------------------------
    def replay(self, state: str, entered: datetime | None, events: list[Mapping[str, Any]],
               ev_view: list[Any]) -> tuple[str, datetime | None]:
        """The sorted events, one by one: the state they lead to and when it was entered. Each event's step is
        the first of the (state, event) table whose guard holds, as the machine's own trigger would choose.
        One loop for all of them: the usual event (its first step unguarded, done in time by an allowed role)
        costs a table lookup, its trace entry and its step; pointers and times are written only for a finding."""
        table, tz, variables = self.proc.replay, self.tz, self.vars  # the replay's variables: "event" and "state" change
        trace, done = self.trace.entries.append, self.steps.done.append  # (Trace.later's entry, without the call)
        for k, ev in enumerate(events):
            etype: Any = ev.get("type")
            at = ev["at"]
            steps = table.get((state, etype), ()) if type(etype) is str else ()
            if steps and steps[0].when is None:
                step = steps[0]
                variables["event"], variables["state"] = ev_view[k], state
            elif (chosen := self._choose(state, ev, ev_view[k], etype, at)) is not None:
                step = chosen
            else:
                continue  # no step: the state stays
            to = step.to
            if step.skips and state in step.skips and state not in step.sources:
                self.skipped(step, state, ev, etype)
            role = ev.get("role")
            if role is None or type(role) is str:  # immutable: formatted when read
                trace((event_line, (at, tz, etype, role, step.id, state, to)))
            else:
                trace(event_line(at, tz, etype, role, step.id, state, to))
            done((ev["_index"], step.id, state, to))
            if role not in step.roles:
                self.wrong_role(step, ev, role, at)
            if step.sla is not None:
                self.on_time(step, ev, at, entered, k)
            # A self-loop (chasing the carrier while shipped) is an internal transition: the clocks
            # of the state keep running from when it was entered, or ORD-09's 15 days would restart.
            if to != state:
                state, entered = to, at
        return state, entered

    def _choose(self, prior: str, ev: Mapping[str, Any], ev_view: Any, etype: Any, at: datetime) -> StepDef | None:
        """The step of an event whose first step in the table is guarded, or that has none there: the first
        whose guard holds; else, out of order, the first that fits (None, reported, if none does)."""
        proc, tz = self.proc, self.tz
        if not isinstance(etype, str) or not (steps := proc.steps_by_event.get(etype)):  # (the schema asks for a string)
            self.violation(EVENT_UNKNOWN, "error", proc.rules[EVENT_UNKNOWN].clauses,
                           f"事件类型 {etype!r} 不是流程 {proc.id} 的任何步骤", f"event type {etype!r} is not a step of process {proc.id}",
                           f"/events/{ev['_index']}/type", {"event": etype, "at": rfc3339(at, tz)})
            return None
        variables = self.vars
        variables["event"], variables["state"] = ev_view, prior
        guard_errors: list[tuple[str, str]] | None = None  # (made only when a guard raises)
        for candidate in proc.replay.get((prior, etype), ()):
            guard = candidate.when
            if guard is None:
                return candidate
            try:
                holds = guard.test(variables)
            except Exception as exc:  # noqa: BLE001 - whatever a guard raises (a missing field, a CEL error) means the step does not apply
                guard_errors = [*(guard_errors or ()), (candidate.id, str(exc))]
                continue
            if holds:
                return candidate
        fits = [s for s in steps if s.when is None or _safe_test(s.when, variables)]
        step = fits[0] if fits else steps[0]
        detail = "; ".join(f"{sid}: {msg}" for sid, msg in guard_errors or ())
        self.out_of_order(step, prior, ev, etype, detail, fits or steps)
        if not fits:
            self.trace.later(unmatched_line, at, tz, etype, prior)
            return None
        return step

    def wrong_role(self, step: StepDef, ev: Mapping[str, Any], role: Any, at: datetime) -> None:
        path, when = f"/events/{ev['_index']}", rfc3339(at, self.tz)
        who = f"角色 {role}" if role else "未注明角色"
        self.violation(WRONG_ROLE.id(step.id), "error", step.clauses,
                       f"步骤“{step.title.zh}”由{who}执行，应由 {'、'.join(step.roles)} 执行",
                       f"step '{step.title.en}' was done by {('role ' + role) if role else 'no stated role'}; allowed: {', '.join(step.roles)}",
                       path + "/role", {"role": role, "allowed": list(step.roles), "actor": ev.get("actor"), "at": when})

    def on_time(self, step: StepDef, ev: Mapping[str, Any], at: datetime, entered: datetime | None, k: int) -> None:
        """The step's SLA read at the event: its ``now`` is the event's time, the events so far those before it."""
        sla = step.sla
        assert sla is not None, "only a step with an SLA"
        ctx, variables = self.clock, self.vars
        ctx.now, ctx.state_entered, ctx.upto, ctx.variables = at, entered, k, variables
        variables["now"] = at
        try:
            found = self._found(sla, ctx, step.id)
        finally:
            variables["now"] = self.now
        if found is not None and (at > found[0] or found[4]):  # late, or estimated: said with a Deadline
            dl = self._made(sla, found, step.id)
            if at <= dl.due:
                return
            tz = self.tz
            path, when, due = f"/events/{ev['_index']}", rfc3339(at, tz), rfc3339(dl.due, tz)
            late = format_duration(at - dl.due)
            zh, en, evidence = dl.labelled(
                f"步骤“{step.title.zh}”于 {when} 完成，期限为 {due}，迟了 {late}",
                f"step '{step.title.en}' done at {when}, due {due}: {late} late",
                {"due": due, "at": when, "late_by": late, "sla": dl.text})
            self.violation(LATE.id(step.id), dl.severity(sla.severity), dl.case.clauses, zh, en, path + "/at", evidence)

    def skipped(self, step: StepDef, prior: str, ev: Mapping[str, Any], etype: str) -> None:
        """A step done after optional steps were left out. The checks that need the missing event report it
        (once); otherwise it is out of order where the shop records that event, and unverified where it does not."""
        by_id = {s.id: s for s in self.proc.steps}
        left_out = [by_id[i] for i in step.skips[prior]]
        events = [s.event for s in left_out if s.event not in self.proc.needed_events]
        if not events:
            return
        have = {e.get("type") for e in self.record.get("events") or [] if isinstance(e, Mapping)}
        if all(e not in self.recorded and e not in have for e in events):
            self.unverify(OUT_OF_ORDER.id(step.id), step.clauses, events)
            return
        self.out_of_order(step, prior, ev, etype)

    def out_of_order(self, step: StepDef, prior: str, ev: Mapping[str, Any], etype: str, detail: str = "",
                     steps: Sequence[StepDef] = ()) -> None:
        """``steps``: every step this event could have been (a refund follows five states, not only the
        first refund step's on_hold); the states named are theirs."""
        path, when = f"/events/{ev['_index']}", rfc3339(ev["at"], self.tz)
        states = list(dict.fromkeys(s for st in (steps or (step,)) for s in st.sources))
        self.violation(OUT_OF_ORDER.id(step.id), "error", step.clauses,
                       f"步骤“{step.title.zh}”（{etype}）不能在状态 {prior} 下执行；应在 {'、'.join(states)} 之后" + (f"（{detail}）" if detail else ""),
                       f"step '{step.title.en}' ({etype}) is not allowed in state {prior}; it follows {', '.join(states)}" + (f" ({detail})" if detail else ""),
                       path, {"event": etype, "state": prior, "expected_states": states, "at": when})

    def _at_now(self, entered: datetime | None) -> TimeContext:
        """The SLAs' context after the replay: at ``now``, every event happened, the variables final."""
        ctx = self.clock
        ctx.now, ctx.state_entered, ctx.upto, ctx.variables = self.now, entered, None, self.vars
        return ctx

    def _deadline(self, sla: Sla, ctx: TimeContext, owner: str) -> Deadline | None:
        found = self._found(sla, ctx, owner)
        return None if found is None else self._made(sla, found, owner)

    def _made(self, sla: Sla, found: Found, owner: str) -> Deadline:
        """``_deadline``'s Deadline, for what ``_found`` found."""
        dl = sla.made(found)
        if dl.estimated:
            self.trace.add(f"{owner}: {dl.explain()}")
        return dl

    def _found(self, sla: Sla, ctx: TimeContext, owner: str) -> Found | None:
        try:
            return sla.find(ctx)
        except CalendarRangeError as exc:  # the time data stops short of this record: say so, never guess
            self.violation(DEADLINE_UNEVALUABLE.id(owner), "error", sla.clauses,
                           f"无法计算期限 {sla.id}：{exc}", f"cannot compute deadline {sla.id}: {exc}", "",
                           {"sla": sla.id, "day": exc.day.isoformat(), "data": exc.calendar,
                            "covered": f"{exc.covered[0].isoformat()}..{exc.covered[1].isoformat()}"})
            return None
        except (EvaluationError, ValueProblem) as exc:
            self.violation(DEADLINE_UNEVALUABLE.id(owner), severity_at_least_warning(sla.severity), sla.clauses,
                           f"无法计算期限 {sla.id}：{exc}", f"cannot compute deadline {sla.id}: {exc}", "", {"sla": sla.id})
            return None

    # -- next actions -----------------------------------------------------
    def next_actions(self, state: str, entered: datetime | None, events: list[Mapping[str, Any]]) -> None:
        if state in self.proc.finals:
            return
        for step in _expected_next(self.proc, state, self.recorded):
            if step.expected_when is not None and not self._test(step.expected_when, step.id, step.clauses,
                                                                 step.sla.severity if step.sla else "error"):
                continue
            dl = None
            if step.sla is not None:
                dl = self._deadline(step.sla, self._at_now(entered), step.id)
            self._action(step.id, step.title, step.roles, step.clauses, dl, f"step {step.id}")

    def _action(self, action: str, title: Text, roles: tuple[str, ...], clauses: tuple[str, ...], dl: Deadline | None, owner: str) -> None:
        overdue = dl is not None and self.now > dl.due
        due = rfc3339(dl.due, self.tz) if dl else None
        self.actions.append(make_action(action, roles[0], due, dl.case.clauses if dl else clauses, title,
                                        dl.text if dl else None, overdue, roles))
        if dl is None:
            return
        rule = declared(action)
        if overdue:
            late = format_duration(self.now - dl.due)
            zh, en, ev = dl.labelled(f"“{title.zh}”（{roles[0]}）已逾期：期限 {due}，已超 {late}",
                                     f"'{title.en}' ({roles[0]}) is overdue: due {due}, {late} late",
                                     {"action": action, "role": roles[0], "due": due, "late_by": late, "sla": dl.text})
            self.violation(OVERDUE.id(rule), dl.severity(dl.sla.severity), dl.case.clauses, zh, en, "", ev)
        elif dl.sla.warn_at is not None:
            used = dl.fraction_used(self.now)
            if used is not None and used >= dl.sla.warn_at:
                left = format_duration(dl.due - self.now)
                zh, en, ev = dl.labelled(f"“{title.zh}”临近期限：{due} 前完成，剩余 {left}",
                                         f"'{title.en}' is due soon: by {due}, {left} left",
                                         {"action": action, "role": roles[0], "due": due, "left": left, "used": round(used, 3)})
                self.violation(DUE_SOON.id(rule), dl.severity("warning"), dl.case.clauses, zh, en, "", ev)

@lru_cache(maxsize=1024)
def _expected_next(proc: CompiledProcess, state: str, recorded: frozenset[str]) -> tuple[StepDef, ...]:
    """The expected steps offered next in ``state``, in the process's order: those with ``state`` among
    their sources, or reached from it by skipping optional steps the shop does not record. The same for
    every record in that state, so found once."""
    by_id = {s.id: s for s in proc.steps}
    return tuple(s for s in proc.steps if s.expected and (
        state in s.sources or (state in s.skips and not any(by_id[i].event in recorded for i in s.skips[state]))))


def _safe_test(e: Expression, variables: Mapping[str, Any]) -> bool:
    try:
        return e.test(variables)
    except EvaluationError:
        return False


def evaluate_record(proc: CompiledProcess, record: Mapping[str, Any], now: datetime,
                    tables: Mapping[str, Any], source: SourceRef | None = None,
                    recorded: frozenset[str] = frozenset(), screened: bool = False,
                    head: Iterable[Entry] = ()) -> Result:
    """``record`` judged by ``proc`` at ``now``. ``screened``: the caller has found it plain JSON data
    (``inputs.json_data.screen``); ``head``: trace lines that come first (why this version judges it)."""
    rid = record.get("id") if isinstance(record.get("id"), str) else None
    problems = proc.validator.errors(record)
    if problems:
        return Result(rid, proc.id, proc.version, None, error=f"record does not match {proc.record_schema}: " + "; ".join(problems),
                      digest=proc.digest, source=source, trace=deferred(Trace(head)))
    run = _Run(proc, record, now, tables, recorded, screened, head)
    try:
        state = run.run()
    except ValueProblem as exc:
        return Result(rid, proc.id, proc.version, None, error=f"bad value: {exc}", digest=proc.digest, source=source,
                      trace=deferred(Trace(head)))
    return make_result(rid, proc.id, proc.version, state, tuple(run.violations), tuple(run.actions), proc.digest, source,
                       deferred(run.trace), tuple(run.unverified.values()), deferred(run.steps))

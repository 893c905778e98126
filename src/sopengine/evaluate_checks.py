"""Stage 4, evaluate, its second half: the checks that apply in the state a record's replay reached.

Apart from the replay (evaluate.py) because the two share only the run's findings and its
variables: the replay moves the state event by event, this half reads the final variables
once. Each distinct ``when`` is asked once per record, a check's own closure (``verdict``)
answers first, and only a hit goes on to what costs: the contract's question whether the
shop records what the hit rests on (``contract.standing``), the messages and the masking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from .checks import CheckContext, Hit
from .chrono.instants import ValueProblem
from .chrono.sla import Deadline, Sla, TimeContext
from .compile import CheckDef, CompiledProcess
from .contract import standing, unmet
from .errors import EvaluationError
from .expr import Expression
from .findings import MAX_LISTED, Findings
from .plan.events import BY_TYPE
from .plan.translate import SURPRISES
from .render import render_all
from .results import SEVERITY_RANK, NextAction, Text
from .rulebook import unevaluable
from .trace import Trace


class CheckStage(Findings):
    """The check half of one record's run; ``evaluate._Run`` is the whole run and sets what is declared here."""

    proc: CompiledProcess
    record: Mapping[str, Any]
    now: datetime
    tz: tzinfo
    tables: Mapping[str, Any]
    recorded: frozenset[str]  # optional data the shop declares it records: its absence is a breach
    vars: dict[str, Any]
    trace: Trace
    actions: list[NextAction]

    if TYPE_CHECKING:  # the run's deadlines and actions (evaluate._Run), which a check's ``action`` uses too
        def _deadline(self, sla: Sla, ctx: TimeContext, owner: str) -> Deadline | None: ...
        def _action(self, action: str, title: Text, roles: tuple[str, ...], clauses: tuple[str, ...],
                    dl: Deadline | None, owner: str) -> None: ...

    def _test(self, expr: Expression, owner: str, clauses: tuple[str, ...], severity: str,
              extra: Mapping[str, Any] | None = None) -> bool:
        try:
            return expr.test({**self.vars, **extra} if extra else self.vars)
        except EvaluationError as exc:
            self._unevaluable(expr, owner, clauses, severity, exc)
            return False

    def _unevaluable(self, expr: Expression, owner: str, clauses: tuple[str, ...], severity: str, exc: EvaluationError) -> None:
        self.violation(unevaluable(owner), severity_at_least_warning(severity), clauses, f"无法判断：{exc}（{expr.source}）",
                       f"could not evaluate: {exc} ({expr.source})", "", {"expression": expr.source, "error": str(exc)})

    def run_checks(self, state: str, events: list[Mapping[str, Any]]) -> None:
        variables = self.vars
        ctx = CheckContext(self.record, self.now, state, self.tz, events, variables, self.tables)
        checks, guards = _checks_in(self.proc, state)
        held: list[bool | None] = [None] * guards  # each distinct ``when`` once per record (an error is not kept)
        for ck, guard, when, verdict in checks:
            if guard >= 0:
                holds = held[guard]
                if holds is None:
                    try:  # its plan's true or false is test's answer; anything else, test says
                        holds = when(variables) if when is not None else None
                    except SURPRISES:
                        holds = None
                    if holds is not True and holds is not False:
                        try:
                            holds = ck.when.test(variables)  # type: ignore[union-attr]  # (guard >= 0: it has one)
                        except EvaluationError as exc:  # reported for each check it guards, as each one asked
                            self._unevaluable(ck.when, ck.id, ck.clauses, ck.severity, exc)  # type: ignore[arg-type]
                            continue
                    held[guard] = holds
                if not holds:
                    continue
            said = None
            if verdict is not None:  # the check's own closure first: true means run() would answer ()
                try:
                    said = verdict(variables)
                except SURPRISES:
                    pass  # run() says what it is
                if said is True and not ctx.trace:
                    continue
            try:
                answer = ck.impl.refuted(ctx) if said is False else ck.impl.run(ctx)
                if answer == () and not ctx.trace:
                    continue  # nothing found, nothing to trace: the common answer of an expression check
                hits: Sequence[Hit]
                if type(answer) is tuple and len(answer) < MAX_LISTED:  # a refuted assertion's one hit: as it is
                    hits, rest = answer, {}
                else:
                    found = iter(answer)
                    hits = list(islice(found, MAX_LISTED))
                    rest = Counter((h.suffix, h.severity or ck.severity) for h in found) if len(hits) == MAX_LISTED else {}
                    # (the rest are counted, never all held in memory)
            except (EvaluationError, ValueProblem) as exc:
                self.violation(unevaluable(ck.id), severity_at_least_warning(ck.severity), ck.clauses, f"无法判断：{exc}", f"could not evaluate: {exc}",
                               "", {"error": str(exc)})
                if ctx.trace:  # what it traced before it failed is its own, not the next check's
                    self._take_trace(ck, ctx)
                continue
            if not hits:  # the record complies (the common case)
                if ctx.trace:
                    self._take_trace(ck, ctx)
                continue
            if ck.needs and (lacking := unmet(ck.needs, self.record, self.proc.optional, self.recorded, variables.get(BY_TYPE))):
                # the shop does not record data it needs: a hit that stands whatever that data holds is a breach,
                # the others are not checked (contract.standing)
                kept = standing(ck, hits, self.vars, self.proc.optional, self.recorded)
                if len(kept) < len(hits) or rest:
                    self.unverify(ck.id, ck.clauses, lacking)
                if not (hits := kept):
                    if ctx.trace:
                        self._take_trace(ck, ctx)
                    continue
                rest = {}
            fired = False
            for h in hits:
                if h.needs and (lacking := unmet(h.needs, self.record, self.proc.optional, self.recorded, variables.get(BY_TYPE))):
                    self.unverify(ck.id, ck.clauses, lacking)  # this finding rests on data the shop does not keep
                    continue
                self._hit(ck, h)
                fired = True
            if ctx.trace:
                self._take_trace(ck, ctx)
            for (suffix, severity), n in rest.items():
                self._unlist(ck.id + suffix, severity, ck.clauses, n)
            if fired and ck.action is not None:
                a = ck.action
                dl = self._deadline(a.sla, TimeContext(self.record, self.tz, self.now, None, events, self.vars), a.id) if a.sla else None
                self._action(f"{a.id}", a.title, (a.role,), ck.clauses, dl, ck.id)

    def _take_trace(self, ck: CheckDef, ctx: CheckContext) -> None:
        """The lines a check added to the trace (why something did not fire), under its id."""
        self.trace.entries.extend(f"{ck.id}: {line}" for line in ctx.trace)
        ctx.trace.clear()

    def _hit(self, ck: CheckDef, h: Hit) -> None:
        rule = ck.id + h.suffix if h.suffix else ck.id
        if self._listed.get(rule, 0) >= MAX_LISTED:  # before its message is rendered
            self._unlist(rule, h.severity or ck.severity, ck.clauses)
            return
        ev = h.evidence  # read by the templates, then copied (masked) into the violation
        msg = h.message or ck.message
        shown = {"params": ck.param_text, **ev} if ck.param_text else ev  # {params.x}: the value this compile uses
        zh, en = render_all((msg.zh, msg.en), shown)
        self.violation(rule, h.severity or ck.severity, ck.clauses, zh, en, h.path, ev)


@lru_cache(maxsize=1024)
def _checks_in(proc: CompiledProcess, state: str) -> tuple[tuple[tuple[CheckDef, int, Any, Any], ...], int]:
    """The checks that apply in ``state``, in the process's order, each with the number of its ``when``
    among the distinct ones (-1: none; one text, extra variables and constants compile to one verdict,
    so a record asks it once), that ``when``'s plan and its check type's ``verdict`` closure; and how
    many distinct there are. The same for every record in that state, so found once."""
    out: list[tuple[CheckDef, int, Any, Any]] = []
    numbers: dict[tuple[Any, ...], int] = {}
    for ck in proc.checks:
        if ck.states is not None and state not in ck.states:
            continue
        guard = -1
        if ck.when is not None:
            key = (ck.when.source, ck.when.extra, tuple(sorted(ck.when.consts.items())))
            guard = numbers.setdefault(key, len(numbers))
        out.append((ck, guard, ck.when.plan if ck.when is not None else None, ck.impl.verdict()))
    return tuple(out), len(numbers)


def severity_at_least_warning(severity: str) -> str:
    """The severity of a finding that a rule could not be evaluated: at least the rule's own (a
    warning-level ":unevaluable" let an error-level rule that never ran pass ``--fail-on error``)."""
    return severity if SEVERITY_RANK[severity] >= SEVERITY_RANK["warning"] else "warning"

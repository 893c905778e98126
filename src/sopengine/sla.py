"""Deadlines: an SLA compiled once, asked for a due instant per record.

An SLA is a clock that starts at an anchor (the time the current state was
entered, a record field, an event, or now) and runs for a span (a duration, or
working time of a calendar), with conditional cases (48 h instead of 24 h in a
big promotion) and an optional CEL ``due`` for deadlines the record itself
states (an agreed ship date). Spans are objects with one method, ``add``, so a
new kind of span (working days, review batches) is one class in ``spans``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Sequence

from .expr import Expression
from .values import ValueProblem, format_duration, parse_duration, parse_instant


class SlaError(Exception):
    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.message, self.pointer = message, pointer


@dataclass(frozen=True)
class DurationSpan:
    """A plain duration: wall-clock time, days off included (ship within 24 h)."""

    delta: timedelta
    text: str

    def add(self, start: datetime) -> datetime:
        return start + self.delta

    def __str__(self) -> str:
        return self.text


SpanParser = Callable[[str, Any], Any]


def parse_span(text: str, calendar: Any) -> Any:
    """The span parsers are tried in order; the plain duration is the fallback."""
    from .spans import SPAN_PARSERS  # late: spans may import calendars

    for parser in SPAN_PARSERS:
        span = parser(text, calendar)
        if span is not None:
            return span
    try:
        return DurationSpan(parse_duration(text), text)
    except ValueProblem as exc:
        raise SlaError(str(exc)) from None


@dataclass(frozen=True)
class Anchor:
    kind: str  # state_entered | now | field | event
    name: str = ""
    which: str = "latest"

    def __str__(self) -> str:
        if self.kind == "field":
            return self.name
        if self.kind == "event":
            return f"{self.which} {self.name} event"
        return self.kind.replace("_", " ")

    @staticmethod
    def parse(spec: Any) -> "Anchor":
        if spec is None or spec == "state_entered":
            return Anchor("state_entered")
        if spec == "now":
            return Anchor("now")
        if isinstance(spec, Mapping) and "field" in spec:
            return Anchor("field", spec["field"])
        if isinstance(spec, Mapping) and "event" in spec:
            return Anchor("event", spec["event"], spec.get("which", "latest"))
        raise SlaError(f"unknown anchor {spec!r}", "/from")


@dataclass
class TimeContext:
    """What an SLA may look at: built by the evaluator, for one record at one point of its replay."""

    record: Mapping[str, Any]
    tz: Any
    now: datetime
    state_entered: datetime | None
    events: Sequence[Mapping[str, Any]]  # events so far, sorted, "at" aware
    variables: Mapping[str, Any]  # CEL variables


def _field(record: Mapping[str, Any], dotted: str) -> Any:
    cur: Any = record
    for part in dotted.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def anchor_time(anchor: Anchor, ctx: TimeContext) -> datetime | None:
    if anchor.kind == "state_entered":
        return ctx.state_entered
    if anchor.kind == "now":
        return ctx.now
    if anchor.kind == "field":
        raw = _field(ctx.record, anchor.name)
        if raw is None:
            return None
        return parse_instant(raw, ctx.tz)
    times = [e["at"] for e in ctx.events if e.get("type") == anchor.name]
    if not times:
        return None
    return times[0] if anchor.which == "first" else times[-1]


@dataclass(frozen=True)
class Case:
    id: str
    when: Expression | None
    span: Any | None
    due: Expression | None
    anchor: Anchor
    clauses: tuple[str, ...]

    def describe(self) -> str:
        if self.due is not None:
            return f"due {self.due.source}"
        return f"within {self.span} of {self.anchor}"


@dataclass(frozen=True)
class Deadline:
    due: datetime
    start: datetime | None
    case: Case
    sla: "Sla"

    @property
    def text(self) -> str:
        return f"{self.sla.id}: {self.case.describe()}" if self.case.id == self.sla.id else f"{self.case.id}: {self.case.describe()}"

    def fraction_used(self, at: datetime) -> float | None:
        if self.start is None or self.due <= self.start:
            return None
        return (at - self.start) / (self.due - self.start)


@dataclass(frozen=True)
class Sla:
    id: str
    cases: tuple[Case, ...]  # conditional cases first, the default last
    warn_at: float | None
    severity: str
    clauses: tuple[str, ...]

    def deadline(self, ctx: TimeContext) -> Deadline | None:
        """The due instant for this record, or None when its anchor is not known yet."""
        for case in self.cases:
            if case.when is not None and not case.when.test(ctx.variables):
                continue
            if case.due is not None:
                raw = case.due.evaluate(ctx.variables)
                if raw is None:
                    return None
                due = parse_instant(raw, ctx.tz)
                return Deadline(due, anchor_time(case.anchor, ctx), case, self)
            start = anchor_time(case.anchor, ctx)
            if start is None:
                return None
            return Deadline(case.span.add(start), start, case, self)
        return None


def compile_sla(spec: Mapping[str, Any], default_id: str, clauses: Sequence[str],
                compile_expr: Callable[[str, str], Expression], calendar: Any) -> Sla:
    """``compile_expr(source, pointer)``; every error is an SlaError with a pointer inside ``spec``."""
    sla_id = spec.get("id", default_id)
    own_clauses = tuple(spec.get("clauses") or clauses)

    def case(c: Mapping[str, Any], ptr: str, cid: str, when: Expression | None) -> Case:
        span = due = None
        if "within" in c:
            try:
                span = parse_span(c["within"], calendar)
            except SlaError as exc:
                raise SlaError(exc.message, f"{ptr}/within") from None
        if "due" in c:
            due = compile_expr(c["due"], f"{ptr}/due")
        anchor = Anchor.parse(c.get("from", spec.get("from")))
        return Case(cid, when, span, due, anchor, tuple(c.get("clauses") or own_clauses))

    cases = []
    for i, c in enumerate(spec.get("cases") or ()):
        when = compile_expr(c["when"], f"/cases/{i}/when")
        cases.append(case(c, f"/cases/{i}", c.get("id", f"{sla_id}.case{i + 1}"), when))
    if "within" in spec or "due" in spec:
        cases.append(case(spec, "", sla_id, None))
    return Sla(sla_id, tuple(cases), spec.get("warn_at"), spec.get("severity", "error"), own_clauses)


def lateness(due: datetime, at: datetime) -> str:
    return format_duration(at - due)

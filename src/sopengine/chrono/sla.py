"""Deadlines: an SLA compiled once, asked for a due instant per record.

An SLA is a clock that starts at an anchor (the time the current state was
entered, a record field, an event, or now) and runs for a span (a duration, or
working time of a calendar), with conditional cases (48 h instead of 24 h in a
big promotion) and an optional CEL ``due`` for deadlines the record itself
states (an agreed ship date). Spans are objects with ``add`` and
``fraction_used``, so a new kind of span (working days, review batches) is one
class in ``spans``.

A case applies when its CEL ``when`` holds and, if it names ``during``, when its
anchor instant falls inside a window of that PromotionWindows resource (ORD-06:
48 h for an order placed inside 双11). The windows are data in the rules tree,
so a record needs no flag saying it was a promotion order.

Questions the time data cannot answer (a date beyond the calendar's years)
raise ``CalendarRangeError`` out of ``Sla.deadline``; the evaluator turns it into
an ``<step>.unevaluable`` violation rather than guessing a deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import SlaError
from ..expr import Expression
from ..plan.parse import parse
from ..results import SEVERITY_RANK
from .instants import ValueProblem, format_duration, parse_instant
from .official import Estimate
from .spans import Span, parse_span, wall_fraction

if TYPE_CHECKING:  # pragma: no cover
    from .calendars import Calendar
    from .promotions import PromotionWindow, PromotionWindows


@dataclass(frozen=True)
class Anchor:
    kind: str  # state_entered | now | field | event
    name: str = ""
    which: str = "latest"
    parts: tuple[str, ...] = field(init=False, compare=False, repr=False)  # a field's dotted name, split once
    # a field's instant is the record's own, the same wherever the replay is: kept per record by this key
    key: tuple[str, ...] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.name.split(".")) if self.kind == "field" else ())
        object.__setattr__(self, "key", ("field", *self.parts) if self.kind == "field" else None)

    def __str__(self) -> str:
        if self.kind == "field":
            return self.name
        if self.kind == "event":
            return f"{self.which} {self.name} event"
        return self.kind.replace("_", " ")

    @staticmethod
    def parse(spec: Any) -> Anchor:
        if spec is None or spec == "state_entered":
            return Anchor("state_entered")
        if spec == "now":
            return Anchor("now")
        if isinstance(spec, Mapping) and "field" in spec:
            return Anchor("field", spec["field"])
        if isinstance(spec, Mapping) and "event" in spec:
            return Anchor("event", spec["event"], spec.get("which", "latest"))
        raise SlaError(f"unknown anchor {spec!r}", "/from")


@dataclass(slots=True)
class TimeContext:
    """What an SLA may look at: one record at one point of its replay. The evaluator makes one per
    record and moves it along the replay (``now``, ``state_entered``, ``upto``, the variables' ``now``,
    ``event`` and ``state``): an SLA keeps nothing of it. What reads only the record (``per_record``)
    is the same at every point, so ``known`` keeps it for the context's record, by what it reads."""

    record: Mapping[str, Any]
    tz: tzinfo
    now: datetime
    state_entered: datetime | None
    events: Sequence[Mapping[str, Any]]  # sorted, "at" aware
    variables: Mapping[str, Any]  # CEL variables: ``record`` and ``events`` stay those of ``record``
    upto: int | None = None  # only ``events[:upto]`` have happened at ``now`` (None: all of them)
    known: dict[Any, Any] = field(default_factory=dict)  # per_record key -> value (never an error)


# The variables that are the same at every point of one record's replay: the record's view, and all its
# events in time order (``events`` is never cut at the event; an event anchor is, through ``upto``).
PER_RECORD = frozenset({"record", "events"})


def _free(node: Any, bound: frozenset[str]) -> set[str]:
    """The variables a parsed expression (``plan.parse``'s tuples) reads, less the comprehension variables."""
    kind = node[0]
    if kind == "ident":
        return set() if node[1] in bound else {node[1]}
    if kind == "lit":
        return set()
    if kind == "macro":  # ("macro", name, target, var, body)
        return _free(node[2], bound) | _free(node[4], bound | {node[3]})
    out: set[str] = set()
    for part in node[1:]:
        if type(part) is tuple:
            out |= _free(part, bound)
        elif type(part) is list:
            for item in part:
                out |= _free(item, bound)
    return out


def per_record(expr: Expression | None) -> tuple[Any, ...] | None:
    """A key for ``expr``'s value if it reads nothing but ``PER_RECORD`` variables (and its own constants),
    as its parsed text shows: then it is worked out once per record, where the five campaign SLAs due at
    ``record.starts_at`` shared one key. None (asked every time) for anything else, or text the parser
    does not read."""
    if expr is None:
        return None
    try:
        node = parse(expr.source)
    except Exception:  # noqa: BLE001 - outside the parsed subset: no key, asked every time
        return None
    consts = {name.split(".", 1)[0] for name in expr.consts}
    if not _free(node, frozenset()) <= PER_RECORD | consts:
        return None
    return ("cel", expr.source, expr.extra, tuple(sorted(expr.consts.items())))


_UNKNOWN: Any = object()  # not in TimeContext.known yet


def _field(record: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    cur: Any = record
    for part in parts:
        if type(cur) is dict:  # a record read from JSON: no isinstance on the Mapping ABC (half the cost)
            if part not in cur:
                return None
        elif not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def anchor_time(anchor: Anchor, ctx: TimeContext) -> datetime | None:
    kind = anchor.kind
    if kind == "state_entered":
        return ctx.state_entered
    if kind == "field":  # the record's own: read once per record (ctx.known)
        known = ctx.known
        at = known.get(anchor.key, _UNKNOWN)
        if at is _UNKNOWN:
            raw = _field(ctx.record, anchor.parts)
            at = known[anchor.key] = None if raw is None else parse_instant(raw, ctx.tz)
        return at  # type: ignore[no-any-return]  # (what the branch above stored)
    if kind == "now":
        return ctx.now
    events = ctx.events if ctx.upto is None else ctx.events[:ctx.upto]
    times: list[datetime] = [e["at"] for e in events if e.get("type") == anchor.name]
    if not times:
        return None
    return times[0] if anchor.which == "first" else times[-1]


@dataclass(frozen=True)
class Case:
    id: str
    when: Expression | None
    span: Span | None
    due: Expression | None
    anchor: Anchor
    clauses: tuple[str, ...]
    during: PromotionWindows | None = None  # a PromotionWindows: the case applies inside one of its windows
    # its deadlines' text by (SLA id, window id): Deadline.text
    texts: dict[tuple[str, str | None], str] = field(default_factory=dict, compare=False, repr=False)
    when_key: tuple[Any, ...] | None = field(init=False, compare=False, repr=False)  # per_record(when)
    due_key: tuple[Any, ...] | None = field(init=False, compare=False, repr=False)  # per_record(due)

    def __post_init__(self) -> None:
        object.__setattr__(self, "when_key", per_record(self.when))
        object.__setattr__(self, "due_key", None if (k := per_record(self.due)) is None else ("due", *k))

    def describe(self) -> str:
        return self.described

    @cached_property
    def described(self) -> str:
        """What the case allows, in words (quoted by every deadline it gives: made once)."""
        if self.due is not None:
            return f"due {self.due.source}"
        assert self.span is not None, "a case has `within` or `due`"
        return self.span.describe(str(self.anchor))

    def window(self, at: datetime) -> PromotionWindow | None:
        """``during.lookup(at)``: CalendarRangeError outside the declared years. (Not remembered: a lookup
        bisects the windows' UTC bounds in about the time a table keyed by instant took to hash its key.)"""
        assert self.during is not None, "only a `during` case has windows"
        return self.during.lookup(at)


@dataclass(frozen=True)
class Deadline:
    due: datetime
    start: datetime | None
    case: Case
    sla: Sla
    window: PromotionWindow | None = None  # the PromotionWindow that selected the case, quoted in messages
    estimated: tuple[int, ...] = ()  # years of the calendar counted from an estimate, not published data
    estimate: Estimate | None = None  # the calendar's method and severity policy, when ``estimated``

    @property
    def text(self) -> str:
        """What the deadline is, as next actions and findings quote it: the same for every deadline of its
        case and window, so made once for them (the case keeps it), unless it quotes estimated years."""
        if self.estimated and self.estimate is not None:
            return self._text()
        key = (self.sla.id, None if self.window is None else self.window.id)
        text = self.case.texts.get(key)
        if text is None:
            text = self.case.texts[key] = self._text()  # (as many as the case has windows)
        return text

    def _text(self) -> str:
        head = self.sla.id if self.case.id == self.sla.id else self.case.id
        text = f"{head}: {self.case.describe()}"
        if self.window is not None:  # say which window, and whether its dates are only estimated
            text += f" ({self.case.anchor} falls in promotion window {self.window.id}"
            text += ", dates estimated)" if self.window.estimated else ")"
        if self.estimated and self.estimate is not None:
            text += f"; {self.estimate.method.note(self.estimated)[1]}"
        return text

    def severity(self, severity: str) -> str:
        """A finding's severity under the calendar's policy: a guess never turns a gate red by default,
        so one that depends on an estimated day is at most the estimate's ``max_severity``."""
        e = self.estimate
        if not self.estimated or e is None or SEVERITY_RANK[severity] <= SEVERITY_RANK[e.max_severity]:
            return severity
        return e.max_severity

    def labelled(self, zh: str, en: str, evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """A finding's messages and evidence, saying which years of its deadline are estimated."""
        if not self.estimated or self.estimate is None:
            return zh, en, evidence
        note_zh, note_en = self.estimate.method.note(self.estimated)
        return (f"{zh}（{note_zh}）", f"{en} ({note_en})",
                {**evidence, "estimated": note_en, "estimated_years": list(self.estimated)})

    def explain(self) -> str | None:
        """The --explain trace line of a deadline that depends on an estimate, None otherwise."""
        e = self.estimate
        if not self.estimated or e is None:
            return None
        return (f"deadline {self.sla.id} due {self.due.isoformat()}: {e.method.note(self.estimated)[1]} "
                f"({e.method.id}: {e.method.law}; findings at most {e.max_severity})")

    def fraction_used(self, at: datetime) -> float | None:
        """Share of the allowed time used at ``at``, measured the way the span counts time
        (working time for working-day spans); wall time for a ``due`` given by the record."""
        if self.start is None or self.due <= self.start:
            return None
        if self.case.span is not None:
            return self.case.span.fraction_used(self.start, self.due, at)
        return wall_fraction(self.start, self.due, at)


@dataclass(frozen=True)
class Sla:
    id: str
    cases: tuple[Case, ...]  # conditional cases first, the default last
    warn_at: float | None
    severity: str
    clauses: tuple[str, ...]

    def deadline(self, ctx: TimeContext) -> Deadline | None:
        """The due instant for this record, or None when its anchor is not known yet (``find``)."""
        found = self.find(ctx)
        return None if found is None else self.made(found)

    def made(self, found: Found) -> Deadline:
        """The Deadline ``find`` found."""
        due, start, case, window, estimated, estimate = found
        return _deadline(due, start, case, self, window, estimated, estimate)

    def find(self, ctx: TimeContext) -> Found | None:
        """``deadline``'s parts, as a tuple: a caller that only compares the due (a step done in time)
        makes no Deadline.

        Cases are tried in order, the first that applies wins. A ``during`` case whose
        anchor is not known yet cannot be decided, so no deadline is given rather than
        falling through to a later case that might be the wrong one. A ``when`` or ``due``
        that reads only the record is asked once per record (``per_record``; an error is
        not kept, so it is raised each time it is asked, as before).
        """
        known = ctx.known
        for case in self.cases:
            when = case.when
            if when is not None:
                key = case.when_key
                if key is None:
                    holds = when.test(ctx.variables)
                elif (holds := known.get(key, _UNKNOWN)) is _UNKNOWN:
                    holds = known[key] = when.test(ctx.variables)
                if not holds:
                    continue
            window, start = None, None
            if case.during is not None:
                start = anchor_time(case.anchor, ctx)  # (read once: the window's instant is the span's start)
                if start is None:
                    return None
                window = case.window(start)  # CalendarRangeError outside the declared years
                if window is None:
                    continue
            if case.due is not None:
                key = case.due_key
                if key is None or (due := known.get(key, _UNKNOWN)) is _UNKNOWN:
                    raw = case.due.evaluate(ctx.variables)
                    due = None if raw is None else parse_instant(raw, ctx.tz)
                    if key is not None:
                        known[key] = due
                if due is None:
                    return None
                return (due, start if case.during is not None else anchor_time(case.anchor, ctx), case, window, (),
                        None)
            if start is None:
                start = anchor_time(case.anchor, ctx)
                if start is None:
                    return None
            span = case.span
            assert span is not None, "a case has `within` or `due`"
            try:
                due = span.add(start)
            except OverflowError:  # an anchor in the last days of year 9999: say so, as for any unreadable time
                raise ValueProblem(f"{span} after {start.isoformat()} is beyond the year 9999") from None
            years = span.estimated_years(start, due)
            return due, start, case, window, years, span.calendar.estimate if years and span.calendar is not None else None
        return None


# What Sla.find finds: (due, start, case, window, estimated years, estimate), a Deadline's fields but its SLA
Found = tuple[datetime, "datetime | None", Case, "PromotionWindow | None", tuple[int, ...], "Estimate | None"]


def _deadline(due: datetime, start: datetime | None, case: Case, sla: Sla, window: PromotionWindow | None = None,
              estimated: tuple[int, ...] = (), estimate: Estimate | None = None) -> Deadline:
    """``Deadline(due, start, case, sla, window, estimated, estimate)`` at half the cost (a frozen dataclass
    sets each field through ``object.__setattr__``): every record asks for a few deadlines."""
    d = object.__new__(Deadline)
    d.__dict__.update(due=due, start=start, case=case, sla=sla, window=window, estimated=estimated, estimate=estimate)
    return d


def compile_sla(spec: Mapping[str, Any], default_id: str, clauses: Sequence[str],
                compile_expr: Callable[[str, str], Expression], calendar: Calendar | None,
                windows_for: Callable[[str], PromotionWindows] | None = None) -> Sla:
    """``compile_expr(source, pointer)``; ``windows_for(id)`` gives a PromotionWindows or
    raises LookupError. Every error is an SlaError with a pointer inside ``spec``."""
    sla_id = spec.get("id", default_id)
    own_clauses = tuple(spec.get("clauses") or clauses)

    def case(c: Mapping[str, Any], ptr: str, cid: str, when: Expression | None,
             during: PromotionWindows | None = None) -> Case:
        span: Span | None = None
        due: Expression | None = None
        if "within" in c:
            try:
                span = parse_span(c["within"], calendar)
            except SlaError as exc:
                raise SlaError(exc.message, f"{ptr}/within") from None
        if "due" in c:
            due = compile_expr(c["due"], f"{ptr}/due")
        try:
            anchor = Anchor.parse(c.get("from", spec.get("from")))
        except SlaError as exc:
            raise SlaError(exc.message, f"{ptr}/from" if "from" in c else exc.pointer) from None
        return Case(cid, when, span, due, anchor, tuple(c.get("clauses") or own_clauses), during)

    cases = []
    for i, c in enumerate(spec.get("cases") or ()):
        if "when" not in c and "during" not in c:
            raise SlaError("a case needs `when:` (a CEL condition), `during:` (a PromotionWindows id) or both",
                           f"/cases/{i}")
        when = compile_expr(c["when"], f"/cases/{i}/when") if "when" in c else None
        during = None
        if "during" in c:
            if windows_for is None:
                raise SlaError("`during:` needs promotion windows, and none are available here", f"/cases/{i}/during")
            try:
                during = windows_for(c["during"])
            except LookupError as exc:
                raise SlaError(str(exc.args[0]) if exc.args else str(exc), f"/cases/{i}/during") from None
        cases.append(case(c, f"/cases/{i}", c.get("id", f"{sla_id}.case{i + 1}"), when, during))
    if "within" in spec or "due" in spec:
        cases.append(case(spec, "", sla_id, None))
    return Sla(sla_id, tuple(cases), spec.get("warn_at"), spec.get("severity", "error"), own_clauses)


def lateness(due: datetime, at: datetime) -> str:
    return format_duration(at - due)

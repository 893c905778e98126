"""The result contract of RECORDS.md as frozen dataclasses.

Results cross threads, processes and report writers, so they are immutable and
carry only JSON-able data; ``to_dict`` gives exactly the public JSON shape (the
fields RECORDS.md fixes, plus extensions that never rename them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast

from .text.masking import mask_text

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: Mapping[str, int] = {"info": 1, "warning": 2, "error": 3}
LANGS = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Text:
    """A bilingual text: the manual is Chinese, many readers of CI logs are not."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where something came from: a rule in a YAML file, or a record in an input file."""

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"file": self.file}
        if self.line is not None:
            d["line"] = self.line
        if self.column is not None:
            d["column"] = self.column
        if self.pointer:
            d["pointer"] = self.pointer
        return d

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    severity: Severity
    clauses: tuple[str, ...]
    messages: Text
    path: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "clauses": list(self.clauses),
            "message": self.messages.get(lang),
            "messages": self.messages.to_dict(),
            "path": self.path,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class NextAction:
    action: str
    role: str
    due: str | None
    clauses: tuple[str, ...]
    title: Text
    sla: str | None = None
    overdue: bool = False
    roles: tuple[str, ...] = ()

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "action": self.action,
            "role": self.role,
            "due": self.due,
            "clauses": list(self.clauses),
            "title": self.title.get(lang),
            "sla": self.sla,
            "overdue": self.overdue,
            "roles": list(self.roles or (self.role,)),
        }


@dataclass(frozen=True, slots=True)
class Unverified:
    """A rule that could not be checked: the record lacks optional data the shop has not declared it records.

    ``needs`` names what was missing: JSON Pointers into the record, or event types.
    Not a finding: it never affects the exit code, and it says what a shop would have
    to record (and declare) for the rule to give a verdict.
    """

    rule: str
    clauses: tuple[str, ...]
    needs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "clauses": list(self.clauses), "needs": list(self.needs)}


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One event as the replay performed it: the step that took it, and the states before and after.

    Tools built on the engine (step coverage) read these, never the wording of the
    ``--explain`` trace, which is for people and may be reworded at any time. Not part
    of the JSON output: the result contract stays as it is.
    """

    event: int  # index of the event in the record's ``events`` (as given, before sorting by time)
    step: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Result:
    record: str | None
    process: str | None
    version: str | None
    state: str | None
    violations: tuple[Violation, ...] = ()
    next_actions: tuple[NextAction, ...] = ()
    error: str | None = None
    digest: str | None = None
    source: SourceRef | None = None
    trace: tuple[str, ...] = ()
    unverified: tuple[Unverified, ...] = ()
    steps: tuple[ReplayStep, ...] = ()  # the replay, structured, for tools; not in to_dict()

    def __post_init__(self) -> None:
        # An error quotes the record (a schema error quotes the offending value, a phone number
        # included): masked here, once, so no format and no caller of the API can print it raw (CS-10).
        if self.error is not None:
            object.__setattr__(self, "error", mask_text(self.error))

    @property
    def ok(self) -> bool:
        return self.error is None and not self.violations

    def worst(self) -> str | None:
        """The highest severity among the violations; an evaluation error counts as error."""
        if self.error is not None:
            return "error"
        best = None
        for v in self.violations:
            if best is None or SEVERITY_RANK[v.severity] > SEVERITY_RANK[best]:
                best = v.severity
        return best

    def but(self, **changes: Any) -> Result:
        """``dataclasses.replace``, except that a trace or steps not read yet stay unread (``Deferred``)."""
        new = object.__new__(type(self))
        for name, slot in _SLOTS:
            slot.__set__(new, changes.pop(name) if name in changes else slot.__get__(self))
        if changes:
            raise TypeError(f"Result has no field {next(iter(changes))!r}")
        if new.error is not None:
            _ERROR.__set__(new, mask_text(new.error))  # as __post_init__ does
        return new

    def trace_then(self, more: Sequence[str]) -> tuple[str, ...]:
        """The trace followed by ``more``, for ``but(trace=...)``: left unformatted if it is not read yet."""
        raw = _raw(self, "trace")
        if not more:
            return raw  # type: ignore[no-any-return]
        return deferred(raw.extended(more)) if isinstance(raw, Deferred) else (*raw, *more)

    def to_dict(self, lang: str = "en", trace: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "record": self.record,
            "process": self.process,
            "version": self.version,
            "state": self.state,
            "violations": [v.to_dict(lang) for v in self.violations],
            "next_actions": [a.to_dict(lang) for a in self.next_actions],
            "error": self.error,
            "digest": self.digest,
        }
        if self.unverified:  # absent when empty: results of rules without optional data read as they always did
            d["unverified"] = [u.to_dict() for u in self.unverified]
        if self.source is not None:
            d["source"] = self.source.to_dict()
        if trace:
            d["trace"] = list(self.trace)
        return d


class Deferred:
    """A tuple that an evaluation leaves to be built when first read: its ``--explain`` trace, formatted
    only then (most runs never write it), and its replay steps. Subclasses say how, in ``resolve``."""

    __slots__ = ()

    def resolve(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def extended(self, more: Iterable[Any]) -> Deferred:
        """This, followed by ``more`` (already what ``resolve`` gives), still unresolved."""
        return _Then(self, tuple(more))


@dataclass(frozen=True, slots=True)
class _Then(Deferred):
    first: Deferred
    more: tuple[Any, ...]

    def resolve(self) -> tuple[Any, ...]:
        return self.first.resolve() + self.more


def deferred(value: Deferred) -> tuple[Any, ...]:
    """``value`` as a field of ``Result`` takes it: typed as what every reader of the field gets."""
    return cast("tuple[Any, ...]", value)


class _Resolved:
    """The ``trace`` and ``steps`` fields of Result: set to a tuple or a ``Deferred``, always read as a tuple
    (resolved once, on first read, and kept). Equality, hashing, pickling and ``repr`` read the fields, so
    they see the tuple too."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot  # the member descriptor of the dataclass's own slot

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.slot
        value = self.slot.__get__(obj, owner)
        if type(value) is not tuple:
            value = value.resolve() if isinstance(value, Deferred) else tuple(value)
            self.slot.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)


def _raw(result: Result, name: str) -> Any:
    attr = Result.__dict__[name]  # (a subclass's own __dict__ holds none of the fields)
    return attr.slot.__get__(result) if isinstance(attr, _Resolved) else getattr(result, name)


# each field's own slot (``but`` copies a result slot by slot, a Deferred left as it is)
_SLOTS = tuple((f.name, Result.__dict__[f.name]) for f in fields(Result))
_ERROR = Result.__dict__["error"]

# Built for every record and finding: the objects the dataclasses' own __init__ makes from every field given
# positionally, at half the cost (a frozen dataclass sets each field through object.__setattr__; these set the
# slots themselves). tests/test_deferred.py compares them with the dataclasses' own, field by field.
_new = object.__new__
_TZH, _TEN = (Text.__dict__[f.name].__set__ for f in fields(Text))
_V0, _V1, _V2, _V3, _V4, _V5 = (Violation.__dict__[f.name].__set__ for f in fields(Violation))
_A0, _A1, _A2, _A3, _A4, _A5, _A6, _A7 = (NextAction.__dict__[f.name].__set__ for f in fields(NextAction))
_R0, _R1, _R2, _R3, _R4, _R5, _R6, _R7, _R8, _R9, _R10, _R11 = (slot.__set__ for _, slot in _SLOTS)
_S0, _S1, _S2, _S3 = (SourceRef.__dict__[f.name].__set__ for f in fields(SourceRef))


def line_source(file: str, line: int) -> SourceRef:
    """``SourceRef(file, line, 1)``: where a JSON Lines record is read (one a line, each of them)."""
    s = _new(SourceRef)
    _S0(s, file)
    _S1(s, line)
    _S2(s, 1)
    _S3(s, "")
    return s


def make_violation(rule: str, severity: Severity, clauses: tuple[str, ...], zh: str, en: str, path: str,
                   evidence: Mapping[str, Any]) -> Violation:
    """``Violation(rule, severity, clauses, Text(zh, en), path, evidence)``."""
    messages = _new(Text)
    _TZH(messages, zh)
    _TEN(messages, en)
    v = _new(Violation)
    _V0(v, rule)
    _V1(v, severity)
    _V2(v, clauses)
    _V3(v, messages)
    _V4(v, path)
    _V5(v, evidence)
    return v


def make_action(action: str, role: str, due: str | None, clauses: tuple[str, ...], title: Text, sla: str | None,
                overdue: bool, roles: tuple[str, ...]) -> NextAction:
    """``NextAction(action, role, due, clauses, title, sla, overdue, roles)``."""
    a = _new(NextAction)
    _A0(a, action)
    _A1(a, role)
    _A2(a, due)
    _A3(a, clauses)
    _A4(a, title)
    _A5(a, sla)
    _A6(a, overdue)
    _A7(a, roles)
    return a


def make_result(record: str | None, process: str, version: str, state: str, violations: tuple[Violation, ...],
                next_actions: tuple[NextAction, ...], digest: str, source: SourceRef | None, trace: tuple[str, ...],
                unverified: tuple[Unverified, ...], steps: tuple[ReplayStep, ...]) -> Result:
    """``Result(record, process, version, state, violations, next_actions, None, digest, source, trace,
    unverified, steps)``: a result without an error (which ``__post_init__`` would mask)."""
    r = _new(Result)
    _R0(r, record)
    _R1(r, process)
    _R2(r, version)
    _R3(r, state)
    _R4(r, violations)
    _R5(r, next_actions)
    _R6(r, None)
    _R7(r, digest)
    _R8(r, source)
    _R9(r, trace)
    _R10(r, unverified)
    _R11(r, steps)
    return r


for _name in ("trace", "steps"):
    setattr(Result, _name, _Resolved(Result.__dict__[_name]))

"""The contract between the engine and a check type.

A check type is a small class: it reads its parameters once, at compile time
(``__init__``, where every mistake becomes a load error that names the rule file
and line), and then ``run`` is a pure function of one record. New check types
register themselves here (``@register``, ``REGISTRY`` below), are imported by
``checks/__init__.py`` and describe their parameters in
``schemas/process.schema.json`` under ``$defs/check_<name>``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..errors import (
    CheckConfigError as CheckConfigError,  # noqa: PLC0414 - the explicit re-export (mypy): check types raise it
)
from ..results import Severity, Text

if TYPE_CHECKING:  # pragma: no cover
    from ..expr import Expression


@dataclass(frozen=True, slots=True)
class Hit:
    """One reason a check fires on a record.

    ``evidence`` is JSON-able and feeds the rule's message template, so a message
    can quote the offending word, the price and the minimum, the deadline.
    A check type may override the rule's severity or message for a distinct
    outcome of its own (e.g. the price check's "cannot verify").

    ``needs`` names optional data (the record schema's ``x-optional``) this one
    finding depends on, when a check knows it better than the rule's ``needs:``
    can (a pre-packaged-only filing counts only if the listing says so): the
    engine reports it as unverified, not as a violation, when the record lacks
    that data and the shop has not declared that it records it.
    """

    path: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    message: Text | None = None
    suffix: str = ""  # appended to the rule id for a distinct outcome, e.g. ":unverifiable"
    needs: tuple[str, ...] = ()  # optional data this finding depends on (see above)


class ExprCompiler(Protocol):
    """Compiles and schema-lints a CEL expression of a check's params; a problem is a load error at its line.

    ``extra`` names map variables the check type binds itself (e.g. ``decisions``)."""

    def __call__(self, source: str, pointer: str, extra: tuple[str, ...] = ()) -> Expression: ...


@dataclass(frozen=True, slots=True)
class CompileEnv:
    """What a check type may use while compiling its parameters."""

    process_id: str
    timezone: tzinfo
    compile_expr: ExprCompiler  # (source, pointer relative to params[, extra variables]) -> Expression
    resource: Callable[[str, str], Any]  # (kind, name) -> loaded data (vocabulary, reference table, ...)
    record_schema: Mapping[str, Any]


@dataclass(slots=True)
class CheckContext:
    """One record as the checks see it. Built once per evaluation and shared by all checks."""

    record: Mapping[str, Any]  # as given (JSON types), for exact reads (money as Decimal via values.to_decimal)
    now: datetime
    state: str
    timezone: tzinfo
    events: list[Mapping[str, Any]]  # sorted by time; each has "at" as an aware datetime and "_index" (original position)
    # the record's CEL variables (``record``, ``events``, ``now`` ...; an ``expr.Bindings``): a check that
    # evaluates many expressions passes them (and its own, e.g. ``item``) to ``Expression.evaluate`` itself
    variables: Mapping[str, Any]
    tables: Mapping[str, Any] = field(default_factory=dict)  # reference data handed to the engine (e.g. price history)
    # Lines a check adds to the result's trace (``--explain``): why something did *not* fire,
    # e.g. the exemption that cleared a banned word, which no finding can carry.
    trace: list[str] = field(default_factory=list)

    def eval(self, e: Expression, extra: Mapping[str, Any] | None = None) -> Any:
        """``e`` over the record's variables and ``extra`` (which hide those of the same name)."""
        return e.evaluate({**self.variables, **extra} if extra else self.variables)


class CheckType(ABC):
    """Base class; subclasses set ``name`` and implement ``__init__`` and ``run``."""

    name: ClassVar[str]

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        self.params = params

    @abstractmethod
    def run(self, ctx: CheckContext) -> Iterable[Hit]:
        """Yield one Hit per finding; yield nothing when the record complies."""

    def verdict(self) -> Callable[[Mapping[str, Any]], Any] | None:
        """A closure of the record's CEL variables that returns True only where ``run`` would find nothing
        and trace nothing, and False only where ``refuted`` says what ``run`` would (any other answer, or an
        exception, means: call ``run``), for the engine to call first; None when the check type has none.
        The expression check's is its assertion's plan."""
        return None

    def refuted(self, ctx: CheckContext) -> Iterable[Hit]:
        """What ``run`` answers for a record on which ``verdict`` returned False: a check type may say it
        without asking again."""
        return self.run(ctx)

    def decided(self, worlds: Sequence[Mapping[str, Any]], hits: Sequence[Hit]) -> list[Hit]:
        """The ``hits`` that stand in every one of ``worlds`` (CEL variables in which the optional
        data the rule needs and the record lacks is unknown, see ``contract.standing``). A check
        type that cannot tell says none: its hits stay unverified, which is never a false breach."""
        return []

    def evidence_keys(self) -> frozenset[str] | None:
        """The evidence every Hit of this check carries, against which the rule's message
        ``{placeholder}``s are checked at load time; None when the check type does not say."""
        return None

    def reads(self) -> Iterable[str]:
        """Top-level record fields the check reads through data other than its params (a table's
        conditions), so that docs/records.md lists the rule among their readers."""
        return ()

    def resources(self) -> Iterable[tuple[str, str]]:
        """(kind, name) of the data files this check depends on, for the definition's digest."""
        return ()


REGISTRY: dict[str, type[CheckType]] = {}


def register(cls: type[CheckType]) -> type[CheckType]:
    """Make a check type usable as ``type: <cls.name>`` in process files; a name taken twice is a bug."""
    if cls.name in REGISTRY:
        raise RuntimeError(f"check type {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls

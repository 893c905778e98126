"""What compile.py makes of a process: the immutable shapes that evaluation, reports and tools read.

Apart from the compiler so that each stays small: a reader of a CompiledProcess
(evaluate.py, report/, tools/) needs these shapes, not how they are built.
``compile.py`` re-exports them, so ``from sopengine.compile import CompiledProcess``
keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from transitions import Machine

from .checks import CheckType
from .chrono.sla import Sla
from .contract import OptionalData
from .expr import Expression
from .loader import Document
from .params import Parameter
from .results import SourceRef, Text
from .schema_fields import ViewPlan
from .schemas import RecordValidator


@dataclass(frozen=True, eq=False)
class StepDef:
    id: str
    title: Text
    event: str
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...]
    when: Expression | None
    expected: bool
    expected_when: Expression | None
    clauses: tuple[str, ...]
    sla: Sla | None
    source: SourceRef
    # states it also follows because optional steps before it may be skipped -> the skipped step ids
    skips: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def follows(self) -> tuple[str, ...]:
        """Every state the step may be done in: its own ``from`` and those reached by skipping optional steps."""
        return (*self.sources, *self.skips)


@dataclass(frozen=True, eq=False)
class ActionDef:
    id: str
    title: Text
    role: str
    sla: Sla | None


@dataclass(frozen=True, eq=False)
class CheckDef:
    id: str
    title: Text | None
    severity: str
    clauses: tuple[str, ...]
    states: frozenset[str] | None
    when: Expression | None
    impl: CheckType
    message: Text
    action: ActionDef | None
    source: SourceRef
    needs: tuple[str, ...] = ()  # optional data (x-optional names) the verdict depends on
    parameters: Mapping[str, Parameter] = field(default_factory=dict)  # declared, with this compile's values
    param_text: Mapping[str, str] = field(default_factory=dict)  # name -> value as a message prints {params.name}


@dataclass(frozen=True)
class RuleInfo:
    """What a rule id in a violation refers to: for reports (SARIF rules, coverage)."""

    id: str
    kind: str  # check | step | event
    title: str
    severity: str
    clauses: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True, eq=False)
class CompiledProcess:
    id: str
    version: str
    title: Text
    timezone: tzinfo
    effective_from: datetime | None
    effective_until: datetime | None
    version_by: str | None
    start_field: str | None
    roles: tuple[str, ...]
    states: Mapping[str, Mapping[str, Any]]
    initial: str
    finals: frozenset[str]
    steps: tuple[StepDef, ...]
    steps_by_event: Mapping[str, tuple[StepDef, ...]]
    checks: tuple[CheckDef, ...]
    machine: Machine
    validator: RecordValidator
    view: ViewPlan
    digest: str
    document: Document
    record_schema: str
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    # (state, event) -> the steps the machine would try, in its order (see replay_table)
    replay: Mapping[tuple[str, str], tuple[StepDef, ...]] = field(default_factory=dict)
    optional: Mapping[str, OptionalData] = field(default_factory=dict)  # the record schema's x-optional
    needed_events: frozenset[str] = frozenset()  # optional event types some check needs (it reports them, not the steps)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

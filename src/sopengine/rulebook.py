"""The built-in rule kinds: what every process gets from its steps, SLAs and checks without declaring it.

A step of a process is a rule the author writes once; the engine derives its
rules from it: done out of order, done by a role not allowed, done late, overdue,
close to its deadline. Their ids are public output (reports, baselines, rule
tests' ``fire:`` lists), so they are made here and nowhere else, and read back
here (``owner``) for the CI formats that link a violation to its definition.

Two separators, because they say two different things, both already public:

- ``<owner>.<kind>``: a built-in rule of a step or action (``ship.late``,
  ``confirm_receipt.overdue``, ``ship.unevaluable`` when its deadline cannot be
  computed);
- ``<check>:<outcome>``: a distinct outcome of a declared check or expression
  (``PRD-main-images:watermark``, ``ORD-four-eyes:unevaluable`` when it cannot be
  evaluated on the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

KIND_SEP = "."  # <step or action>.<built-in kind>
OUTCOME_SEP = ":"  # <check id>:<outcome>

Default = Literal["error", "warning", "sla"]  # "sla": the severity the step's SLA declares


@dataclass(frozen=True, slots=True)
class Kind:
    """A built-in rule kind of a step; ``what`` ends the rule's title ("<step title>: <what>")."""

    name: str
    what: str
    severity: Default
    needs_sla: bool = False  # only a step with an SLA has it
    needs_expected: bool = False  # only a step that is expected (a next action) can be overdue
    needs_warning: bool = False  # only an SLA with warn_at warns before the deadline

    def id(self, owner: str) -> str:
        return f"{owner}{KIND_SEP}{self.name}"


OUT_OF_ORDER = Kind("out_of_order", "done out of order", "error")
WRONG_ROLE = Kind("wrong_role", "done by a role not allowed", "error")
LATE = Kind("late", "done after its deadline", "sla", needs_sla=True)
OVERDUE = Kind("overdue", "overdue", "sla", needs_sla=True, needs_expected=True)
DUE_SOON = Kind("due_soon", "close to its deadline", "warning", needs_sla=True, needs_expected=True, needs_warning=True)
#: a deadline that cannot be computed (calendar data runs out, a value cannot be read): never guessed
DEADLINE_UNEVALUABLE = Kind("unevaluable", "deadline cannot be computed", "error", needs_sla=True)

#: the kinds a step declares in its process's rules (``Engine.rules()``), in this order
STEP_KINDS = (OUT_OF_ORDER, WRONG_ROLE, LATE, OVERDUE, DUE_SOON)
#: the kinds coverage asks tests to exercise for each step
COVERED_STEP_KINDS = (OUT_OF_ORDER, WRONG_ROLE, LATE, OVERDUE)
#: the kinds an SLA's deadline gives its owner (a step, or a check's action)
DEADLINE_KINDS = (LATE, OVERDUE, DUE_SOON)
#: what an action's SLA can report (an action is never "done", so it is never late)
ACTION_KINDS = (OVERDUE, DUE_SOON, DEADLINE_UNEVALUABLE)

UNEVALUABLE = "unevaluable"  # the outcome of a check or expression that could not be evaluated
UNLISTED = "unlisted"  # the outcome that counts the violations of a rule beyond the listing cap
EVENT_UNKNOWN = "event.unknown"  # an event no step of the process performs
EVALUATION_ERROR = "sopengine.evaluation-error"  # a record that could not be judged at all (CI formats)


def outcome(check: str, name: str) -> str:
    """The rule id of a distinct outcome of a check: ``<check>:<name>``."""
    return f"{check}{OUTCOME_SEP}{name}"


def outcome_suffix(name: str) -> str:
    """What a check appends to its id for outcome ``name`` (``Hit.suffix``)."""
    return f"{OUTCOME_SEP}{name}"


def unevaluable(owner: str) -> str:
    """The rule id of a check or expression of ``owner`` that could not be evaluated on a record."""
    return outcome(owner, UNEVALUABLE)


def is_unevaluable_outcome(rule: str) -> bool:
    return rule.endswith(OUTCOME_SEP + UNEVALUABLE)


def is_outcome_of(rule: str, check: str) -> bool:
    """Whether ``rule`` is ``check`` itself or one of its outcomes (not its failing to evaluate)."""
    return rule == check or (rule.startswith(check + OUTCOME_SEP) and not is_unevaluable_outcome(rule))


def declared(rule: str) -> str:
    """The declared rule an emitted id belongs to: ``PRD-x:expired`` -> ``PRD-x``; built-in ids are their own."""
    return rule.split(OUTCOME_SEP, 1)[0]


def owner(rule: str) -> str:
    """The step or action a built-in rule id belongs to: ``ship.late`` -> ``ship``."""
    return declared(rule).rsplit(KIND_SEP, 1)[0]


def is_kind(rule: str, *kinds: Kind) -> bool:
    """Whether ``rule`` is one of ``kinds`` of some owner (``ship.overdue`` is OVERDUE)."""
    return any(rule.endswith(KIND_SEP + k.name) for k in kinds)

"""Evidence: which evaluated records (test cases, example records) make each rule fire, and pass.

A rule is *exercised* only when both sides are shown: some record makes it fire
and some record of the same process is judged without it firing. A rule that
fires on everything is as broken as one that never fires, and one-sided tests
catch neither. ``sopengine test --coverage`` measures the rules of the tree
against the test cases; ``sopengine coverage`` measures the manual's clauses
against tests and example records alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..results import Result, SourceRef
from ..rulebook import COVERED_STEP_KINDS, is_outcome_of

if TYPE_CHECKING:  # pragma: no cover
    from ..compile import CompiledProcess
    from ..engine import Engine


@dataclass(frozen=True)
class Observation:
    """One record that evaluated without error, as coverage sees it."""

    label: str
    process: str
    fired: frozenset[str]
    clauses: frozenset[str]
    steps: frozenset[str]


def observe(result: Result, label: str) -> Observation | None:
    """None for a record that could not be evaluated: it shows neither a firing nor a pass.

    The steps performed come from the replay's structured record (``Result.steps``), not
    from the ``--explain`` trace: the trace is worded for people and may change."""
    if result.error is not None or result.process is None:
        return None
    return Observation(label, result.process, frozenset(v.rule for v in result.violations),
                       frozenset(c for v in result.violations for c in v.clauses), frozenset(s.step for s in result.steps))


def _fires(obs: Observation, rule: str) -> bool:
    """A check's distinct outcomes (``id:suffix``) count as the check firing; failing to evaluate does not."""
    return rule in obs.fired or any(is_outcome_of(f, rule) for f in obs.fired)


class Evidence:
    def __init__(self, observations: Iterable[Observation | None] = ()) -> None:  # None: not evaluated (see add)
        self.by_process: dict[str, list[Observation]] = {}
        for o in observations:
            self.add(o)

    def add(self, obs: Observation | None) -> None:
        if obs is not None:
            self.by_process.setdefault(obs.process, []).append(obs)

    def fires(self, process: str, rule: str) -> list[str]:
        return [o.label for o in self.by_process.get(process, ()) if _fires(o, rule)]

    def passes(self, process: str, rule: str) -> list[str]:
        return [o.label for o in self.by_process.get(process, ()) if not _fires(o, rule)]

    def performed(self, process: str, step: str) -> list[str]:
        return [o.label for o in self.by_process.get(process, ()) if step in o.steps]

    def clause_fires(self, process: str, clause: str) -> list[str]:
        return [o.label for o in self.by_process.get(process, ()) if clause in o.clauses]

    def clause_passes(self, process: str, clause: str) -> list[str]:
        return [o.label for o in self.by_process.get(process, ()) if clause not in o.clauses]

    def exercised(self, process: str, rule: str) -> bool:
        return bool(self.fires(process, rule)) and bool(self.passes(process, rule))


@dataclass(frozen=True)
class Unit:
    """One thing tests should exercise: a check, a step, a step's built-in rule, or a cited clause."""

    kind: str  # check | step | rule | clause
    process: str
    id: str
    source: SourceRef | None = None


def violation_clauses(proc: CompiledProcess) -> dict[str, SourceRef]:
    """The clauses a violation of ``proc`` can cite, each with the first place that cites it."""
    out: dict[str, SourceRef] = {}
    for info in proc.rules.values():
        for c in info.clauses:
            out.setdefault(c, info.source)
    slas = [(s.sla, s.source) for s in proc.steps if s.sla is not None]
    slas += [(c.action.sla, c.source) for c in proc.checks if c.action is not None and c.action.sla is not None]
    for sla, src in slas:
        for case in sla.cases:
            for c in case.clauses:
                out.setdefault(c, src)
    return out


def coverage_units(engine: Engine) -> list[Unit]:
    """Every unit of every process (all versions, deduplicated by id), in a stable order."""
    units: dict[tuple[str, str, str], Unit] = {}
    for pid in engine.process_ids:
        for proc in engine.versions(pid):
            for info in proc.rules.values():
                if info.kind == "check":
                    units.setdefault(("check", pid, info.id), Unit("check", pid, info.id, info.source))
            for s in proc.steps:
                units.setdefault(("step", pid, s.id), Unit("step", pid, s.id, s.source))
                for k in COVERED_STEP_KINDS:
                    rid = k.id(s.id)
                    if rid in proc.rules:
                        units.setdefault(("rule", pid, rid), Unit("rule", pid, rid, s.source))
            for c, src in violation_clauses(proc).items():
                units.setdefault(("clause", pid, c), Unit("clause", pid, c, src))
    order = {"check": 0, "step": 1, "rule": 2, "clause": 3}
    return sorted(units.values(), key=lambda u: (u.process, order[u.kind], u.id))


def unit_exercised(u: Unit, ev: Evidence) -> bool:
    if u.kind == "step":
        return bool(ev.performed(u.process, u.id))
    if u.kind == "clause":
        return bool(ev.clause_fires(u.process, u.id)) and bool(ev.clause_passes(u.process, u.id))
    return ev.exercised(u.process, u.id)


@dataclass
class RuleCoverage:
    units: list[Unit]
    covered: set[Unit] = field(default_factory=set)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.covered) / len(self.units) if self.units else 100.0

    def missing(self) -> list[Unit]:
        return [u for u in self.units if u not in self.covered]

    def by_process(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for u in self.units:
            c, t = out.get(u.process, (0, 0))
            out[u.process] = (c + (u in self.covered), t + 1)
        return out

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {k: (0, 0) for k in ("check", "step", "rule", "clause")}
        for u in self.units:
            c, t = out.get(u.kind, (0, 0))
            out[u.kind] = (c + (u in self.covered), t + 1)
        return out


def rule_coverage(engine: Engine, ev: Evidence) -> RuleCoverage:
    units = coverage_units(engine)
    return RuleCoverage(units, {u for u in units if unit_exercised(u, ev)})

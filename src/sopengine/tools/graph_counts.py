"""How a batch went through a process: per edge, how many records took it; per state, how many stopped there.

Read from JSON results (``check --format json`` or ``jsonl``): a record's final
state says where it stopped (stuck, when the state is not final); its
``--explain`` trace says which transitions it took (one line per event replayed:
``<at> <event> by <role>: <step> '<from>' -> '<to>'``); a violation of a step's
own rules (``ship.late``, ``ship.wrong_role``, ``ship.out_of_order``) happened on
that step's edges, an overdue or due-soon action and every check's finding in
the state the record is in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..compile import CompiledProcess
from ..errors import InputError
from ..rulebook import LATE, OUT_OF_ORDER, WRONG_ROLE, is_kind, owner

__all__ = ["Flow", "flow_of", "read_results"]

_TAKEN = re.compile(r": (?P<step>[^\s:]+) '(?P<src>[^']*)' -> '(?P<dest>[^']*)'$")
_STEP_KINDS = (LATE, WRONG_ROLE, OUT_OF_ORDER)  # broken on the step's own edges


@dataclass
class Flow:
    records: int = 0  # results of this process and version
    traced: int = 0  # of which carry a trace, so that their edges count
    skipped: int = 0  # results of other processes or versions
    edges: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (step, from, to) -> records
    step_violations: Counter[str] = field(default_factory=Counter)  # step id -> violations of its rules
    reached: Counter[str] = field(default_factory=Counter)  # state -> records that ended there
    stuck: Counter[str] = field(default_factory=Counter)  # non-final state -> records that ended there
    state_violations: Counter[str] = field(default_factory=Counter)  # state -> violations raised there


def read_results(path: str) -> Iterator[dict[str, Any]]:
    """Results from a JSON list or JSON Lines file; a malformed file is an InputError naming where."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"--results {path}: {exc.strerror or exc}") from None
    try:
        if text.lstrip().startswith("["):
            data = json.loads(text)
            yield from (r for r in data if isinstance(r, dict))
            return
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                r = json.loads(line)
                if isinstance(r, dict):
                    yield r
    except json.JSONDecodeError as exc:
        raise InputError(f"--results {path}:{exc.lineno}:{exc.colno}: not JSON results: {exc.msg}") from None


def flow_of(proc: CompiledProcess, results: Iterable[dict[str, Any]]) -> Flow:
    steps = {s.id for s in proc.steps}
    flow = Flow()
    for r in results:
        if r.get("process") != proc.id or r.get("version") != proc.version:
            flow.skipped += 1
            continue
        flow.records += 1
        state = r.get("state")
        if isinstance(state, str):
            flow.reached[state] += 1
            if state not in proc.finals:
                flow.stuck[state] += 1
        trace = r.get("trace")
        if isinstance(trace, list):
            flow.traced += 1
            taken = set()  # a record counts once per edge, however often it looped
            for line in trace:
                m = _TAKEN.search(line) if isinstance(line, str) else None
                if m and m["step"] in steps:
                    taken.add((m["step"], m["src"], m["dest"]))
            flow.edges.update(taken)
        for v in r.get("violations") or ():
            rule = v.get("rule", "") if isinstance(v, dict) else ""
            if is_kind(rule, *_STEP_KINDS) and owner(rule) in steps:
                flow.step_violations[owner(rule)] += 1
            elif isinstance(state, str):
                flow.state_violations[state] += 1
    return flow

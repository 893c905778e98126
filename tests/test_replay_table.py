"""The (state, event) replay table against the transitions Machine it is read from.

For every process, every state and every event type, with the guards evaluated on
each example record's events: triggering the machine with a throwaway model picks
the same step (or none), after the same failed guards, as walking the table does.
"""

from __future__ import annotations

import pytest

from sopengine.expr import Bindings

from .conftest import EXAMPLES, read_jsonl


class _Model:
    def __init__(self, state: str) -> None:
        self.state, self.step, self.guard_errors = state, None, []


def _machine_choice(proc, state, etype, variables):
    model = _Model(state)
    trigger = proc.machine.events[etype]
    if state in trigger.transitions:
        trigger.trigger(model, variables=variables)
    return (model.step.id if model.step else None, model.state if model.step else state, model.guard_errors)


def _table_choice(proc, state, etype, variables):
    errors = []
    for step in proc.replay.get((state, etype), ()):
        if step.when is None:
            return step.id, step.to, errors
        try:
            if step.when.test(variables):
                return step.id, step.to, errors
        except Exception as exc:  # noqa: BLE001 - mirrors the engine: whatever a guard raises, the step does not apply
            errors.append((step.id, str(exc)))
    return None, state, errors


def _events():
    out = {}
    for path in EXAMPLES.glob("*.jsonl"):
        for r in read_jsonl(path):
            out.setdefault(r["process"], []).extend(e for e in r.get("events") or [] if isinstance(e, dict))
    return out


EVENTS = _events()


@pytest.mark.parametrize("pid", sorted(EVENTS))
def test_table_chooses_as_the_machine_does(engine, pid):
    compared = 0
    for proc in engine.versions(pid):
        for state in proc.states:
            for etype in proc.machine.events:
                for ev in [e for e in EVENTS[pid] if e.get("type") == etype][:6] + [{"type": etype}]:
                    variables = Bindings({"record": {}, "events": [], "event": ev, "item": None, "index": 0,
                                          "state": state, "now": None})
                    assert _table_choice(proc, state, etype, variables) == _machine_choice(proc, state, etype, variables)
                    compared += 1
    assert compared > 50


def test_every_transition_is_in_the_table(engine):
    for pid in engine.process_ids:
        for proc in engine.versions(pid):
            n = sum(len(ts) for ev in proc.machine.events.values() for ts in ev.transitions.values())
            assert n == sum(len(v) for v in proc.replay.values()) > 0

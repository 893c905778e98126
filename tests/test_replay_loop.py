"""The replay loop against the transitions Machine, event by event, and the work it does per event.

``_Run.replay`` walks all of a record's events in one loop and takes an event whose first
step in the (state, event) table is unguarded without asking anything else; guarded steps,
unknown event types and events out of order go the general way. The reference below
triggers the Machine (the definition) for every event, so a loop that took a shortcut
where it may not (a guarded first step, a state it should have left, a clock restarted by
a self-loop) gives other steps, states or findings than it.
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from sopengine import evaluate as E
from sopengine.chrono.instants import parse_instant
from sopengine.expr import Bindings

from .conftest import EXAMPLES, NOW, read_jsonl
from .workmeter import calls


class _Model:
    def __init__(self, state: str) -> None:
        self.state, self.step, self.guard_errors = state, None, []


def _holds(step, variables):
    try:
        return step.when is None or step.when.test(variables)
    except Exception:  # noqa: BLE001 - a guard that raises does not hold
        return False


def _fits(proc, etype, variables):
    return [s for s in proc.steps_by_event[etype] if _holds(s, variables)]


def machine_replay(proc, record):
    """(final state, [(event index, step id, before, after)]) as the Machine's triggers take the events."""
    tz = proc.timezone
    events = sorted(((parse_instant(e["at"], tz), i, e) for i, e in enumerate(record.get("events") or [])),
                    key=lambda t: t[0])
    state, done = proc.initial, []
    for _, i, ev in events:
        etype = ev.get("type")
        if not isinstance(etype, str) or etype not in proc.steps_by_event:
            continue
        variables = Bindings({"record": record, "events": [], "event": ev, "item": None, "index": 0,
                              "state": state, "now": NOW})
        model = _Model(state)
        trigger = proc.machine.events[etype]
        if state in trigger.transitions:
            trigger.trigger(model, variables=variables)
        step = model.step
        if step is None:  # out of order: the first step that fits, if any, is taken
            fits = _fits(proc, etype, variables)
            if not fits:
                continue
            step = fits[0]
        done.append((i, step.id, state, step.to))
        state = step.to
    return state, done


def _records():
    out = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        out.extend(read_jsonl(path))
    return out


def _variants(record):
    """The record, and the record with each event's role taken away, its events reversed in the list
    (the replay sorts them), an unknown event type first, and an event repeated (self-loops, out of order)."""
    yield record
    events = record.get("events") or []
    if not events:
        return
    r = copy.deepcopy(record)
    for e in r["events"]:
        e.pop("role", None)
    yield r
    r = copy.deepcopy(record)
    r["events"].reverse()
    yield r
    r = copy.deepcopy(record)
    r["events"].insert(0, {"type": "no_such_event", "at": events[0]["at"]})
    yield r
    for k in range(len(events)):
        r = copy.deepcopy(record)
        r["events"].insert(k + 1, copy.deepcopy(events[k]))
        yield r


RECORDS = _records()


@pytest.mark.parametrize("pid", sorted({r["process"] for r in RECORDS}))
def test_replay_takes_the_steps_the_machine_takes(engine, pid):
    compared = 0
    for record in (r for r in RECORDS if r["process"] == pid):
        for variant in _variants(record):
            res = engine.evaluate(variant, NOW)
            if res.error is not None:
                continue
            proc = next(p for p in engine.versions(pid) if p.version == res.version)
            state, done = machine_replay(proc, variant)
            assert (res.state, [(s.event, s.step, s.before, s.after) for s in res.steps]) == (state, done), variant.get("id")
            compared += 1
    assert compared >= 10


def test_a_self_loop_keeps_the_state_s_clock(engine, orders):
    # Shipped at 20:00 on 06-01, then the carrier chased twice: ORD-09's 15 days still run from the
    # shipping, not from the last chase (a loop that restarted the clock would move the due).
    r = copy.deepcopy(orders["DD20230601003"])
    r["events"] += [{"type": "carrier_contacted", "at": f"2023-06-0{d}T10:00:00+08:00", "role": "ops_specialist"}
                    for d in (2, 3)]
    (a,) = [a for a in engine.evaluate(r, NOW).next_actions if a.action == "confirm_receipt"]
    assert a.due == "2023-06-16T20:00:00+08:00"


def test_a_usual_event_costs_a_few_calls(engine, orders, monkeypatch):
    """An event whose step is unguarded, done by an allowed role and without an SLA costs the replay a few
    C calls (its type and role, the table, the trace entry, the step), no Python call: counted, not timed."""
    counted: list[int] = []
    replay = E._Run.replay

    def measured(self, *args):
        n, out = calls(lambda: replay(self, *args))
        counted.append(n)
        return out

    monkeypatch.setattr(E._Run, "replay", measured)

    def record(n: int) -> dict:
        r = copy.deepcopy(orders["DD20230601003"])  # shipped at 2023-06-01T20:00
        r["events"] += [{"type": "carrier_contacted", "at": datetime(2023, 6, 2, 10, i // 60, i % 60).isoformat()
                         + "+08:00", "role": "ops_specialist"} for i in range(n)]
        return r

    engine.evaluate(record(20), NOW)
    engine.evaluate(record(20), NOW)
    engine.evaluate(record(60), NOW)
    assert len(counted) == 3  # one call of the loop per record
    per_event = (counted[2] - counted[1]) / 40
    assert per_event <= 5, per_event

"""A breach that stands whatever the absent optional data holds is a violation, not ``unverified``.

A check that needs optional data the record lacks (and the shop does not record) is
asked whether it would fire *whatever* that data holds (``contract.standing``): the
data becomes unknown, and CEL's error-absorbing ``&&``/``||``/``exists``/``all`` give a
definite answer only when it does not depend on the unknown. For each bundled check
where core data alone can prove the breach: the core-profile record that lacks the
optional data and truly breaches gets the violation (once); the same record without
the breach gets only ``unverified``; the full profile is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sopengine.expr import UNDECIDED, compile_expression
from sopengine.plan.unknown import Open, Partial

from .conftest import NOW
from .test_unverified import RECORDS, core_only

Mutate = Callable[[dict[str, Any]], None]


def _drop_qualification(rec: dict[str, Any]) -> None:
    rec["qualifications"] = [q for q in rec["qualifications"] if q["type"] not in ("quality_inspection_report", "质检报告")]


def _pop(key: str) -> Mutate:
    return lambda rec: rec.pop(key)


def _partner(fee: bool) -> Mutate:
    def add(rec: dict[str, Any]) -> None:
        rec["partners"] = [{"name": "达人A", "content": "直播带货", "scheduled_at": rec["starts_at"], **({"fee": 3000} if fee else {})}]
    return add


def _archived(short: bool) -> Mutate:
    """Two archived events: one without retain_until (not recorded), one kept 1 year (a breach) or 3 years."""
    def add(rec: dict[str, Any]) -> None:
        rec["events"] += [{"type": "archived", "at": "2023-06-03T11:00:00+08:00", "actor": "张磊", "role": "ops_specialist"},
                          {"type": "archived", "at": "2023-06-03T11:30:00+08:00", "actor": "张磊", "role": "ops_specialist",
                           "retain_until": "2024-06-03T00:00:00+08:00" if short else "2026-06-03T00:00:00+08:00"}]
    return add


def _source(value: str) -> Mutate:
    def put(rec: dict[str, Any]) -> None:
        rec["source"] = value
    return put


def _nothing(rec: dict[str, Any]) -> None:
    pass


# (process, check, the breach of core data, the same record without it: the breach rests on absent data only)
CASES = [
    ("product", "PRD-supplier-terms", _drop_qualification, _nothing),  # no inspection report; supplier not recorded
    ("product", "PRD-entry-fields", _pop("skus"), _nothing),  # no SKUs; specs not recorded
    ("product", "PRD-template-fields", _pop("cost_price"), _nothing),  # no cost price; owner not recorded
    ("campaign", "MKT-plan-contents", _pop("budget"), _nothing),  # no budget; audience not recorded
    ("campaign", "MKT-tracking-fields", _pop("roi"), _nothing),  # no ROI; owner not recorded
    ("campaign", "MKT-partners-confirmed", _partner(fee=False), _partner(fee=True)),  # no fee; confirmations not recorded
    ("kpi_daily", "DATA-source-verified", _pop("source"), _source("某第三方数据")),  # no source; verification not recorded
    ("kpi_daily", "DATA-archive-retention", _archived(short=True), _archived(short=False)),  # per archived event
]


def _core(core_engine: Any, process: str, mutate: Mutate) -> dict[str, Any]:
    rec = core_only(RECORDS[process], core_engine.process(process).optional)
    mutate(rec)
    return rec


@pytest.mark.parametrize(("process", "check", "breach", "clean"), CASES, ids=[c[1] for c in CASES])
def test_a_breach_on_core_data_stands_and_one_on_absent_data_stays_unverified(core_engine, engine, process, check, breach, clean):
    rec = _core(core_engine, process, breach)
    r = core_engine.evaluate(rec, NOW)
    assert r.error is None
    assert [v.rule for v in r.violations].count(check) == 1
    # the archived event without retain_until is a second hit, and that one rests on the absence
    assert [u.rule for u in r.unverified].count(check) == (check == "DATA-archive-retention")
    full = engine.evaluate(rec, NOW)
    mine = [v.to_dict() for v in full.violations if v.rule == check]
    assert all(v.to_dict() in mine for v in r.violations if v.rule == check)  # the same finding, word for word

    rec = _core(core_engine, process, clean)
    r = core_engine.evaluate(rec, NOW)
    assert check not in [v.rule for v in r.violations]
    assert [u.rule for u in r.unverified].count(check) == 1
    assert check in [v.rule for v in engine.evaluate(rec, NOW).violations]  # where the shop records it, it fires


def test_checks_whose_breach_always_rests_on_the_absent_data_stay_unverified(core_engine):
    # the stripped compliant records: every hit there is the absence itself
    for process in ("order", "product", "campaign"):
        rec = core_only(RECORDS[process], core_engine.process(process).optional)
        r = core_engine.evaluate(rec, NOW)
        assert r.violations == (), (process, [v.rule for v in r.violations])


# --- the three-valued reading itself --------------------------------------------------------

def _value(source: str, record: dict[str, Any], events: list[Any] | None = None) -> Any:
    return compile_expression(source).over_unknowns({"record": record, "events": events or [], "event": {}, "item": None,
                                                     "index": 0, "state": "s", "now": datetime(2023, 6, 3, tzinfo=UTC)})


@pytest.mark.parametrize(("source", "expected"), [
    ("has(record.a)", True),
    ("has(record.u)", UNDECIDED),  # may or may not exist
    ("has(record.b)", False),  # absent and not unknown: core data, absent for sure
    ("record.a == 1 && has(record.u)", UNDECIDED),
    ("record.a == 2 && has(record.u)", False),  # false && error == false
    ("has(record.u) || record.a == 1", True),  # error || true == true
    ("!has(record.u)", UNDECIDED),
    ("size(record) == 1", UNDECIDED),  # its key set is not known
    ("'u' in record", UNDECIDED),
    ("has(record.u) ? 1 : 2", UNDECIDED),
])
def test_a_partial_map(source, expected):
    assert _value(source, Partial({"a": 1}, frozenset({"u"}))) is expected or _value(source, Partial({"a": 1}, frozenset({"u"}))) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("events.exists(e, e.type == 'x')", True),  # a definite true wins
    ("events.exists(e, e.type == 'y' && e.at > 0)", UNDECIDED),  # the phantom's time is unknown
    ("events.exists(e, e.type == 'z')", False),  # a phantom of another type can never match
    ("events.all(e, e.type != 'z')", True),
    ("size(events) == 2", UNDECIDED),  # how many events the shop did not record is unknown
    ("events.filter(e, e.type == 'x')[0].type == 'x'", UNDECIDED),  # nor where in time they fall
    ("events.exists_one(e, e.type == 'x')", UNDECIDED),
])
def test_an_open_list_of_events(source, expected):
    events = Open([{"type": "x", "at": 1}, Partial({"type": "y"}, None)])
    got = _value(source, {}, events)
    assert got is expected


def test_an_expression_outside_the_translated_subset_is_undecided():
    # a CEL function the plans do not translate: no three-valued answer, so nothing stands on it
    assert compile_expression("record.a.matches('x')").over_unknowns({"record": Partial({"a": "x"}, None)}) is UNDECIDED


def test_the_world_as_recorded_is_the_records_own_variables_with_their_events_index():
    """No copy of a record whose events nothing made unknown: its first world is its variables (the
    index of events by type still holds them); a world with a phantom event or an event's unknown
    field is built afresh, without the index."""
    from sopengine.contract import OptionalData, unknown_worlds
    from sopengine.plan.events import BY_TYPE, index_events

    events = [{"type": "paid", "at": "2023-06-01T10:00:00+08:00"}, {"type": "shipped", "at": "2023-06-02T10:00:00+08:00"}]
    record = {"id": "R", "events": events}
    variables = {"record": record, "events": events, "now": NOW, BY_TYPE: index_events(events)}
    optional = {"note": OptionalData("note", "", None, "/note"), "inspected": OptionalData("inspected", "", "inspected"),
                "tracking": OptionalData("tracking", "", "shipped", "/tracking")}
    [world] = unknown_worlds(variables, ("note",), optional, frozenset())
    assert world[BY_TYPE] is variables[BY_TYPE] and world["events"] is events
    assert type(world["record"]) is Partial and world["record"].unknown == {"note"} and world["record"]["events"] is events
    asked = compile_expression("events.exists(e, e.type == 'shipped') && has(record.note)")
    assert asked.over_unknowns(world) is UNDECIDED
    recorded, phantom = unknown_worlds(variables, ("inspected",), optional, frozenset())
    assert recorded is variables  # (read, never written: not copied)
    assert recorded["record"] is record and BY_TYPE not in phantom and type(phantom["events"]) is Open
    assert compile_expression("events.exists(e, e.type == 'inspected')").over_unknowns(recorded) is False
    [swapped] = unknown_worlds(variables, ("tracking",), optional, frozenset())
    assert BY_TYPE not in swapped and type(swapped["events"][1]) is Partial and swapped["events"][0] is events[0]
    assert compile_expression("events.exists(e, e.type == 'shipped' && e.tracking == 'x')").over_unknowns(swapped) is UNDECIDED


def test_a_check_type_that_cannot_decide_keeps_its_hits_unverified_without_building_worlds(monkeypatch):
    """``CheckType.decided`` (the base's) lets no hit stand: ``standing`` answers so before asking anything."""
    from sopengine import contract
    from sopengine.checks.base import CheckType, Hit

    class Undecided(CheckType):
        name = "undecided-test"

        def run(self, ctx):  # pragma: no cover - never run here
            return ()

    class Ck:
        needs, when, impl = ("note",), compile_expression("has(record.note)"), Undecided({}, None)  # type: ignore[arg-type]

    def worlds(*args):
        raise AssertionError("no world is needed")

    optional = {"note": contract.OptionalData("note", "", None, "/note")}
    variables = {"record": {"id": "R"}, "events": [], "now": NOW}
    monkeypatch.setattr(contract, "unknown_worlds", worlds)
    assert contract.standing(Ck(), [Hit("/note")], variables, optional, frozenset()) == []
    monkeypatch.undo()
    assert contract.standing(Ck(), [Hit("/note")], variables, optional, frozenset()) == []  # (and the same answer with them)


def test_the_events_index_answers_which_types_are_absent_as_a_walk_of_the_events_does():
    """``missing``/``unmet`` and ``unknown_worlds`` read whether a record has an event of a type from the
    evaluator's index when there is one; the answers are those of a walk of the events, for every kind of
    optional data, with events of the type or none, a record without events and one whose events are a tuple."""
    from sopengine.contract import OptionalData, missing, unknown_worlds, unmet
    from sopengine.plan.events import BY_TYPE, index_events

    optional = {"inspected": OptionalData("inspected", "", "inspected"), "paid": OptionalData("paid", "", "paid"),
                "tracking": OptionalData("tracking", "", "shipped", "/tracking"), "note": OptionalData("note", "", None, "/note")}
    paid = {"type": "paid", "at": "2023-06-01T10:00:00+08:00"}
    shipped = {"type": "shipped", "at": "2023-06-02T10:00:00+08:00"}
    for events in ([paid, shipped], [shipped], [paid], [], (paid,)):
        record = {"id": "R", "events": events}
        index = index_events(list(events))
        for name, opt in optional.items():
            assert missing(record, opt, index) == missing(record, opt), (name, events)
        names = tuple(optional)
        assert unmet(names, record, optional, frozenset(), index) == unmet(names, record, optional, frozenset())
        plain = {"record": {**record, "events": list(events)}, "events": list(events), "now": NOW}  # (a view's lists)
        for needs in (("inspected",), ("paid", "inspected"), ("tracking", "note", "paid")):
            with_index = unknown_worlds({**plain, BY_TYPE: index}, needs, optional, frozenset())
            without = unknown_worlds(plain, needs, optional, frozenset())
            assert [[e.get("type") for e in w["events"]] for w in with_index] == [[e.get("type") for e in w["events"]] for w in without]
            assert all(BY_TYPE not in w for w in with_index[1:])
    assert missing({"events": [shipped]}, optional["paid"], index_events([shipped])) == ["paid"]

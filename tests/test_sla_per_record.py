"""What an SLA reads only from the record is worked out once per record, and nothing else is.

A ``when``, a ``due`` or a field anchor that reads only the record (its view and all its
events) is the same at every event of the replay and in the next actions: ``TimeContext.known``
keeps it for the context's record. Whether an expression qualifies is decided from the
variables its parsed text reads, so one that reads ``now``, ``event``, ``state`` or a
comprehension's ``index`` is asked every time. An error is never kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sopengine.chrono import sla as sla_mod
from sopengine.chrono.instants import ValueProblem
from sopengine.chrono.sla import Sla, TimeContext, compile_sla, per_record
from sopengine.expr import compile_expression

from .conftest import NOW, SH

T1 = datetime(2023, 6, 1, 10, tzinfo=SH)
T2 = datetime(2023, 6, 2, 15, tzinfo=SH)


def key(source: str):
    return per_record(compile_expression(source))


def sla(spec: dict, sid: str = "S") -> Sla:
    return compile_sla({"id": sid, **spec}, sid, ("X-1",), lambda s, p: compile_expression(s), None)


def context(record: dict, now: datetime = T1) -> TimeContext:
    return TimeContext(record, SH, now, None, [], {"record": record, "events": [], "event": {}, "item": None,
                                                    "index": 0, "state": "s", "now": now})


def test_only_what_reads_the_record_and_its_events_has_a_key():
    assert key("record.starts_at") == key("record.starts_at") is not None  # two SLAs' dues, one key
    assert key("events.exists(e, e.type == 'x') && has(record.items)") is not None
    assert key("record.items.exists(now, has(now.sku))") is not None  # ``now`` here is the comprehension's own
    for reads in ("now > timestamp(record.starts_at)", "event.kind == 'x'", "state == 'planned'",
                  "record.items.exists(i, timestamp(i.at) > now)", "record.items.map(i, index)[0]",
                  "record.items.exists(now, has(now.sku)) || now > timestamp(record.starts_at)"):
        assert key(reads) is None, reads


def test_a_due_that_reads_now_is_asked_at_each_point_of_the_replay():
    s = sla({"due": "now + duration('1h')"})
    ctx = context({})
    assert s.deadline(ctx).due == T1 + timedelta(hours=1)
    ctx.now = ctx.variables["now"] = T2  # as the replay moves the context to the next event
    assert s.deadline(ctx).due == T2 + timedelta(hours=1)


def test_a_when_that_reads_now_is_asked_at_each_point_of_the_replay():
    s = sla({"cases": [{"when": "now < timestamp('2023-06-02T00:00:00+08:00')", "within": "2h"}], "within": "5h",
             "from": "now"})
    ctx = context({})
    assert s.deadline(ctx).due == T1 + timedelta(hours=2)
    ctx.now = ctx.variables["now"] = T2
    assert s.deadline(ctx).due == T2 + timedelta(hours=5)


def test_slas_due_at_one_field_read_it_once_per_record(monkeypatch):
    read: list[object] = []
    real = sla_mod.parse_instant
    monkeypatch.setattr(sla_mod, "parse_instant", lambda v, tz: read.append(v) or real(v, tz))
    slas = [sla({"due": "record.starts_at"}, f"S{i}") for i in range(5)]
    one = {"starts_at": "2023-06-05T00:00:00+08:00"}
    ctx = context(one)
    assert [s.deadline(ctx).due for s in slas] == [datetime(2023, 6, 5, tzinfo=SH)] * 5
    assert len(read) == 1
    other = {"starts_at": "2023-07-05T00:00:00+08:00"}  # another record: its own context, its own due
    assert slas[0].deadline(context(other)).due == datetime(2023, 7, 5, tzinfo=SH) and len(read) == 2


def test_a_field_anchor_is_read_once_per_record(monkeypatch):
    read: list[object] = []
    real = sla_mod.parse_instant
    monkeypatch.setattr(sla_mod, "parse_instant", lambda v, tz: read.append(v) or real(v, tz))
    a, b = sla({"from": {"field": "placed_at"}, "within": "24h"}), sla({"from": {"field": "placed_at"}, "within": "2d"})
    ctx = context({"placed_at": "2023-06-01T10:00:00+08:00"})
    assert (a.deadline(ctx).due, b.deadline(ctx).due) == (T1 + timedelta(hours=24), T1 + timedelta(days=2))
    assert len(read) == 1


def test_an_error_is_raised_each_time_it_is_asked_never_kept():
    s = sla({"due": "record.starts_at"})
    ctx = context({"starts_at": "the first of June"})
    for _ in range(2):
        with pytest.raises(ValueProblem):
            s.deadline(ctx)


def test_a_step_done_in_time_makes_no_deadline(engine, orders, monkeypatch):
    """The replay compares a step's due with its time; a Deadline is made only to report a late step."""
    made: list[str] = []
    real = Sla.made
    monkeypatch.setattr(Sla, "made", lambda self, found: made.append(self.id) or real(self, found))
    r = engine.evaluate(orders["DD20230601001"], NOW)  # completed, every step in time: no finding, no next action
    assert (r.state, r.violations, r.next_actions, made) == ("completed", (), (), [])
    late = engine.evaluate(orders["DD20230520012"], NOW)  # shipped 4 h 10 min late, receipt not yet confirmed
    assert [v.rule for v in late.violations] == ["ship.late"] and [a.action for a in late.next_actions] == ["confirm_receipt"]
    assert made == ["ORD-ship-sla", "ORD-auto-confirm"]  # the late step's, the next action's

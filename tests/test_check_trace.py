"""A check's trace lines (``CheckContext.trace``) are its own: they go under its id whatever it answered.

The lines a check adds are collected in one buffer shared by all the checks of a record, and
the run moves them under the check's id when it is done. A check that raised after tracing, or
whose hits all rested on data the shop does not record, left its lines in the buffer, and the
next check that traced reported them under its own id: an explanation pinned on the wrong rule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sopengine
from sopengine.checks import REGISTRY, CheckContext, CheckType, Hit
from sopengine.errors import EvaluationError

from .conftest import MINI, NOW


class TracesThenFails(CheckType):
    name = "test_traces_then_fails"

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        ctx.trace.append("read the record")
        raise EvaluationError("cannot judge it")
        yield  # (a generator, as most check types are)


class TracesAHitOnUnrecordedData(CheckType):
    """Its rule ``needs`` an inspection the shop does not record: its one hit does not stand
    (``contract.standing``; a check type that cannot decide keeps none), so the check is unverified."""

    name = "test_traces_unrecorded"

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        ctx.trace.append("looked for the inspection")
        yield Hit("", {})


class TracesNothingFound(CheckType):
    name = "test_traces_nothing"

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        ctx.trace.append("nothing to report")
        return
        yield


CHECKS = """
checks:
  - {id: first, severity: error, clauses: [ORD-02], type: FIRST, message: {zh: 甲, en: first}}
  - {id: second, severity: error, clauses: [ORD-02], type: test_traces_nothing, message: {zh: 乙, en: second}}
"""
RECORD = {"process": "order", "id": "T", "placed_at": "2023-06-01T09:00:00+08:00", "payment_status": "paid",
          "events": [{"type": "reviewed", "at": "2023-06-01T10:00:00+08:00", "role": "ops_specialist"}]}


@pytest.mark.parametrize(("first", "line"), [(TracesThenFails, "read the record"),
                                             (TracesAHitOnUnrecordedData, "looked for the inspection")])
def test_a_checks_trace_lines_stay_under_its_own_id(tree, monkeypatch, first, line):
    for cls in (TracesThenFails, TracesAHitOnUnrecordedData, TracesNothingFound):
        monkeypatch.setitem(REGISTRY, cls.name, cls)
    needs = "needs: [inspected], " if first is TracesAHitOnUnrecordedData else ""
    tree("processes/order.yaml", MINI + CHECKS.replace("type: FIRST, ", f"type: {first.name}, {needs}"))
    result = sopengine.load(tree.root).evaluate(RECORD, NOW)
    assert result.error is None
    first_said = [v.rule for v in result.violations if v.rule.startswith("first")]
    assert first_said == (["first:unevaluable"] if first is TracesThenFails else [])
    lines = [line for line in result.trace if line.startswith(("first:", "second:"))]
    assert lines == [f"first: {line}", "second: nothing to report"]
    if first is TracesAHitOnUnrecordedData:
        assert [u.rule for u in result.unverified] == ["first"]

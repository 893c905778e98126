"""What the evaluator defers (trace, steps) or remembers (windows, view texts) for speed reads as it did."""

import pickle
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.policy import Policy
from sopengine.results import Deferred, ReplayStep, Result, deferred
from sopengine.trace import Steps, Trace, event_line

from .conftest import NOW, SH


class Counted(Deferred):
    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines, self.calls = lines, 0

    def resolve(self) -> tuple[str, ...]:
        self.calls += 1
        return self.lines


def test_a_deferred_trace_reads_as_its_tuple_once():
    lines = Counted(("a", "b"))
    r = Result("R1", "order", "1.0.0", "placed", trace=deferred(lines))
    assert lines.calls == 0
    assert r.trace == ("a", "b") and r.trace is r.trace and lines.calls == 1
    assert r == Result("R1", "order", "1.0.0", "placed", trace=("a", "b"))
    assert "('a', 'b')" in repr(r)


def test_but_keeps_an_unread_trace_unread_and_appends_lines():
    lines = Counted(("a",))
    r = Result("R1", "order", "1.0.0", "placed", error="call 13812345678", trace=deferred(lines))
    s = r.but(digest="sha256:x", trace=r.trace_then(["note"]))
    assert lines.calls == 0
    assert (s.digest, s.error, s.trace, s.record) == ("sha256:x", r.error, ("a", "note"), "R1")
    assert "13812345678" not in (s.error or "")
    with pytest.raises(TypeError):
        r.but(colour="red")


def test_pickling_and_hashing_see_the_tuple():
    r = Result("R1", "order", "1.0.0", "placed", trace=deferred(Trace(["x", (str.upper, ("y",))])))
    assert pickle.loads(pickle.dumps(r)).trace == ("x", "Y")
    assert hash(r) == hash(Result("R1", "order", "1.0.0", "placed", trace=("x", "Y")))


def test_steps_become_replay_steps():
    steps = Steps()
    steps.done.append((0, "pay", "placed", "paid"))
    r = Result("R1", "order", "1.0.0", "paid", steps=deferred(steps))
    assert r.steps == (ReplayStep(0, "pay", "placed", "paid"),)


def test_event_lines_mask_what_they_quote():
    at = datetime(2023, 6, 1, 10, tzinfo=SH)
    assert event_line(at, SH, "pay", "13812345678", "pay", "placed", "paid") == (
        "2023-06-01T10:00:00+08:00 pay by 138****5678: pay 'placed' -> 'paid'")
    assert event_line(at, SH, "pay", None, "pay", "placed", "paid").endswith("pay by ?: pay 'placed' -> 'paid'")


def test_an_evaluated_trace_is_text_and_policy_notes_follow_it(engine, orders):
    plain = engine.evaluate(orders["DD20230601004"], NOW)
    assert type(plain.trace) is tuple and all(type(t) is str for t in plain.trace)
    assert plain.trace[0].startswith("version: ") and plain.trace[1].startswith("start in 'placed' at ")
    assert [s.step for s in plain.steps] and type(plain.steps) is tuple
    noted = engine.with_policy(Policy("full", param_notes={"order": ("params x = 1",)})).evaluate(orders["DD20230601004"], NOW)
    assert noted.trace == (*plain.trace, "params x = 1")
    assert noted.digest == plain.digest and noted.violations == plain.violations


def test_a_case_finds_its_window_and_a_range_error_every_time(engine):
    from sopengine.chrono.reader import CalendarRangeError

    ship = next(s for s in engine.versions("order")[0].steps if s.id == "ship")
    case = ship.sla.cases[4]
    inside = datetime(2023, 6, 10, 12, tzinfo=SH)
    assert case.window(inside) is case.during.lookup(inside) is not None and case.window(inside) is case.window(inside)
    for _ in range(2):
        with pytest.raises(CalendarRangeError):
            case.window(datetime(1990, 6, 10, 12, tzinfo=SH))


def test_a_view_shares_what_is_already_in_its_form(engine):
    from sopengine.view import screened_view

    proc = engine.versions("order")[0]
    shown = {"type": "paid", "at": "2023-06-01T10:00:00+08:00"}
    bare = {"type": "paid", "at": "2023-06-01 10:00"}
    view = screened_view({"events": [shown, bare]}, proc.view, proc.timezone)
    assert view["events"][0] is shown
    assert view["events"][1] == {"type": "paid", "at": "2023-06-01T10:00:00+08:00"} and bare["at"] == "2023-06-01 10:00"



_DIGITISH = st.sampled_from("0123456789０W.:+- T")
_SHAPED = st.builds(
    lambda parts, seps: "".join(p + s for p, s in zip(parts, seps, strict=True)),
    st.tuples(*(st.text("0123456789", min_size=n, max_size=n) | st.text(_DIGITISH, min_size=n, max_size=n)
                for n in (4, 2, 2, 2, 2, 2, 2, 2))),
    st.tuples(*(st.sampled_from(s) for s in ("-", "-", "T", ":", ":", "+-", ":", "\n")))).map(str.rstrip) | st.sampled_from([
        "2023-06-01T10:00:00+08:00", "2023-06-01T10:00:00-05:00", "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-08:00", "2023-02-30T10:00:00+08:00", "2023-06-01T24:00:00+08:00", "2023-06-01T10:00:00-00:00",
        "1988-04-10T02:30:00+08:00", "1988-09-11T01:30:00+09:00", "1900-01-01T00:00:00+08:00",
        "2023-06-01T10:00:00-10:00", "2023-06-02T10:00:00+14:00", "1900-01-01T00:00:00+08:05"])  # (Kiritimati: +14:00)


def _general(read, value, tz):
    """``read`` of ``value`` the general way (a leading space is stripped, and is not the written-out shape)."""
    from sopengine.chrono.instants import ValueProblem

    try:
        return read(" " + value, tz)
    except ValueProblem:
        return ValueProblem


@settings(max_examples=1000, deadline=None)
@given(value=_SHAPED, zone=st.sampled_from(["Asia/Shanghai", "America/New_York", "UTC", "Australia/Lord_Howe",
                                                            "Pacific/Kiritimati"]))
def test_the_written_out_shape_reads_and_shows_as_the_general_path(value, zone):
    """China kept summer time in 1986-1991 (1988-04-10 02:30 did not exist, 1988-09-11 01:30 came twice)."""
    from zoneinfo import ZoneInfo

    from sopengine.chrono.instants import (
        _PARSED,
        ValueProblem,
        _parse_instant,
        parse_instant,
        rfc3339,
        shown_as_read,
    )

    tz = ZoneInfo(zone)
    want = _general(_parse_instant, value, tz)
    if want is ValueProblem:
        with pytest.raises(ValueProblem):
            _parse_instant(value, tz)
        _PARSED.clear()
        with pytest.raises(ValueProblem):
            shown_as_read(value, tz)
        return
    got = _parse_instant(value, tz)
    assert (got, got.utcoffset()) == (want, want.utcoffset())
    _PARSED.clear()
    assert shown_as_read(value, tz) == rfc3339(want, tz)
    read = parse_instant(value, tz)  # what shown_as_read remembered of it, read back
    assert (read, read.utcoffset()) == (want, want.utcoffset())
    assert shown_as_read(value, tz) == rfc3339(want, tz)  # (remembered)


def test_a_policy_pickles_without_what_it_remembered(engine, orders):
    engine.evaluate(orders["DD20230601001"], NOW)
    assert engine.policy._recorded and engine.policy._digests
    clone = pickle.loads(pickle.dumps(engine.policy))
    assert clone == engine.policy and not clone._recorded and not clone._digests
    assert clone.recorded(engine.versions("order")[0]) == engine.policy.recorded(engine.versions("order")[0])


def test_messages_render_from_their_parts_as_written():
    from sopengine.render import render

    values = {"a": {"b": [1, 2.0]}, "x": 3.0, "l": ["p", "q"], "n": None}
    assert render("{a.b.1} and {x} {l} {l.1} {l.5} {missing} {a.c} {n} {{x}}", values) == (
        "2 and 3 p、q q {l.5} {missing} {a.c} None {3}")
    assert (render("{x}{x}", values), render("plain", values), render("", values)) == ("33", "plain", "")


def test_a_placeholder_of_one_key_reads_text_and_ints_in_place_and_the_rest_as_before():
    """render reads a one-key placeholder holding exact text or an int itself; anything else (a bool, a
    float, None, a list, a subclass, an absent key, a Mapping that is not a dict) as the general path does."""
    from collections import UserDict
    from enum import IntEnum

    from sopengine.render import _filled, _split, render

    class Tag(str):
        def __str__(self) -> str:
            return "tag"

    class N(IntEnum):
        ONE = 1

    values = {"s": "文本", "i": -7, "b": True, "f": 2.0, "g": 2.5, "z": None, "l": [1, "二"], "t": Tag("t"), "e": N.ONE,
              "d": {"k": 1}}
    template = "<{s}|{i}|{b}|{f}|{g}|{z}|{l}|{t}|{e}|{d}|{d.k}|{gone}>"
    head, placeholders = _split(template)
    general = head + "".join(_filled(p, values) + p[3] for p in placeholders)
    assert render(template, values) == general == (
        "<文本|-7|True|2|2.5|None|1、二|tag|1|{'k': 1}|1|{gone}>")
    assert render(template, UserDict(values)) == general


def test_the_quick_constructors_make_what_the_dataclasses_make():
    from dataclasses import fields

    from sopengine.results import (
        NextAction,
        SourceRef,
        Text,
        Violation,
        line_source,
        make_action,
        make_result,
        make_violation,
    )

    v = make_violation("ORD-x", "error", ("ORD-01",), "中", "en", "/a", {"k": 1})
    assert v == Violation("ORD-x", "error", ("ORD-01",), Text("中", "en"), "/a", {"k": 1}) and len(fields(Violation)) == 6
    a = make_action("ship", "warehouse", None, ("ORD-06",), Text("发货", "ship"), "sla", False, ("warehouse",))
    assert a == NextAction("ship", "warehouse", None, ("ORD-06",), Text("发货", "ship"), "sla", False, ("warehouse",))
    assert len(fields(NextAction)) == 8
    steps = Steps()
    r = make_result("R1", "order", "1.0.0", "paid", (v,), (a,), "sha256:x", SourceRef("f", 1), deferred(Trace(["t"])), (),
                    deferred(steps))
    assert r == Result("R1", "order", "1.0.0", "paid", (v,), (a,), None, "sha256:x", SourceRef("f", 1), ("t",), (), ())
    assert len(fields(Result)) == 12 and repr(r) == repr(Result(*(getattr(r, f.name) for f in fields(Result))))
    s = line_source("in.jsonl", 7)
    assert s == SourceRef("in.jsonl", 7, 1) and repr(s) == repr(SourceRef("in.jsonl", 7, 1)) and len(fields(SourceRef)) == 4


def test_a_quick_deadline_is_the_deadline(engine):
    from dataclasses import fields

    from sopengine.chrono.sla import Deadline, _deadline

    sla = next(s for s in engine.versions("order")[0].steps if s.id == "ship").sla
    at = datetime(2023, 6, 1, 10, tzinfo=SH)
    assert [f.name for f in fields(Deadline)] == ["due", "start", "case", "sla", "window", "estimated", "estimate"]
    assert _deadline(at, None, sla.cases[0], sla) == Deadline(at, None, sla.cases[0], sla)
    assert _deadline(at, at, sla.cases[0], sla, None, (2025,)) == Deadline(at, at, sla.cases[0], sla, None, (2025,))


def test_but_keeps_the_class_of_a_subclassed_result():
    class Mine(Result):
        pass

    r = Mine("R1", "order", "1.0.0", "placed", trace=deferred(Trace(["a"])))
    s = r.but(trace=r.trace_then(["b"]))
    assert type(s) is Mine and s.trace == ("a", "b")

"""sopengine agenda: the open next actions of a batch, by role, overdue first, bounded per role."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from icalendar import Calendar

from sopengine.results import NextAction, Result, Text
from sopengine.tools.agenda import Agenda

from .clirun import run
from .conftest import EXAMPLES, NOW, SCHEMAS, read_jsonl

AT = "2023-06-03T12:00:00+08:00"
AGENDA_SCHEMA = json.loads((SCHEMAS / "agenda.schema.json").read_text("utf-8"))


def _agenda(capsys, *args: str) -> tuple[int, str, str]:
    return run(capsys, "agenda", str(EXAMPLES), "--now", AT, "--profile", "full", *args)  # the examples record everything


def _key(role: str, record: str | None, action: str, due: str | None, clauses: list[str]) -> tuple:
    return (role, record, action, due, tuple(clauses))


def test_the_agenda_holds_exactly_the_next_actions_of_the_results(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES), "--now", AT, "--profile", "full", "--format", "json")
    results = json.loads(out)
    expected = sorted(_key(a["role"], r["record"], a["action"], a["due"], a["clauses"])
                      for r in results for a in r["next_actions"])
    code, out, err = _agenda(capsys, "--format", "json")
    assert code == 0 and err == ""
    items = json.loads(out)
    jsonschema.Draft202012Validator(AGENDA_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(items)
    assert sorted(_key(i["role"], i["record"], i["action"], i["due"], i["clauses"]) for i in items) == expected
    assert len(items) == len(expected) > 50


def test_agenda_order_overdue_first_then_due_then_undated(capsys):
    items = json.loads(_agenda(capsys, "--format", "json")[1])
    roles_seen: list[str] = []
    for i in items:  # grouped: a role's items are contiguous
        if not roles_seen or roles_seen[-1] != i["role"]:
            assert i["role"] not in roles_seen
            roles_seen.append(i["role"])
    for role in roles_seen:
        mine = [i for i in items if i["role"] == role]
        rank = [0 if i["overdue"] else (1 if i["due"] else 2) for i in mine]
        assert rank == sorted(rank), role
        dated = [i["due"] for i in mine if i["due"]]
        assert [datetime.fromisoformat(d) for d in dated] == sorted(datetime.fromisoformat(d) for d in dated)
    ship = next(i for i in items if i["record"] == "DD20230520013")
    assert ship == {**ship, "role": "warehouse", "action": "ship", "overdue": True, "late_by": "13 d 3 h",
                    "clauses": ["ORD-06"], "source": f"{EXAMPLES}/orders.jsonl:13"}
    assert ship["message"].startswith("'Ship and scan the outbound code' (warehouse) is overdue")
    soon = next(i for i in items if i["record"] == "DD20230602006")
    assert soon["late_by"] is None and soon["left"] == "21 h" and soon["message"] == "Ship and scan the outbound code"


def test_role_and_within_filter(capsys):
    items = json.loads(_agenda(capsys, "--format", "json", "--role", "warehouse", "--within", "1d")[1])
    assert [(i["record"], i["overdue"]) for i in items] == [("DD20230520013", True), ("DD20230602006", False),
                                                           ("DD20230602007", False)]
    out = _agenda(capsys, "--role", "warehouse", "--within", "1d")[1]
    lines = out.splitlines()
    assert lines[0] == "warehouse: 3 open, 1 overdue"
    assert lines[1].split()[:4] == ["overdue", "13", "d", "3"] and "DD20230520013 order/ship [ORD-06]" in lines[1]
    assert "outside --role/--within" in lines[-1]


def test_text_in_chinese(capsys):
    out = _agenda(capsys, "--role", "warehouse", "--lang", "zh")[1]
    assert out.splitlines()[0] == "warehouse: 4 项待办, 1 项逾期"
    assert "已逾期 13 d 3 h" in out and "发货并扫描出库" in out


def test_bad_options_are_usage_errors(capsys):
    assert _agenda(capsys, "--within", "soon")[0] == 2
    assert _agenda(capsys, "--limit", "-1")[0] == 2
    assert run(capsys, "agenda", "no/such/file.jsonl", "--now", AT)[0] == 2


def _result(i: int, role: str, due_hours: float | None) -> Result:
    due = None if due_hours is None else (NOW + timedelta(hours=due_hours)).isoformat()
    act = NextAction("ship", role, due, ("ORD-06",), Text("发货", "Ship"), None, due_hours is not None and due_hours < 0)
    return Result(f"R{i:06d}", "order", "1.0.0", "packed", next_actions=(act,))


def test_a_large_batch_keeps_only_the_most_urgent_per_role_and_counts_the_rest():
    agenda = Agenda(NOW, limit=5)
    peak = 0
    n = 20_000
    for i in range(n):  # due times scattered, so the heap is really exercised
        hours = ((i * 7919) % 1000) - 500.0 if i % 10 else None
        agenda.add(_result(i, ("warehouse", "cs_agent")[i % 2], hours))
        peak = max(peak, agenda.count())
    assert peak == 10  # bounded by roles x limit, whatever the number of records
    assert agenda.records == n and sum(agenda.left_out.values()) == n - 10
    groups = dict(agenda.by_role())
    for role in ("warehouse", "cs_agent"):
        want = sorted((((i * 7919) % 1000) - 500.0, f"R{i:06d}") for i in range(n)
                       if i % 10 and ("warehouse", "cs_agent")[i % 2] == role)[:5]
        assert [g.record for g in groups[role]] == [r for _, r in want]
        assert all(g.overdue and g.late_by for g in groups[role])


def test_limit_zero_keeps_everything_in_order():
    agenda = Agenda(NOW, limit=0)
    for i, h in enumerate([5, None, -3, 1, -10]):
        agenda.add(_result(i, "warehouse", h))
    assert [i.record for i in agenda.items()] == ["R000004", "R000002", "R000003", "R000000", "R000001"]
    assert agenda.left_out == {}


def _hostile(tmp_path: Path) -> Path:
    rec = next(r for r in read_jsonl(EXAMPLES / "orders.jsonl") if r["id"] == "DD20230520013")
    rec["id"] = "=HYPERLINK(\"x\");a,b\nBEGIN:VEVENT\\ 很长的订单号" * 3
    p = tmp_path / "hostile.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    return p


def test_ics_is_a_valid_calendar(capsys, tmp_path):
    code, out, _ = _agenda(capsys, "--format", "ics")
    assert code == 0
    raw = out.encode("utf-8")
    assert raw.count(b"\r\n") == raw.count(b"\n") and raw.endswith(b"\r\n")  # CRLF only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    cal = Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    dated = [i for i in json.loads(_agenda(capsys, "--format", "json")[1]) if i["due"]]
    assert len(events) == len(dated)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids) and all(e.get("DTSTAMP") and e.get("DTSTART") for e in events)
    assert out.count("BEGIN:VEVENT") == out.count("END:VEVENT") == len(events)
    # a record id with the characters iCalendar must escape comes back whole, and forges no component
    out = run(capsys, "agenda", str(_hostile(tmp_path)), "--now", AT, "--format", "ics")[1]
    cal = Calendar.from_ical(out.encode("utf-8"))
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]).endswith("=HYPERLINK(\"x\");a,b\\nBEGIN:VEVENT\\ 很长的订单号" * 3)  # newline escaped
    assert all(len(line.encode("utf-8")) <= 75 for line in out.split("\r\n"))


def test_csv_is_rfc4180_and_spreadsheet_safe(capsys, tmp_path):
    out = run(capsys, "agenda", str(_hostile(tmp_path)), "--now", AT, "--format", "csv")[1]
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 1 and rows[0]["record"].startswith("'=HYPERLINK")
    assert rows[0]["overdue"] == "true" and rows[0]["clauses"] == "ORD-06" and rows[0]["late_by"] == "13 d 3 h"


def test_text_escapes_control_characters(capsys, tmp_path):
    out = run(capsys, "agenda", str(_hostile(tmp_path)), "--now", AT)[1]
    assert "\nBEGIN:VEVENT" not in out and "\\nBEGIN:VEVENT" in out


def test_left_out_is_said(capsys):
    _, out, err = _agenda(capsys, "--format", "json", "--limit", "2")
    assert "action(s) of role ops_specialist left out (--limit 2)" in err
    assert max(sum(i["role"] == r for i in json.loads(out)) for r in {i["role"] for i in json.loads(out)}) == 2
    text = _agenda(capsys, "--limit", "2")[1]
    assert "16 more left out (--limit 2 per role" in text


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "ics"])
def test_empty_agenda(capsys, tmp_path, fmt):
    p = tmp_path / "none.jsonl"
    p.write_text("", "utf-8")
    code, out, _ = run(capsys, "agenda", str(p), "--now", AT, "--format", fmt)
    assert code == 0 and out


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "ics"])
def test_no_control_or_bidi_character_reaches_the_output(capsys, tmp_path, fmt):
    rec = next(r for r in read_jsonl(EXAMPLES / "orders.jsonl") if r["id"] == "DD20230520013")
    rec["id"] = "A\x1b[31mB\u202eC\x07"
    p = tmp_path / "ctl.jsonl"
    p.write_text(json.dumps(rec) + "\n", "utf-8")
    code, out, _ = run(capsys, "agenda", str(p), "--now", AT, "--format", fmt)
    assert code == 0 and "B" in out
    assert not any(c in out for c in "\x1b\u202e\x07")

"""Records and tables that are wrong in ways a person can fix: each error says what was expected.

Classes covered: multi-document YAML (one record per document); digits that are
not ASCII wherever a number, a date or an amount is read (record schemas, money,
dates, price tables, decision-table cells, durations); inputs that could not be
read, which always exit 2 whatever ``--fail-on`` says, in every command that reads
records; record errors that name the nearest allowed value, the missing
``process`` and the expected shape instead of a regular expression.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sopengine.chrono.instants import (
    ValueProblem,
    parse_date,
    parse_duration,
    to_decimal,
)
from sopengine.schemas import ecma_regex

from .clirun import run
from .conftest import EXAMPLES, RULES

pytestmark = pytest.mark.usefixtures("bundled_once")
T = "2023-06-03T12:00:00+08:00"
ORDER = json.loads((EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()[0])


def check(capsys, *args: str) -> tuple[int, list[dict], str]:
    code, out, err = run(capsys, "check", *args, "--now", T, "--format", "jsonl", "--rules", str(RULES))
    return code, [json.loads(line) for line in out.splitlines() if line], err


# -- 8: a YAML stream of records -------------------------------------------------------------

def test_each_document_of_a_yaml_records_file_is_a_record(capsys, tmp_path):
    docs = [json.dumps({**ORDER, "id": f"Y{i}"}, ensure_ascii=False) for i in range(3)]
    (tmp_path / "r.yaml").write_text("---\n" + "\n---\n".join(docs) + "\n", "utf-8")
    _code, results, _ = check(capsys, str(tmp_path / "r.yaml"))
    assert [r["record"] for r in results] == ["Y0", "Y1", "Y2"] and not any(r["error"] for r in results)
    assert [r["source"]["line"] for r in results] == [2, 4, 6]


def test_a_yaml_stream_with_a_list_and_a_bad_document_keeps_the_others(capsys, tmp_path):
    (tmp_path / "r.yaml").write_text(
        f"- {json.dumps({**ORDER, 'id': 'L0'})}\n- {json.dumps({**ORDER, 'id': 'L1'})}\n---\n"
        "{a: 1, a: 2}\n---\n" + json.dumps({**ORDER, "id": "Z"}) + "\n", "utf-8")
    code, results, _ = check(capsys, str(tmp_path / "r.yaml"))
    assert [r["record"] for r in results] == ["L0", "L1", None, "Z"]
    assert "duplicate key 'a'" in results[2]["error"] and code == 2


# -- 9: ASCII digits wherever digits are meant ----------------------------------------------

@pytest.mark.parametrize("field, value", [("amount", "１２"), ("amount", "١٢"), ("amount", "12.５"),
                                          ("placed_at", "２023-06-01T15:30:00+08:00")])
def test_non_ascii_digits_in_a_record_are_schema_errors(engine, field, value):
    r = engine.evaluate({**ORDER, field: value})
    assert r.error is not None and f"/{field}: " in r.error and repr(value) in r.error, r.error


def test_every_schema_pattern_means_ascii_digits():
    assert ecma_regex(r"^\d+(\.\d+)?$") == r"^[0-9]+(\.[0-9]+)?$"
    assert ecma_regex(r"[\d.]\w[^\W]\\d") == r"[0-9.][A-Za-z0-9_][^\W]\\d"


@pytest.mark.parametrize("reader, value", [(to_decimal, "１２"), (parse_date, "２０２３-06-01"), (parse_duration, "２４h")])
def test_the_engine_readers_refuse_non_ascii_digits(reader, value):
    with pytest.raises(ValueProblem):
        reader(value)


@pytest.mark.parametrize("row", ["A,2023-05-01,１２", "A,２０２３-05-01,12"])
def test_a_price_table_with_non_ascii_digits_is_refused(capsys, tmp_path, row):
    (tmp_path / "p.csv").write_text(f"sku,date,price\n{row}\n", "utf-8")
    code, _out, err = run(capsys, "check", str(EXAMPLES / "campaigns.jsonl"), "--now", T,
                         "--table", f"price_history={tmp_path / 'p.csv'}")
    assert code == 2 and f"{tmp_path / 'p.csv'}:2:" in err


def test_a_decision_table_cell_with_non_ascii_digits_is_not_a_number():
    from sopengine.checks.dmn import _CMP

    assert _CMP.match(">= 80") and not _CMP.match(">= ８０")


# -- 10: an input that could not be read is exit 2, whatever --fail-on says ----------------

@pytest.mark.parametrize("fail_on", ["never", "info", "error"])
def test_an_unreadable_input_is_exit_2_under_every_fail_on(capsys, tmp_path, fail_on):
    (tmp_path / "bad.json").write_bytes(b"\xff")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(ORDER) + "\n", "utf-8")
    code, results, err = check(capsys, str(tmp_path / "bad.json"), str(good), "--fail-on", fail_on)
    assert code == 2 and len(results) == 2 and "1 input(s) could not be read" in err


def test_agenda_and_diff_exit_2_on_an_unreadable_input(capsys, tmp_path):
    (tmp_path / "bad.jsonl").write_text("{not json\n", "utf-8")
    code, _out, err = run(capsys, "agenda", str(tmp_path / "bad.jsonl"), "--now", T, "--rules", str(RULES))
    assert code == 2 and "could not be read" in err
    code, _out, err = run(capsys, "diff", str(RULES), str(RULES), "--records", str(tmp_path / "bad.jsonl"), "--now", T)
    assert code == 2 and "could not be read" in err


def test_readable_inputs_keep_their_exit_codes(capsys):
    assert check(capsys, str(EXAMPLES / "orders.jsonl"), "--fail-on", "never")[0] == 0
    assert check(capsys, str(EXAMPLES / "orders.jsonl"))[0] == 1


# -- 12: record errors say what to do --------------------------------------------------------

def test_an_unknown_event_type_suggests_the_nearest(engine):
    rec = {**ORDER, "events": [{**ORDER["events"][0], "type": "shiped"}]}
    assert "/events/0/type: 'shiped' is not one of the 14 allowed values; did you mean 'shipped'?" in engine.evaluate(rec).error


def test_a_record_without_a_process_is_told_so(engine):
    rec = {k: v for k, v in ORDER.items() if k != "process"}
    err = engine.evaluate(rec).error
    assert err.startswith("the record has no 'process' field") and "order" in err
    assert "did you mean 'order'?" in engine.evaluate({**ORDER, "process": "ordr"}).error


@pytest.mark.parametrize("field, value, expected", [
    ("amount", "299.0.0", "is not an amount in ASCII digits with an optional decimal point, e.g. 299.00"),
    ("owner", 5, "5 is not of type 'string'"),
])
def test_money_and_timestamps_show_a_readable_format(engine, field, value, expected):
    err = engine.evaluate({**ORDER, field: value}).error
    assert expected in err and "^" not in err, err


def test_a_bad_timestamp_shows_the_format_expected(engine):
    err = engine.evaluate({**ORDER, "placed_at": "June 1st"}).error
    assert "(write e.g. 2023-06-01T15:30:00+08:00)" in err and "^" not in err
    ev = {**ORDER["events"][0], "at": "2023-06-01T25:00:00+08:00"}
    err = engine.evaluate({**ORDER, "events": [ev]}).error
    assert "is not an RFC 3339 timestamp with ASCII digits, e.g. 2023-06-01T15:30:00+08:00" in err, err


def test_a_records_yaml_with_a_tab_says_what_to_do(capsys, tmp_path):
    (tmp_path / "r.yaml").write_text("process: order\n\tid: A\n", "utf-8")
    code, results, _ = check(capsys, str(tmp_path / "r.yaml"))
    assert code == 2 and "YAML indents with spaces only" in results[0]["error"]
    assert (Path(results[0]["source"]["file"]).name, results[0]["source"]["line"]) == ("r.yaml", 2)

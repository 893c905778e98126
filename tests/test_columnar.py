"""Records from Arrow and results to Arrow: the conversion every columnar path shares (#12)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from .conftest import NOW, ROOT, read_jsonl
from .scalekit import cli_results, example_files, need

pa = need("pyarrow", "parquet")
pq = need("pyarrow.parquet", "parquet")

from sopengine.columnar import (
    RESULT_SCHEMA,
    records_from_batch,
    results_to_batch,
    row_to_result_dict,
)
from sopengine.inputs.records import Unreadable

SH = ZoneInfo("Asia/Shanghai")


def records(table, zone=SH):
    return list(records_from_batch(table, lambda _p: zone))


def table_of(rows: list[dict]):
    """A table over the union of the rows' keys (from_pylist would take the first row's keys only)."""
    return pa.Table.from_struct_array(pa.array(rows))


def test_nulls_are_absent_at_every_depth_and_all_null_columns_vanish():
    t = pa.table({
        "process": ["order", "order"],
        "id": ["A", "B"],
        "remark": pa.array([None, None], pa.string()),  # all-null column of a merged schema
        "address": pa.array([{"text": "x", "remote": None}, None], pa.struct([("text", pa.string()), ("remote", pa.bool_())])),
        "events": pa.array([[{"type": "paid", "at": None}], []], pa.list_(pa.struct([("type", pa.string()), ("at", pa.string())]))),
    })
    a, b = records(t)
    assert a == {"process": "order", "id": "A", "address": {"text": "x"}, "events": [{"type": "paid"}]}
    assert b == {"process": "order", "id": "B", "events": []}  # an empty array is a value, kept


def test_aware_timestamps_are_written_in_the_process_zone_and_naive_ones_stay_wall_time():
    utc = datetime(2023, 6, 1, 7, 30, tzinfo=UTC)
    t = pa.table({
        "process": ["order"],
        "aware": pa.array([utc], pa.timestamp("us", tz="UTC")),
        "aware_ns": pa.array([utc], pa.timestamp("ns", tz="Europe/Berlin")),
        "naive": pa.array([datetime(2023, 6, 1, 15, 30)], pa.timestamp("ms")),
        "day": pa.array([date(2023, 6, 1)], pa.date32()),
    })
    (r,) = records(t)
    assert r["aware"] == r["aware_ns"] == "2023-06-01T15:30:00+08:00"
    assert r["naive"] == "2023-06-01T15:30:00"  # the engine reads it in the process's zone, as a string without offset
    assert r["day"] == "2023-06-01"
    (kept,) = records(t, zone=None)  # an unknown process: the value keeps its own offset
    assert kept["aware"] == "2023-06-01T07:30:00+00:00"


def test_decimals_stay_exact_and_money_judges_as_from_text(engine):
    order = read_jsonl(ROOT / "examples" / "orders.jsonl")[0]
    t = table_of([order])
    t = t.set_column(t.schema.get_field_index("amount"), "amount", pa.array([Decimal(order["amount"])], pa.decimal128(12, 2)))
    (r,) = records(t)
    assert r["amount"] == Decimal("299.00") and isinstance(r["amount"], Decimal)
    assert engine.evaluate(r, NOW).to_dict() == engine.evaluate(order, NOW).to_dict()


@pytest.mark.parametrize("column, what", [
    (pa.array([b"\x00\x01"]), "binary data"),
    (pa.array([timedelta(hours=1)]), "a duration"),
    (pa.array([[(1, "x")]], pa.map_(pa.int64(), pa.string())), "map key 1 is not text"),
    (pa.array([[("k", "x"), ("k", "y")]], pa.map_(pa.string(), pa.string())), "duplicate"),
])
def test_a_value_with_no_json_form_fails_its_row_only(column, what):
    t = pa.table({"process": ["order", "order"], "bad": pa.concat_arrays([column, pa.nulls(1, column.type)])})
    bad, fine = records(t)
    assert isinstance(bad, Unreadable) and "/bad" in bad.message and what in bad.message
    assert fine == {"process": "order"}


def test_maps_become_objects():
    t = pa.table({"process": ["kpi_daily"], "m": pa.array([[("uv", 3)]], pa.map_(pa.string(), pa.int64()))})
    assert records(t) == [{"process": "kpi_daily", "m": {"uv": 3}}]


def _schema_fields(node, root):
    while "$ref" in node:
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_the_arrow_schema_mirrors_the_result_json_schema():
    """Every property of schemas/result.schema.json is a column, nested as declared; a field
    the contract gains becomes a column without a second edit (the schema is derived)."""
    doc = json.loads((ROOT / "schemas" / "result.schema.json").read_text("utf-8"))

    def check(node, arrow_type, where):
        node = _schema_fields(node, doc)
        types = [t for t in ([node["type"]] if isinstance(node.get("type"), str) else node.get("type", [])) if t != "null"]
        if types == ["array"]:
            assert pa.types.is_list(arrow_type), where
            check(node.get("items", {}), arrow_type.value_type, where + "[]")
        elif types == ["object"] and node.get("properties"):
            assert pa.types.is_struct(arrow_type), where
            assert [arrow_type.field(i).name for i in range(arrow_type.num_fields)] == list(node["properties"]), where
            for k, v in node["properties"].items():
                check(v, arrow_type.field(k).type, f"{where}.{k}")
        elif types == ["object"]:
            assert arrow_type == pa.string(), f"{where}: free-form objects are JSON text"

    assert RESULT_SCHEMA.names == list(doc["properties"])
    for name in doc["properties"]:
        check(doc["properties"][name], RESULT_SCHEMA.field(name).type, name)


def test_result_rows_round_trip_to_the_json_contract(engine):
    results = [engine.evaluate(r, NOW) for path in example_files() for r in read_jsonl(path)]
    for trace in (False, True):
        batch = results_to_batch(results, lang="zh", trace=trace)
        assert batch.schema == RESULT_SCHEMA and batch.num_rows == len(results)
        back = [row_to_result_dict(row) for row in batch.to_pylist()]
        assert back == [r.to_dict("zh", trace=trace) for r in results]


def test_passthrough_columns_follow_the_contract_and_may_not_shadow_it(engine):
    results = [engine.evaluate({"process": "nope"}, NOW)] * 2
    keep = pa.table({"dt": ["2023-06-01", "2023-06-02"]})
    batch = results_to_batch(results, passthrough=keep)
    assert batch.schema.names[-1] == "dt" and batch.column("dt").to_pylist() == ["2023-06-01", "2023-06-02"]
    with pytest.raises(ValueError, match="record"):
        results_to_batch(results, passthrough=pa.table({"record": ["a", "b"]}))


def test_passthrough_table_of_several_chunks_or_none_keeps_every_row(engine):
    """A Table's first batch held only its first chunk's rows; an empty Table's columns are chunked (mypy saw it)."""
    results = [engine.evaluate({"process": "nope"}, NOW)] * 2
    two = pa.concat_tables([pa.table({"dt": ["2023-06-01"]}), pa.table({"dt": ["2023-06-02"]})])
    assert two.column("dt").num_chunks == 2
    assert results_to_batch(results, passthrough=two).column("dt").to_pylist() == ["2023-06-01", "2023-06-02"]
    empty = results_to_batch([], passthrough=pa.table({"dt": pa.array([], pa.string())}))
    assert empty.num_rows == 0 and empty.schema.names[-1] == "dt"


# -- the command line ------------------------------------------------------

def _parquet_copy(src, dest):
    pq.write_table(table_of(read_jsonl(src)), dest)


def test_check_reads_parquet_as_it_reads_json_lines(tmp_path, capsys):
    """Every example record, one Parquet file each (some examples are deliberately malformed, with
    a field's type differing between records, which one Parquet schema cannot hold)."""
    for src in example_files():
        for i, rec in enumerate(read_jsonl(src)):
            pq.write_table(table_of([rec]), tmp_path / f"{src.stem}-{i:03d}.parquet")
    from_parquet = cli_results(capsys, tmp_path)  # a directory: its .parquet files are record files
    from_json = cli_results(capsys, *example_files())
    assert len(from_parquet) == len(from_json) == sum(len(read_jsonl(p)) for p in example_files())
    assert from_parquet == from_json


def test_parquet_rows_are_located_by_row_number(tmp_path, capsys):
    from .clirun import run

    _parquet_copy(ROOT / "examples" / "orders.jsonl", tmp_path / "o.parquet")
    _, out, _ = run(capsys, "check", tmp_path / "o.parquet", "--now", "2023-06-03T12:00:00+08:00", "--format", "json")
    sources = [r["source"] for r in json.loads(out)]
    assert [s["pointer"] for s in sources] == [f"/{i}" for i in range(len(sources))]


def test_a_file_that_is_not_parquet_is_one_error_result_and_the_batch_goes_on(tmp_path, capsys):
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    _parquet_copy(ROOT / "examples" / "orders.jsonl", tmp_path / "o.parquet")
    results = cli_results(capsys, tmp_path / "broken.parquet", tmp_path / "o.parquet")
    assert "not a readable Parquet file" in results[0]["error"]
    assert len(results) == 1 + len(read_jsonl(ROOT / "examples" / "orders.jsonl"))


def test_format_parquet_writes_the_result_rows(tmp_path, capsys):
    from .clirun import run

    out = tmp_path / "results.parquet"
    code, _, err = run(capsys, "check", *example_files(), "--now", "2023-06-03T12:00:00+08:00", "--format", "parquet",
                       "-o", out)
    assert code == 1, err
    table = pq.read_table(out)
    assert table.schema == RESULT_SCHEMA
    rows = [row_to_result_dict(r) for r in table.to_pylist()]
    reference = cli_results(capsys, *example_files())
    assert [{k: v for k, v in r.items() if k != "source"} for r in rows] == reference


def test_format_parquet_refuses_a_terminal(capsys, monkeypatch):
    from sopengine.errors import InputError
    from sopengine.report import FORMATS, ReportOptions

    class Tty:
        def isatty(self):
            return True

    class Out:
        buffer = Tty()

        def flush(self):
            pass

    with pytest.raises(InputError, match="terminal"):
        FORMATS["parquet"](iter(()), Out(), ReportOptions())

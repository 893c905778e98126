"""Reference price tables: CSV / JSON Lines, exact prices, errors at file:line, and `check --table`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from sopengine.cli import main
from sopengine.inputs.price_log import TableError, load_price_table, parse_table_option

from .checkkit import process


def test_csv_with_bom_any_column_order_and_extra_columns(tmp_path):
    p = tmp_path / "prices.csv"
    p.write_text("\ufeffPrice,SKU,note,Date\n299.00,A,,2023-05-20\n\n279.00,A,sale,2023-05-02\n10,B,x,2023-05-01\n", "utf-8")
    t = load_price_table(p)
    assert t == {"A": [(date(2023, 5, 2), Decimal("279.00")), (date(2023, 5, 20), Decimal("299.00"))],
                 "B": [(date(2023, 5, 1), Decimal(10))]}


def test_jsonl_numbers_are_read_as_decimals(tmp_path):
    p = tmp_path / "prices.jsonl"
    p.write_text('{"sku": "A", "date": "2023-05-20", "price": 0.3}\n\n{"sku": "A", "date": "2023-05-19", "price": 7}\n',
                 "utf-8")
    t = load_price_table(p)
    assert t["A"] == [(date(2023, 5, 19), Decimal(7)), (date(2023, 5, 20), Decimal("0.3"))]
    assert str(t["A"][1][1]) == "0.3"  # not 0.299999...


@pytest.mark.parametrize("name, text, where, what", [
    ("p.csv", "sku,date,price\nA,2023-05-01,10\nA,2023-05-02,\"1,299.00\"\n", "p.csv:3:", "thousands separator"),
    ("p.csv", "sku,date,price\nA,2023/05/01,10\n", "p.csv:2:", "YYYY-MM-DD"),
    ("p.csv", "sku,date,price\nA,2023-02-30,10\n", "p.csv:2:", "calendar day"),
    ("p.csv", "sku,day,price\nA,2023-05-01,10\n", "p.csv:1:", "lacks column(s) date"),
    ("p.csv", "sku,date,price\n,2023-05-01,10\n", "p.csv:2:", "sku"),
    ("p.csv", "sku,date,price\nA,2023-05-01\n", "p.csv:2:", "column(s)"),
    ("p.csv", "", "p.csv:1:", "empty file"),
    ("p.jsonl", '{"sku": "A", "date": "2023-05-01", "price": 1}\n{"sku": "A",\n', "p.jsonl:2:", "not JSON"),
    ("p.jsonl", '{"sku": "A", "date": "2023-05-01", "price": -1}\n', "p.jsonl:1:", "non-negative"),
    ("p.jsonl", '{"sku": "A", "date": "2023-05-01"}\n', "p.jsonl:1:", "missing price"),
    ("p.jsonl", '[1, 2]\n', "p.jsonl:1:", "expected an object"),
    ("p.jsonl", '{"sku": "A", "date": "2023-05-01", "price": true}\n', "p.jsonl:1:", "not an amount"),
])
def test_errors_name_file_and_line(tmp_path, name, text, where, what):
    p = tmp_path / name
    p.write_text(text, "utf-8")
    with pytest.raises(TableError) as ei:
        load_price_table(p)
    assert str(ei.value).startswith(str(tmp_path / where)) and what in str(ei.value)


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(TableError, match="use .csv or .jsonl"):
        load_price_table(tmp_path / "p.xlsx")
    with pytest.raises(TableError, match="no such file"):
        load_price_table(tmp_path / "p.csv")


def test_table_option():
    assert parse_table_option("prices=a=b.csv") == ("prices", __import__("pathlib").Path("a=b.csv"))
    for bad in ("prices", "=x.csv", "Prices=x.csv", "prices="):
        with pytest.raises(TableError):
            parse_table_option(bad)


PROMO = """\
  - id: MKT-promo-price
    severity: error
    clauses: [MKT-12]
    type: promo_price
    params: {window_days: 30, table: prices, fields: {history: null}}
    message:
      zh: "SKU {sku} 促销价 {promo_price} 不低于活动前 {window_days} 天最低价 {minimum}（{minimum_date}）"
      en: "SKU {sku}: promotional price {promo_price} is not below the {window_days}-day minimum {minimum} ({minimum_date})"
"""


def test_check_command_passes_tables_to_the_engine(tree, tmp_path, capsys):
    tree("campaign.yaml", process("campaign", "campaign", PROMO))
    rec = {"process": "campaign", "id": "C1", "starts_at": "2023-06-01T00:00:00+08:00",
           "ends_at": "2023-06-10T00:00:00+08:00", "items": [{"sku": "A", "promo_price": "279.00"}]}
    (tmp_path / "c.json").write_text(json.dumps(rec), "utf-8")
    (tmp_path / "p.csv").write_text("sku,date,price\nA,2023-05-20,279.00\nA,2023-05-24,299.00\n", "utf-8")
    args = ["check", str(tmp_path / "c.json"), "--rules", str(tree.root), "--now", "2023-06-03T12:00:00+08:00",
            "--format", "json"]
    assert main(args + ["--table", f"prices={tmp_path / 'p.csv'}"]) == 1
    [result] = json.loads(capsys.readouterr().out)
    [v] = result["violations"]
    assert v["rule"] == "MKT-promo-price" and v["evidence"]["minimum"] == "279.00"
    assert v["message"] == "SKU A: promotional price 279.00 is not below the 30-day minimum 279.00 (2023-05-20)"
    # without the table the rule cannot be judged: said loudly, not passed
    main(args)
    [result] = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in result["violations"]] == ["MKT-promo-price:unevaluable"]
    assert "--table prices=" in result["violations"][0]["message"]
    # a bad table is a usage error naming file and line
    (tmp_path / "bad.csv").write_text("sku,date,price\nA,2023-05-20,¥279\n", "utf-8")
    assert main(args + ["--table", f"prices={tmp_path / 'bad.csv'}"]) == 2
    assert f"{tmp_path / 'bad.csv'}:2:" in capsys.readouterr().err

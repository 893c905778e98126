"""Reference tables handed to the engine: price history kept outside the records.

A campaign record rarely carries 30 days of prices for every SKU; the shop's
price log does. ``load_price_table`` reads that log (CSV with a header, or JSON
Lines) into ``{sku: [(date, Decimal), ...]}`` sorted by date, the shape the
``promo_price`` check reads from ``ctx.tables[name]``. Prices stay exact
(``Decimal``; JSON numbers are parsed as decimals, never through float), and
every bad row is reported as ``file:line`` with what is wrong, because a price
log is usually an export someone will have to fix by hand.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import TableError
from .files import open_input, read_limited
from .records import MAX_DOCUMENT_BYTES

MAX_TABLE_BYTES = MAX_DOCUMENT_BYTES  # a table is read whole, like a JSON or YAML document of records

__all__ = ["PriceTable", "TableError", "load_price_table", "parse_table_option"]

PriceTable = dict[str, list[tuple[date, Decimal]]]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_PRICE = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
COLUMNS = ("sku", "date", "price")


def _where(path: Path, line: int) -> str:
    return f"{path}:{line}"


def _price(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise TableError(f"{where}: price {raw!r} is not an amount")
    if isinstance(raw, (int, Decimal)):
        d = Decimal(raw)
    elif isinstance(raw, str) and _PRICE.match(raw.strip()):
        d = Decimal(raw.strip())
    else:
        raise TableError(f"{where}: price {raw!r} is not an amount (write digits with an optional decimal point, "
                         "e.g. 1299.00: no currency sign, no thousands separator)")
    if not d.is_finite() or d < 0:
        raise TableError(f"{where}: price {raw!r} is not a non-negative amount")
    return d


def _day(raw: Any, where: str) -> date:
    if not isinstance(raw, str) or not _DATE.match(raw.strip()):
        raise TableError(f"{where}: date {raw!r} is not a YYYY-MM-DD day")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise TableError(f"{where}: date {raw!r} is not a calendar day") from None


def _sku(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise TableError(f"{where}: sku {raw!r} is empty or not text")
    return raw.strip()


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, Any, Any, Any]]:
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        raise TableError(f"{_where(path, 1)}: empty file; expected a header row with {', '.join(COLUMNS)}")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise TableError(f"{_where(path, 1)}: header {header!r} lacks column(s) {', '.join(missing)}")
    idx = [names.index(c) for c in COLUMNS]
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(idx):
            raise TableError(f"{_where(path, line)}: {len(row)} column(s), expected at least {max(idx) + 1}")
        yield line, row[idx[0]], row[idx[1]], row[idx[2]]


def _jsonl_rows(path: Path, text: str) -> Iterator[tuple[int, Any, Any, Any]]:
    for line, raw in enumerate(text.split("\n"), 1):  # JSON Lines end at \n only; a string may hold \u2028
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise TableError(f"{_where(path, line)}: not JSON ({exc.msg}, column {exc.colno})") from None
        except RecursionError:
            raise TableError(f"{_where(path, line)}: not JSON (nested too deeply)") from None
        except ValueError as exc:  # an integer of more than 4300 digits
            raise TableError(f"{_where(path, line)}: not JSON ({str(exc).split(';')[0]})") from None
        if not isinstance(obj, dict):
            raise TableError(f"{_where(path, line)}: expected an object with {', '.join(COLUMNS)}")
        missing = [c for c in COLUMNS if c not in obj]
        if missing:
            raise TableError(f"{_where(path, line)}: missing {', '.join(missing)}")
        yield line, obj["sku"], obj["date"], obj["price"]


def load_price_table(path: str | Path) -> PriceTable:
    """SKU -> [(day, price)] sorted by day (stable: same-day rows keep file order)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows
    else:
        raise TableError(f"{p}: unknown table format {suffix or '(no extension)'!r}; use .csv or .jsonl")
    try:
        with open_input(p) as fh:  # the special-file handling and limits of record inputs
            raw = read_limited(fh, MAX_TABLE_BYTES)
    except FileNotFoundError:
        raise TableError(f"{p}: no such file") from None
    except OSError as exc:
        raise TableError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if raw is None:
        raise TableError(f"{p}: over the {MAX_TABLE_BYTES} byte limit for a table")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    table: PriceTable = {}
    try:
        for line, sku, day, price in rows(p, text):
            where = _where(p, line)
            table.setdefault(_sku(sku, where), []).append((_day(day, where), _price(price, where)))
    except csv.Error as exc:
        raise TableError(f"{p}: CSV error: {exc}") from None
    except InvalidOperation:  # pragma: no cover - _price validates the text first
        raise TableError(f"{p}: unreadable amount") from None
    for entries in table.values():
        entries.sort(key=lambda e: e[0])
    return table


def parse_table_option(spec: str) -> tuple[str, Path]:
    """``NAME=FILE`` of the command line's ``--table``."""
    name, sep, file = spec.partition("=")
    if not sep or not file:
        raise TableError(f"--table {spec!r}: expected NAME=FILE, e.g. prices=price_log.csv")
    if not _NAME.match(name):
        raise TableError(f"--table {spec!r}: the name must be lower case letters, digits and _ (the rule's `table:`)")
    return name, Path(file)

"""Arrow rows as records of the contract (RECORDS.md): what JSON would have said.

A Spark or Parquet row carries every column of the merged schema, with null where
a record has no value, so null means *absent* and is dropped (at every depth of a
struct), never passed on as a value the record schema would reject. Temporal
values become the strings the contract describes: an aware timestamp is written in
its process's time zone with its offset, a naive one without an offset (which the
engine reads in the process's time zone, as it does a string without an offset), a
date as YYYY-MM-DD. Decimals stay ``Decimal``: money is compared exactly, and the
record schema accepts them as numbers. What has no JSON form (binary, a map with
non-text keys) makes that one record unreadable, never the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ..errors import SopError
from ..inputs.unreadable import Unreadable

__all__ = ["ConversionError", "records_from_batch", "to_record_value"]

ZoneOf = Callable[[Any], "tzinfo | None"]


class ConversionError(SopError, ValueError):
    """A column value with no JSON form; ``pointer`` names it inside the record."""

    def __init__(self, pointer: str, message: str) -> None:
        self.pointer = pointer
        super().__init__(f"{pointer}: {message}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def to_record_value(value: Any, tz: tzinfo | None, pointer: str = "") -> Any:
    """One Arrow-to-Python value as the contract's JSON value; None for an absent one.

    Recursion is bounded by the column types (Arrow nesting is declared, not data),
    and the engine screens the depth of what comes out as it does for JSON.
    """
    if value is None or isinstance(value, (str, bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return value.astimezone(tz).isoformat() if value.tzinfo is not None and tz is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConversionError(pointer or "the record", f"map key {k!r} is not text, which a JSON object needs")
            converted = to_record_value(v, tz, f"{pointer}/{_escape(k)}")
            if converted is not None:
                out[k] = converted
        return out
    if isinstance(value, list):
        return [to_record_value(v, tz, f"{pointer}/{i}") for i, v in enumerate(value)]
    if isinstance(value, time):
        return value.isoformat()
    what = {bytes: "binary data", bytearray: "binary data", timedelta: "a duration"}.get(type(value), type(value).__name__)
    raise ConversionError(pointer or "the record", f"{what} has no JSON form in the record contract")


class _Bad:
    """A value ``as_py`` refused (a map holding a key twice); it fails its row only."""

    def __init__(self, message: str) -> None:
        self.message = message


def _values(column: pa.Array[Any] | pa.ChunkedArray[Any], name: str) -> list[Any]:
    """A column's Python values, maps as dicts; a key given twice is an error of that row
    (``lossy`` would keep one of the two silently)."""
    try:
        values: list[Any] = column.to_pylist(maps_as_pydicts="strict")
        return values
    except (KeyError, ValueError, pa.ArrowException):
        out: list[Any] = []
        for cell in column:
            try:
                out.append(cell.as_py(maps_as_pydicts="strict"))
            except (KeyError, ValueError, pa.ArrowException) as exc:
                out.append(_Bad(f"/{_escape(name)}: {exc}"))
        return out


def records_from_batch(batch: pa.RecordBatch | pa.Table, zone_of: ZoneOf,
                       exclude: Sequence[str] = ()) -> Iterator[Mapping[str, Any] | Unreadable]:
    """Each row of ``batch`` as a record (or an ``Unreadable`` saying which value failed).

    ``zone_of(process)`` is the time zone aware timestamps are written in (the
    process's own, so that evidence reads as the shop's systems write it); None
    keeps the value's own offset. ``exclude`` names columns that are not part of
    the record (pass-through keys, partition columns).
    """
    skip = set(exclude)
    names = [n for n in batch.schema.names if n not in skip]
    columns = [_values(batch.column(batch.schema.get_field_index(n)), n) for n in names]
    for values in zip(*columns) if columns else ([] for _ in range(batch.num_rows)):
        row = {n: v for n, v in zip(names, values) if v is not None}
        bad = next((v for v in row.values() if isinstance(v, _Bad)), None)
        if bad is not None:
            yield Unreadable(f"cannot convert a column value: {bad.message}")
            continue
        try:
            tz = zone_of(row.get("process"))
            yield {n: to_record_value(v, tz, "/" + _escape(n)) for n, v in row.items()}
        except ConversionError as exc:
            yield Unreadable(f"cannot convert a column value: {exc}")

"""Parquet files as record input and result output for the command line.

Reading streams row groups in batches, so a file of millions of orders never sits in
memory at once; each row's place is a JSON Pointer ``/N`` (its row number from 0),
as an element of a JSON array would be. Writing streams too: results are gathered
into Arrow batches of ``BATCH_ROWS`` and written as they fill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..inputs.unreadable import Unreadable
from ..results import Result, SourceRef
from .records import ZoneOf, records_from_batch
from .results import result_schema, results_to_batch

__all__ = ["BATCH_ROWS", "read_parquet", "write_parquet"]

BATCH_ROWS = 4096


def read_parquet(path: Path, name: str, zone_of: ZoneOf | None = None) -> Iterator[tuple[Any, SourceRef]]:
    """Records of a Parquet file; a file that is not Parquet is one Unreadable naming it."""
    zones: ZoneOf = zone_of or (lambda _process: None)
    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        yield Unreadable(f"not a readable Parquet file: {exc}"), SourceRef(name)
        return
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            for record in records_from_batch(batch, zones):
                yield record, SourceRef(name, pointer=f"/{row}")
                row += 1
    except (OSError, pa.ArrowException) as exc:  # a truncated or corrupt row group, half-way
        yield Unreadable(f"cannot read the Parquet file after row {row}: {exc}"), SourceRef(name, pointer=f"/{row}")


def write_parquet(results: Iterable[Result], sink: IO[bytes], *, lang: str = "en", trace: bool = False,
                  on_result: Callable[[Result], object] | None = None) -> int:
    """Write ``results`` as Parquet rows of the result schema; returns how many were written."""
    schema = result_schema()
    n = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        chunk: list[Result] = []
        for r in results:
            if on_result is not None:
                on_result(r)
            chunk.append(r)
            if len(chunk) >= BATCH_ROWS:
                writer.write_batch(results_to_batch(chunk, lang=lang, trace=trace))
                n += len(chunk)
                chunk = []
        if chunk:
            writer.write_batch(results_to_batch(chunk, lang=lang, trace=trace))
            n += len(chunk)
    return n

"""Results as Parquet (``--format parquet -o results.parquet``), in the columnar result schema
that the Spark and Dask adapters produce, so a batch job needs no Python to get a table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from ..errors import InputError
from ..results import Result
from .base import ReportOptions, Summary, register


@register("parquet")
def write_parquet(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    try:
        from ..columnar.parquet import write_parquet as write
    except ImportError as exc:
        raise InputError(f"--format parquet: {exc}") from None
    sink = getattr(out, "buffer", None)
    if sink is None:
        raise InputError("--format parquet writes bytes: give -o FILE or a binary standard output")
    if sink.isatty():
        raise InputError("--format parquet will not write binary data to a terminal: give -o FILE")
    out.flush()
    s = Summary()
    write(results, sink, lang=opts.lang, trace=opts.trace, on_result=s.add)
    sink.flush()
    return s

"""Dask: ``map_partitions`` with the same per-worker Engine cache and the result schema as Arrow dtypes.

Partitions arrive as pandas DataFrames; read the input with pyarrow-backed dtypes
(``dd.read_parquet(..., dtype_backend="pyarrow")``): NumPy dtypes turn an integer
column with a missing value into floats, which the record contract does not accept
as quantities. Results come back with ``pd.ArrowDtype`` columns of the same Arrow
schema that Spark and ``--format parquet`` produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
from dask.delayed import delayed

from ..engine import Engine
from .batches import evaluate_batch
from .common import Job, prepare
from .results import result_schema
from .workers import engine_for

__all__ = ["evaluate", "evaluate_partition"]


def _empty(schema: pa.Schema) -> pd.DataFrame:
    return schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def evaluate_partition(part: pd.DataFrame, job: Job) -> pd.DataFrame:
    """One partition's results (also usable on its own, e.g. with ``pandas`` alone)."""
    engine = engine_for(job.spec)
    table = pa.Table.from_pandas(part, preserve_index=False)
    keep = pa.schema([table.schema.field(c) for c in job.passthrough])
    batches = [evaluate_batch(engine, b, job.now, version=job.version, lang=job.lang, trace=job.trace,
                              passthrough=job.passthrough, ignore=job.ignore) for b in table.to_batches()]
    schema = result_schema(keep)
    out = pa.Table.from_batches(batches, schema=schema) if batches else schema.empty_table()
    frame = out.to_pandas(types_mapper=pd.ArrowDtype)
    frame.index = part.index  # one result per input row, aligned with it
    return frame


def evaluate(ddf: dd.DataFrame, rules: str | Path | Engine | None = None, now: datetime | str | None = None, *,
             version: str | None = None, lang: str = "en", explain: bool = False, passthrough: Any = (),
             ignore: Any = (), tables: Mapping[str, Any] | None = None) -> dd.DataFrame:
    """A Dask DataFrame of results, one row per row of ``ddf``, partition for partition.

    Options as ``sopengine.spark.evaluate``. The Job (rules spec included) enters the
    graph once, as a single delayed value shared by every partition's task.
    """
    engine, job = prepare(rules, now, version=version, lang=lang, explain=explain, passthrough=passthrough,
                          ignore=ignore, tables=tables, columns=list(ddf.columns))
    del engine
    keep = pa.Schema.from_pandas(ddf._meta[list(job.passthrough)], preserve_index=False) if job.passthrough else None
    meta = _empty(result_schema(keep))
    out: dd.DataFrame = ddf.map_partitions(  # type: ignore[no-untyped-call]  # dask leaves map_partitions untyped
        evaluate_partition, delayed(job, pure=True), meta=meta, align_dataframes=False)
    return out

"""Spark: ``mapInArrow`` over Arrow batches with one compiled Engine per executor process.

``mapInArrow`` hands each Python worker Arrow record batches, the cheapest form of
the rows (``applyInPandas`` converts to pandas and back, measured several times
slower). The rules travel as a broadcast ``EngineSpec``; each worker process
compiles them once and keeps the Engine by digest for every later task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark import Accumulator, AccumulatorParam
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
from pyspark.sql.types import StructType

from ..engine import Engine
from .batches import evaluate_batch
from .common import Job, prepare
from .results import result_schema
from .workers import compile_count, engine_for

__all__ = ["compile_stats", "evaluate", "result_type"]


def result_type(passthrough: StructType | None = None) -> StructType:
    """The Spark schema of the result rows (the contract's fields, then pass-through columns)."""
    extra = to_arrow_schema(passthrough) if passthrough is not None and passthrough.fields else None
    return from_arrow_schema(result_schema(extra))


class _PerProcess(AccumulatorParam[dict[int, int]]):
    """{worker pid: Engines it compiled}; a process reports its running total, so merge by max."""

    def zero(self, value: dict[int, int]) -> dict[int, int]:
        return {}

    def addInPlace(self, a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
        for pid, n in b.items():
            a[pid] = max(a.get(pid, 0), n)
        return a


def compile_stats(spark: SparkSession) -> Accumulator[dict[int, int]]:
    """An accumulator to pass as ``evaluate(..., stats=...)``: after an action, ``.value`` maps
    each Python worker's pid to how many Engines it compiled (1 each when all is well)."""
    return spark.sparkContext.accumulator({}, _PerProcess())


def evaluate(df: DataFrame, rules: str | Path | Engine | None = None, now: datetime | str | None = None, *,
             version: str | None = None, lang: str = "en", explain: bool = False, passthrough: Any = (),
             ignore: Any = (), tables: Mapping[str, Any] | None = None,
             stats: Accumulator[dict[int, int]] | None = None) -> DataFrame:
    """A DataFrame of results, one row per row of ``df`` (records of any processes).

    ``rules``: a rules directory, a loaded Engine, or None for the bundled rules.
    ``passthrough``: columns copied to the result rows untouched (keys to join back
    on, partition columns), not given to the rules; ``ignore``: columns dropped;
    ``stats``: an accumulator from ``compile_stats``, to see compiles per worker.
    Nulls are absent values; Spark timestamps and dates become the contract's text.
    """
    engine, job = prepare(rules, now, version=version, lang=lang, explain=explain, passthrough=passthrough,
                          ignore=ignore, tables=tables, columns=list(df.columns))
    keep = StructType([df.schema[c] for c in job.passthrough])
    spec = df.sparkSession.sparkContext.broadcast(job)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        j: Job = spec.value
        worker_engine = engine_for(j.spec)
        if stats is not None:
            stats.add({os.getpid(): compile_count()})
        for batch in batches:
            yield evaluate_batch(worker_engine, batch, j.now, version=j.version, lang=j.lang, trace=j.trace,
                                 passthrough=j.passthrough, ignore=j.ignore)

    del engine  # the driver's Engine stays on the driver: workers rebuild from the spec
    return df.mapInArrow(run, result_type(keep))

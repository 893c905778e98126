"""Columnar data: records read from Arrow batches, results written as Arrow, one Engine per worker.

A shop's records live in warehouses (Parquet, Hive, Iceberg) and are processed by
Spark or Dask. Both hand a worker Arrow batches, so the conversion lives here once
and serves Spark (``sopengine.spark``), Dask (``sopengine.dask``) and the CLI's
Parquet input and output alike. pyarrow is an optional dependency (extra
``parquet``); importing this package without it raises ImportError naming the extra.
"""

from __future__ import annotations

try:
    import pyarrow  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("columnar data needs pyarrow: pip install 'sopengine[parquet]'") from exc

from .records import ConversionError, records_from_batch
from .results import RESULT_SCHEMA, results_to_batch, row_to_result_dict
from .workers import EngineSpec, compile_count, engine_for

__all__ = [
    "RESULT_SCHEMA",
    "ConversionError",
    "EngineSpec",
    "compile_count",
    "engine_for",
    "records_from_batch",
    "results_to_batch",
    "row_to_result_dict",
]

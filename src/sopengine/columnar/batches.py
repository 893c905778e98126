"""One Arrow batch of records in, one Arrow batch of results out: what every adapter runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

import pyarrow as pa

from ..engine import Engine
from .records import ZoneOf, records_from_batch
from .results import results_to_batch

__all__ = ["evaluate_batch", "zone_of"]


def zone_of(engine: Engine) -> ZoneOf:
    """The time zone a record's aware timestamps are written in: its process's own (the
    latest version's; every version of a process shares the zone in the bundled rules),
    so that evidence quotes times as the shop's systems write them. None for an unknown
    process: the record then fails on its process, not on its times."""
    zones: dict[Any, tzinfo | None] = {}

    def lookup(process: Any) -> tzinfo | None:
        if process not in zones:
            versions = engine.versions(process) if isinstance(process, str) else ()
            zones[process] = versions[-1].timezone if versions else None
        return zones[process]

    return lookup


def evaluate_batch(engine: Engine, batch: pa.RecordBatch, now: datetime, *, version: str | None = None,
                   lang: str = "en", trace: bool = False, passthrough: Sequence[str] = (),
                   ignore: Sequence[str] = ()) -> pa.RecordBatch:
    """Judge every row of ``batch``; one result row per input row, in order, never an exception
    for a bad row (it becomes a result with ``error``)."""
    records = records_from_batch(batch, zone_of(engine), exclude=(*passthrough, *ignore))
    results = [engine.evaluate(r, now, version=version) for r in records]
    kept = batch.select(list(passthrough)) if passthrough else None
    return results_to_batch(results, lang=lang, trace=trace, passthrough=kept)

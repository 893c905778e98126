"""``check --jobs N``: records judged by N worker processes, results in input order.

Evaluation is pure (record + now -> result), so records can be judged anywhere; the
order and the output stay those of ``--jobs 1``. Each worker holds one compiled
Engine: on platforms with ``fork`` it inherits the parent's (nothing recompiled),
elsewhere it receives the engine pickled (as its sources) and compiles it once.
Memory stays flat on any input size: records go out in chunks and at most
``2 * jobs`` chunks are in flight; reading waits for the oldest chunk's results.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from .results import Result

CHUNK = 256  # records per task: large enough that pickling and the queues cost little per record
_worker: dict[str, Any] = {}


def cores() -> int:
    """The cores this process may run on (``--jobs auto``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init(engine: Any, now: datetime | None, kw: dict[str, Any]) -> None:
    if engine is not None:  # spawned: the fork start method leaves it in _worker already
        _worker["engine"] = engine
    _worker["now"], _worker["kw"] = now, kw


def _judge(chunk: list[Any]) -> list[Result]:
    return list(_worker["engine"].evaluate_many(chunk, _worker["now"], **_worker["kw"]))


def evaluate_parallel(engine: Any, records: Iterable[Any], now: datetime | None, jobs: int,
                      chunk: int = CHUNK, **kw: Any) -> Iterator[Result]:
    """Like ``engine.evaluate_many(records, now, **kw)``, spread over ``jobs`` worker processes."""
    if jobs <= 1:
        yield from engine.evaluate_many(records, now, **kw)
        return
    if now is None:  # one "now" for every worker, as for --jobs 1
        now = datetime.now(UTC)
    forking = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if forking else "spawn")
    if forking:
        _worker["engine"] = engine
    try:
        with ctx.Pool(jobs, initializer=_init, initargs=(None if forking else engine, now, kw)) as pool:
            pending: deque[Any] = deque()
            it = iter(records)
            while batch := list(islice(it, chunk)):
                pending.append(pool.apply_async(_judge, (batch,)))
                if len(pending) >= 2 * jobs:
                    yield from pending.popleft().get()
            while pending:
                yield from pending.popleft().get()
    finally:
        _worker.pop("engine", None)

"""``check --jobs N``: slices of the input judged by N processes, reported in input order.

Evaluation is pure (record + now -> result), so a slice (inputs/slices.py) can be
judged anywhere: ``--jobs N`` is this process and N - 1 workers. Each reads its own
slices, judges them with one engine (inherited where ``fork`` exists, so nothing is
compiled twice; elsewhere sent as its sources and compiled once) and, for the JSON
formats, writes its share of the report as bytes (report/jsonout.py's frames). Besides
its own share, this process cuts the input and concatenates what comes back: no record
and no result object is pickled (other formats get the results back as objects).
Memory stays flat on any input size: at most ``2 * jobs`` slices are in flight, and
cutting waits for the oldest to be reported.

``--jobs 1`` runs the very same ``Judge`` on the same slices in this process, so the
two write the same bytes by construction.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .inputs.slices import Slice, plain_records_of
from .inputs.unreadable import Unreadable
from .report.base import ReportOptions, Summary
from .report.jsonout import Frame
from .results import Result

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Judge", "Judged", "cores", "judge_slices"]

_worker: dict[str, Any] = {}


def cores() -> int:
    """The cores this process may run on (``--jobs auto``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass
class Judged:
    """One slice judged: its tally, and its results as report bytes (``data``) or as objects."""

    summary: Summary
    unreadable: int = 0  # inputs that could not be read (each is a result with an error)
    data: bytes = b""  # the framed results, joined by the frame's separator ("" when no frame)
    results: list[Result] = field(default_factory=list)


class Judge:
    """What judges a slice: the engine, the instant, the pinned version and, for the JSON
    formats, the frame and options its results are written with. Picklable (for spawn)."""

    def __init__(self, engine: Engine, now: datetime | None, version: str | None = None, frame: Frame | None = None,
                 opts: ReportOptions | None = None) -> None:
        self.engine, self.version, self.frame = engine, version, frame
        self.now = now if now is not None else datetime.now(UTC)  # one "now" for every slice and worker
        self.opts = opts or ReportOptions()
        self._zones: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # ReportOptions.engine would travel twice; the worker's own engine is the one to describe rules with
        return {**self.__dict__, "opts": _without_engine(self.opts), "_zones": None}

    def zone_of(self, process: str) -> Any:
        """Where Parquet's aware timestamps are written (only Parquet input asks, so pyarrow is imported then)."""
        if self._zones is None:
            try:
                from .columnar.batches import zone_of
            except ImportError:
                self._zones = lambda _process: None
            else:
                self._zones = zone_of(self.engine)
        return self._zones(process)

    def __call__(self, s: Slice) -> Judged:
        """One loop over the slice's records, with what it calls looked up once: reading, judging and
        writing are each a few microseconds a record, so a generator layer or lookup per record shows."""
        out = Judged(Summary())
        from .engine import checked_now

        judge, now, version, add = self.engine._judge, checked_now(self.now), self.version, out.summary.add
        frame, opts = self.frame, self.opts
        item = frame.item if frame is not None else None
        kept: list[Any] = []
        keep = kept.append
        for record, where, plain in plain_records_of(s, self.zone_of):
            if isinstance(record, Unreadable):
                out.unreadable += 1
            r = judge(record, now, version, None, where, plain)  # Engine.evaluate, with what the reader knows
            add(r)
            keep(r if item is None else item(r, opts))
        if frame is None:
            out.results = kept
        else:
            out.data = frame.sep.encode().join(kept)
        return out


def _without_engine(opts: ReportOptions) -> ReportOptions:
    from dataclasses import replace

    return replace(opts, engine=None)


def _init(judge: Judge | None) -> None:
    if judge is not None:  # spawned: with fork the judge is in _worker already
        _worker["judge"] = judge


def _judge(s: Slice) -> Judged:
    judged: Judged = _worker["judge"](s)  # the worker's Judge (_init)
    return judged


class _Here:
    """A slice this process judges itself, when nothing is ready from the workers."""

    def __init__(self, s: Slice) -> None:
        self.slice: Slice | None = s
        self.judged: Judged | None = None

    def run(self, judge: Judge) -> Judged:
        if self.judged is None:
            assert self.slice is not None
            self.judged, self.slice = judge(self.slice), None
        return self.judged


def judge_slices(judge: Judge, slices: Iterable[Slice], jobs: int) -> Iterator[Judged]:
    """Each slice judged, in input order, by ``jobs`` processes: this one and ``jobs - 1`` workers,
    with at most ``2 * jobs`` slices in flight.

    This process judges one slice in ``jobs`` itself, and judges it early whenever the slice
    it must report next is still with a worker, so that it never idles: N processes judge,
    not N workers and an idle parent (which would also hold its memory for nothing).
    """
    if jobs <= 1:
        yield from map(judge, slices)
        return
    forking = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if forking else "spawn")
    if forking:
        _worker["judge"] = judge
    try:
        with ctx.Pool(jobs - 1, initializer=_init, initargs=(None if forking else judge,)) as pool:
            pending: deque[Any] = deque()

            def oldest() -> Judged:
                head = pending.popleft()
                if isinstance(head, _Here):
                    return head.run(judge)
                while not head.ready():
                    ahead = next((p for p in pending if isinstance(p, _Here) and p.judged is None), None)
                    if ahead is None:
                        break
                    ahead.run(judge)
                return head.get()  # type: ignore[no-any-return]

            for i, s in enumerate(slices):
                pending.append(_Here(s) if i % jobs == jobs - 1 else pool.apply_async(_judge, (s,)))
                if len(pending) >= 2 * jobs:
                    yield oldest()
            while pending:
                yield oldest()
    finally:
        _worker.pop("judge", None)

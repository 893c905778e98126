"""The inputs of ``check`` cut into slices, each of which can be read and judged anywhere.

``check --jobs`` sends slices, not records, to its workers: a JSON Lines file is
cut into runs of numbered lines (the parent finds the line ends, it parses
nothing), a regular JSON, YAML or Parquet file is one slice that a worker opens
and reads itself, and what can be read only once (standard input, a named pipe)
and is not JSON Lines is read here and travels as records. ``records_of`` turns a
slice back into (record, where) pairs with the readers of records.py, so ``cut``
then ``records_of`` gives what ``read_inputs`` gives: the same records at the same
places, whoever parses them (tests/test_parallel.py compares the two).
"""

from __future__ import annotations

import stat
import sys
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, cast

from ..paths import shown
from ..results import SourceRef
from .files import open_input
from .records import (
    SUFFIXES,
    _entries,
    jsonl_lines,
    jsonl_records,
    line_runs,
    read_document,
    read_file,
    read_stdin,
    sniffed,
)
from .unreadable import Unreadable

__all__ = ["Lines", "Read", "Slice", "WholeFile", "cut", "plain_records_of", "records_of"]

SLICE_LINES = 1000  # per slice: enough that sending it costs little per record (IPC is per slice) ...
SLICE_BYTES = 1 << 20  # ... and bounded in bytes, so that a few slices in flight keep memory flat


@dataclass(frozen=True, slots=True)
class Lines:
    """A run of JSON Lines lines of ``name``, numbered; None for a line over the length limit."""

    name: str
    lines: tuple[tuple[int, bytes | None], ...]


@dataclass(frozen=True, slots=True)
class WholeFile:
    """A regular file read whole where the slice is judged (``fmt`` as given on the command line)."""

    path: str
    fmt: str | None


@dataclass(frozen=True, slots=True)
class Read:
    """Records read already (standard input, a pipe, an input that could not be read at all)."""

    items: tuple[tuple[Any, SourceRef], ...]


Slice = Lines | WholeFile | Read


def records_of(s: Slice, zone_of: Any = None) -> Iterator[tuple[Any, SourceRef]]:
    """The (record, where) pairs of a slice, in order; ``zone_of`` as for ``read_file`` (Parquet)."""
    if isinstance(s, Lines):
        return jsonl_lines(s.lines, s.name)
    if isinstance(s, WholeFile):
        return read_file(Path(s.path), s.fmt, zone_of=zone_of)
    return iter(s.items)


def plain_records_of(s: Slice, zone_of: Any = None) -> Iterator[tuple[Any, SourceRef, bool]]:
    """``records_of``, each record with whether its reader found it plain JSON data (``records.plain_line``:
    JSON Lines read by orjson), which spares ``Engine`` screening it again; False for every other reader."""
    if isinstance(s, Lines):
        return jsonl_records(s.lines, s.name)
    return ((record, where, False) for record, where in records_of(s, zone_of))


def cut(inputs: list[str], fmt: str | None = None) -> Iterator[Slice]:
    """The slices of ``inputs`` (files, directories, ``-``) in input order; a missing path is an
    InputError before any slice, as for ``read_inputs``."""
    for item, problem in _entries(inputs):
        if problem is not None:
            yield Read(((Unreadable(problem), SourceRef(shown(item))),))
        elif item == "-":
            if fmt == "parquet":
                yield Read(tuple(read_stdin(fmt)))
            else:
                yield from _cut_stream(sys.stdin.buffer, fmt, "<stdin>")
        else:
            yield from _cut_file(Path(item), fmt)


def _cut_file(path: Path, fmt: str | None) -> Iterator[Slice]:
    kind = fmt or SUFFIXES.get(path.suffix.lower())
    if kind == "parquet" or (kind in ("json", "yaml") and _regular(path)):
        yield WholeFile(str(path), fmt)
        return
    name = shown(path)
    try:
        with open_input(path) as fh:
            yield from _cut_stream(fh, kind, name)
    except OSError as exc:  # as read_file says it: no permission, a broken link, an I/O error half-way
        yield Read(((Unreadable(f"cannot read the file: {exc.strerror or exc}"), SourceRef(name)),))


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False  # read here, where read_file says why it cannot be


def _cut_stream(stream: IO[bytes], fmt: str | None, name: str) -> Iterator[Slice]:
    kind, head = sniffed(stream, fmt)
    if kind != "jsonl":
        batch: list[tuple[Any, SourceRef]] = []
        for pair in read_document(stream, kind, name, head):
            batch.append(pair)
            if len(batch) >= SLICE_LINES:
                yield Read(tuple(batch))
                batch = []
        if batch:
            yield Read(tuple(batch))
        return
    yield from _cut_lines(stream, head, name)


def _cut_lines(stream: IO[bytes], head: list[bytes], name: str) -> Iterator[Lines]:
    """The lines of a JSON Lines stream in slices, each slice ending at the line that makes it SLICE_LINES
    lines or SLICE_BYTES bytes. Found run by run (``line_runs``: a block of the stream each) with C calls:
    the lines numbered by ``zip``, their sizes summed by ``accumulate``, each slice's end found by ``bisect``."""
    pending: list[tuple[int, bytes | None]] = []
    size = n = 0
    try:
        for run in line_runs(stream, head):
            numbered = list(zip(range(n + 1, n + 1 + len(run)), run))
            n += len(run)
            ends = list(accumulate(map(len, cast("list[bytes]", run)) if None not in run else (len(x or b"") for x in run)))
            start, before = 0, 0  # the run's lines from ``start`` on are not in a slice yet; ends[start - 1]
            while start < len(run):
                crossing = bisect_left(ends, SLICE_BYTES - size + before, start)  # the line that reaches SLICE_BYTES
                stop = min(crossing + 1, start + SLICE_LINES - len(pending))
                if stop > len(run):
                    pending += numbered[start:]
                    size += ends[-1] - before
                    break
                pending += numbered[start:stop]
                yield Lines(name, tuple(pending))
                pending, size, before, start = [], 0, ends[stop - 1], stop
    except OSError:  # the lines before the failure are records; the caller reports the failure after them
        if pending:
            yield Lines(name, tuple(pending))
        raise
    if pending:
        yield Lines(name, tuple(pending))

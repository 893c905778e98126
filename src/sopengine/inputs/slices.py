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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..paths import shown
from ..results import SourceRef
from .files import open_input
from .records import (
    SUFFIXES,
    _entries,
    _lines,
    jsonl_lines,
    jsonl_records,
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
    lines: list[tuple[int, bytes | None]] = []
    size = 0
    try:
        for line in _lines(stream, head):
            lines.append(line)
            size += len(line[1] or b"")
            if len(lines) >= SLICE_LINES or size >= SLICE_BYTES:
                yield Lines(name, tuple(lines))
                lines, size = [], 0
    except OSError:  # the lines before the failure are records; the caller reports the failure after them
        if lines:
            yield Lines(name, tuple(lines))
        raise
    if lines:
        yield Lines(name, tuple(lines))

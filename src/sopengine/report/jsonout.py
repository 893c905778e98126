"""The result contract of RECORDS.md, as a JSON list or JSON Lines.

Both are one encoded result after another (``jsonline.line``), framed: JSON Lines
end each with a line feed, a JSON list puts ``[``, ``,`` and ``]`` around them. The
framing lives in ``FRAMES`` so that ``check --jobs`` workers can write their own share
of the report as bytes and the parent only concatenates, in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import IO, Any

from ..results import Result
from .base import ReportOptions, Summary, register
from .jsonline import line, safe_utf8


@dataclass(frozen=True)
class Frame:
    """How a list of encoded results is laid out: ``head``, each item as ``before`` + result + ``after``,
    ``sep`` between items, then ``tail`` (``empty_tail`` when there was no item)."""

    head: str
    before: str
    after: str
    sep: str
    tail: str
    empty_tail: str

    def item(self, r: Result, opts: ReportOptions) -> bytes:
        """One result as it is written, escaped: the same bytes whoever (a worker, the parent) writes it.
        The frame's own text (line feeds, spaces) needs no escaping, and left out of the line it lets
        ``safe_utf8`` see a printable line as such."""
        return self._before + safe_utf8(line(r, opts.lang, opts.trace)) + self._after

    @cached_property
    def _before(self) -> bytes:
        return self.before.encode()

    @cached_property
    def _after(self) -> bytes:
        return self.after.encode()


FRAMES = {"json": Frame("[", "\n  ", "", ",", "\n]\n", "]\n"), "jsonl": Frame("", "", "\n", "", "", "")}


class _Sink:
    """Bytes straight to the binary stream beneath ``out`` when there is one (a file, stdout),
    else decoded to ``out`` itself (an API caller's StringIO): the same text either way."""

    def __init__(self, out: IO[str]) -> None:
        self._out, self._raw = out, getattr(out, "buffer", None)
        if self._raw is not None:
            out.flush()  # whatever was written as text goes first
        self.write: Callable[[bytes], Any] = self._raw.write if self._raw is not None else self._text

    def _text(self, b: bytes) -> None:
        self._out.write(b.decode("utf-8"))

    def close(self, frame: Frame, records: int) -> None:
        self.write((frame.tail if records else frame.empty_tail).encode())
        if self._raw is not None:
            self._raw.flush()


def write_framed(frame: Frame, results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    """The results as ``frame`` lays them out."""
    s, sink, sep = Summary(), _Sink(out), frame.sep.encode()
    sink.write(frame.head.encode())
    for r in results:
        if s.records and sep:
            sink.write(sep)
        s.add(r)
        sink.write(frame.item(r, opts))
    sink.close(frame, s.records)
    return s


def write_parts(frame: Frame, parts: Iterable[tuple[Summary, bytes]], out: IO[str]) -> Summary:
    """Results framed and escaped already, in slices (``check --jobs``: each slice's tally and its items
    joined by ``frame.sep``): the bytes ``write_framed`` writes for the same results."""
    s, sink, sep = Summary(), _Sink(out), frame.sep.encode()
    sink.write(frame.head.encode())
    for tally, data in parts:
        if not tally.records:
            continue
        if s.records and sep:
            sink.write(sep)
        s.merge(tally)
        sink.write(data)
    sink.close(frame, s.records)
    return s


@register("json")
def write_json(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    return write_framed(FRAMES["json"], results, out, opts)


@register("jsonl")
def write_jsonl(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    return write_framed(FRAMES["jsonl"], results, out, opts)

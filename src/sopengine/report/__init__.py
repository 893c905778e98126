"""Stage 5, report: results written as text, JSON, JSON Lines (and CI formats).

A format is a function registered in ``FORMATS`` (``base.py``, with the contract); it consumes the results
lazily where the format allows (text, JSON Lines, JSON) and returns a
``Summary`` from which the CLI derives its exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from ..errors import UsageError
from ..results import Result
from . import github, html, jsonout, junit, parquet, sarif, text
from .base import FORMATS, ReportOptions, Summary, Writer, register

BUILT_IN = (text, jsonout, sarif, junit, github, parquet, html)

__all__ = ["BUILT_IN", "FORMATS", "ReportOptions", "Summary", "Writer", "register", "report_formats", "write_report"]


def report_formats() -> tuple[str, ...]:
    """The names ``write_report`` (and ``sopengine check --format``) accepts: built-in and registered formats."""
    return tuple(sorted(FORMATS))


def write_report(results: Iterable[Result], out: IO[str], fmt: str = "text", options: ReportOptions | None = None) -> Summary:
    """Write ``results`` to ``out`` in the registered format ``fmt``; the ``Summary`` says how bad the worst was.

    The results are consumed once, lazily where the format allows, so ``engine.evaluate_many(...)``
    can be passed as it is. An unknown format is a ``UsageError`` naming the known ones."""
    writer = FORMATS.get(fmt)
    if writer is None:
        raise UsageError(f"unknown report format {fmt!r}; known: {', '.join(report_formats())}")
    return writer(results, out, options or ReportOptions())

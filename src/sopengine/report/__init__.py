"""Stage 5, report: results written as text, JSON, JSON Lines (and CI formats).

A format is a function registered in ``FORMATS`` (``base.py``, with the contract); it consumes the results
lazily where the format allows (text, JSON Lines, JSON) and returns a
``Summary`` from which the CLI derives its exit code.
"""

from __future__ import annotations

from . import github, html, jsonout, junit, parquet, sarif, text
from .base import FORMATS, ReportOptions, Summary, Writer, register

BUILT_IN = (text, jsonout, sarif, junit, github, parquet, html)

__all__ = ["BUILT_IN", "FORMATS", "ReportOptions", "Summary", "Writer", "register"]

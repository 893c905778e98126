"""The contract of a report format, and the registry of formats (``FORMATS``).

A format is a function ``(results, out, options) -> Summary`` registered with
``@register(name)``; each format's module imports only from here, and
``report/__init__.py`` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..results import SEVERITY_RANK, Result
from ..text.controls import SafeText

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine


@dataclass
class Summary:
    records: int = 0
    errors: int = 0  # records that could not be evaluated
    by_severity: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    worst: str | None = None

    def add(self, r: Result) -> None:
        self.records += 1
        if r.error is not None:
            self.errors += 1
        vs = r.violations
        if vs:
            by = self.by_severity
            for v in vs:
                by[v.severity] += 1
        if self.worst == "error":  # nothing is worse: asked for every result of a batch, most after the first error
            return
        w = r.worst() if vs or r.error is not None else None
        if w is not None and (self.worst is None or SEVERITY_RANK[w] > SEVERITY_RANK[self.worst]):
            self.worst = w

    def merge(self, other: Summary) -> None:
        """Add the tally of results counted elsewhere (a ``check --jobs`` worker's slice)."""
        self.records += other.records
        self.errors += other.errors
        for sev, n in other.by_severity.items():
            self.by_severity[sev] = self.by_severity.get(sev, 0) + n
        if other.worst is not None and (self.worst is None or SEVERITY_RANK[other.worst] > SEVERITY_RANK[self.worst]):
            self.worst = other.worst

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        return self.worst is not None and SEVERITY_RANK[self.worst] >= SEVERITY_RANK[fail_on]


@dataclass(frozen=True)
class ReportOptions:
    lang: str = "en"
    trace: bool = False
    engine: Engine | None = None  # for formats that describe rules (SARIF)
    tool_version: str = ""
    fail_on: str = "error"  # JUnit: violations at or above this severity are <failure>s
    srcroot: Path | None = None  # SARIF, GitHub: file paths relative to this root (the repository)
    max_results: int = 5000  # SARIF: results kept per run, the most severe first (GitHub shows 5,000)
    now: datetime | None = None  # the evaluation instant, for formats that say how late (HTML agenda)


Writer = Callable[[Iterable[Result], IO[str], ReportOptions], Summary]
FORMATS: dict[str, Writer] = {}


def register(name: str) -> Callable[[Writer], Writer]:
    """Register a format. What it writes goes through ``SafeText``: no control or bidi character
    from a record reaches a terminal, a CI log or a reviewer raw, whatever the format."""
    def deco(fn: Writer) -> Writer:
        @wraps(fn)
        def safe(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
            return fn(results, SafeText(out), opts)  # type: ignore[arg-type]  # SafeText passes the rest of IO[str] through

        FORMATS[name] = safe
        return safe
    return deco

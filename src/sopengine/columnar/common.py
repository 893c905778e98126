"""What both distributed adapters settle on the driver before any task runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..chrono.instants import check_instant
from ..engine import Engine, load
from .workers import EngineSpec, remember

__all__ = ["Job", "prepare"]


@dataclass(frozen=True)
class Job:
    """The evaluation every partition runs: one rules spec, one instant, one set of options.

    ``now`` is fixed once on the driver: partitions evaluated a minute apart must not
    disagree about what is overdue."""

    spec: EngineSpec
    now: datetime
    version: str | None
    lang: str
    trace: bool
    passthrough: tuple[str, ...]
    ignore: tuple[str, ...]


def _instant(now: datetime | str | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if isinstance(now, str):
        try:
            now = datetime.fromisoformat(now)  # Python 3.11 reads a trailing Z
        except ValueError:
            raise ValueError(f"now {now!r} is not an RFC 3339 timestamp") from None
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now {now.isoformat()} needs an offset, e.g. 2026-12-01T12:00:00+08:00")
    return check_instant(now)


def prepare(rules: str | Path | Engine | None, now: datetime | str | None, *, version: str | None, lang: str,
            explain: bool, passthrough: Any, ignore: Any, tables: Mapping[str, Any] | None,
            columns: list[str]) -> tuple[Engine, Job]:
    """Load (or take) the Engine, check the options against the input's columns, fix ``now``."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    engine = rules if isinstance(rules, Engine) else load(rules, tables=tables)
    keep, drop = tuple(passthrough or ()), tuple(ignore or ())
    missing = [c for c in (*keep, *drop) if c not in columns]
    if missing:
        raise ValueError(f"no such column(s): {', '.join(missing)}; the input has {', '.join(columns)}")
    spec = EngineSpec.of(engine)
    remember(spec, engine)
    return engine, Job(spec, _instant(now), version, lang, bool(explain), keep, drop)

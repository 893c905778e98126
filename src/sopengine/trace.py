"""The ``--explain`` trace of one evaluation, kept as entries and formatted only when read.

Every record's replay says what it did (version chosen, each event, estimated deadlines,
what a check cleared), but the lines are written only with ``--explain``: formatting
them for every record cost about a tenth of ``Engine.evaluate``. So the evaluator keeps
each line as a formatting function and the immutable values it quotes (strings, datetimes,
ids), and ``Result.trace`` turns them into text on first read: the same text it
would have held, since nothing a line quotes can change in between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any

from .chrono.instants import rfc3339
from .results import Deferred, ReplayStep
from .text.masking import mask_text, mask_value

Entry = str | tuple[Callable[..., str], tuple[Any, ...]]


class Trace(Deferred):
    """Trace lines of one evaluation: text, or (format, arguments) to be made text by ``resolve``."""

    __slots__ = ("entries",)

    def __init__(self, head: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = list(head)

    def add(self, line: str) -> None:
        self.entries.append(line)

    def later(self, fmt: Callable[..., str], *args: Any) -> None:
        """A line ``fmt(*args)``; every argument must be immutable (it is formatted after the evaluation)."""
        self.entries.append((fmt, args))

    def resolve(self) -> tuple[str, ...]:
        return tuple(e if isinstance(e, str) else e[0](*e[1]) for e in self.entries)


def version_line(why: Callable[[], str]) -> str:
    return f"version: {mask_text(why())}"  # the reason may quote the record


def start_line(initial: str, start: datetime | None, tz: tzinfo) -> str:
    return f"start in {initial!r} at {rfc3339(start, tz) if start else 'unknown time'}"


def event_line(at: datetime, tz: tzinfo, etype: str, role: Any, step: str, prior: str, state: str) -> str:
    return f"{rfc3339(at, tz)} {mask_value(etype)} by {mask_value(role) or '?'}: {step} {prior!r} -> {state!r}"


def unmatched_line(at: datetime, tz: tzinfo, etype: str, prior: str) -> str:
    return f"{rfc3339(at, tz)} {mask_value(etype)}: no step matches, state stays {prior!r}"


class Steps(Deferred):
    """The replay's steps as (event index, step id, state before, state after), made ``ReplayStep`` when read."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: list[tuple[int, str, str, str]] = []

    def resolve(self) -> tuple[ReplayStep, ...]:
        return tuple(ReplayStep(*s) for s in self.done)

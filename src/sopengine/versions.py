"""Which version of a process judges a record, and why (docs/versions.md).

A process may have several versions side by side; a record is judged by the
version in force at its own deciding instant (``version_by``: a field of the
record, or its first or latest event), never by a default. Every choice comes
with a reason that names the deciding value, the chosen version's period and
the file it is defined in, so a reader can check it by hand. Versions that are
defined twice, overlap in time or disagree on what decides are load errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from .chrono.instants import ValueProblem, parse_instant, rfc3339
from .errors import Finding
from .results import SourceRef

if TYPE_CHECKING:
    from .compile import CompiledProcess

Versions = Sequence["CompiledProcess"]


def pinned(process: str, versions: Versions, version: str) -> CompiledProcess:
    """The version named ``version``; LookupError naming the versions there are."""
    for p in versions:
        if p.version == version:
            return p
    raise LookupError(f"process {process!r} has no version {version!r}; it has {', '.join(p.version for p in versions)}")


def in_force(process: str, versions: Versions, at: datetime) -> CompiledProcess:
    """The version in force at ``at`` (aware); LookupError saying why there is none."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    for p, start, end in _bounds(tuple(versions)):
        if (start is None or start <= at) and (end is None or at < end):
            return p
    first = versions[0].effective_from
    when = rfc3339(at, versions[0].timezone)
    if first is not None and at < first:
        raise LookupError(f"{when} is before the first version of {process!r} ({versions[0].version}, in force from "
                          f"{rfc3339(first, versions[0].timezone)})")
    periods = "; ".join(f"{p.version} {period(versions, i)}" for i, p in enumerate(versions))
    raise LookupError(f"no version of {process!r} is in force at {when} (versions: {periods})")


def choose(process: str, versions: Versions, record: Mapping[str, Any],
           version: str | None = None) -> tuple[CompiledProcess, str]:
    """The version that judges ``record`` (pinned by ``version``, else by its deciding instant), and why."""
    p, why = choice(process, versions, record, version)
    return p, why()


def choice(process: str, versions: Versions, record: Mapping[str, Any],
           version: str | None = None) -> tuple[CompiledProcess, Callable[[], str]]:
    """``choose``, with the reason left to be written when asked (``--explain``): every record is judged
    by a chosen version, few results have their trace read. The reason quotes only immutable values."""
    if version is not None:
        p = pinned(process, versions, version)
        why = f"{process} {p.version} pinned by the caller{_by_date_note(record, versions, p)}; defined in {_defined_in(p)}"
        return p, lambda: why
    if _timeless(versions):
        p = versions[0]
        return p, partial(_timeless_reason, process, p)
    by = versions[-1].version_by or "first_event"
    raw = record.get(by) if by not in ("first_event", "latest_event") else None
    key = (process, raw, id(versions)) if type(raw) is str else None
    if key is not None and (hit := _CHOICES.get(key)) is not None and hit[0] is versions:
        return hit[1], hit[2]
    try:
        at = deciding_instant(record, by, versions[-1].timezone)
        p = in_force(process, versions, at)
    except LookupError as exc:
        raise LookupError(f"cannot choose a version of {process!r} by {by}: {exc}") from None
    except ValueProblem as exc:
        raise ValueProblem(f"cannot choose a version of {process!r} by {by}: {exc}") from None
    reason = partial(_in_force_reason, process, tuple(versions), p, by, at)
    if key is not None:
        if len(_CHOICES) >= 4096:
            _CHOICES.clear()
        _CHOICES[key] = (versions, p, reason)
    return p, reason


# (process, deciding text, id of the versions) -> (those versions, kept so that the id stays theirs; the
# version in force then; the reason): the text decides both, and deciding values recur (a day's orders)
_CHOICES: dict[tuple[str, str, int], tuple[Versions, CompiledProcess, Callable[[], str]]] = {}


def _timeless_reason(process: str, p: CompiledProcess) -> str:
    return f"{process} {p.version} is the only version and has no effective period; defined in {_defined_in(p)}"


def _in_force_reason(process: str, versions: tuple[CompiledProcess, ...], p: CompiledProcess, by: str, at: datetime) -> str:
    return f"{by} = {rfc3339(at, p.timezone)} falls in {process} {_chosen(versions, p)}"


def deciding_instant(record: Mapping[str, Any], by: str, tz: tzinfo) -> datetime:
    """The instant that decides the version: the ``by`` field, or the first / latest event's time.

    Raises LookupError when the record lacks it and ValueProblem (naming the JSON
    Pointer) when it cannot be read: guessing would judge the record by the wrong rules.
    """
    if by in ("first_event", "latest_event"):
        events = record.get("events")
        times = []
        for i, e in enumerate(events if isinstance(events, list) else ()):
            if isinstance(e, Mapping) and e.get("at") is not None:
                try:
                    times.append(parse_instant(e["at"], tz))
                except ValueProblem as exc:
                    raise ValueProblem(f"/events/{i}/at: {exc}") from None
        if not times:
            raise LookupError(f"the record has no event with a time ({by} decides which version applies)")
        return min(times) if by == "first_event" else max(times)
    raw = record.get(by)
    if raw is None:
        raise LookupError(f"{by!r} is a required property (it decides which version applies)")
    try:
        return parse_instant(raw, tz)
    except ValueProblem as exc:
        raise ValueProblem(f"/{by}: {exc}") from None


def period_end(versions: Versions, i: int) -> tuple[datetime | None, str]:
    """Where version ``i`` stops applying (exclusive) and why: its effective_until, else the next version's start."""
    p = versions[i]
    if p.effective_until is not None:
        return p.effective_until, "its effective_until"
    if i + 1 < len(versions) and versions[i + 1].effective_from is not None:
        return versions[i + 1].effective_from, f"when {versions[i + 1].version} takes effect"
    return None, ""


@lru_cache(maxsize=256)
def _bounds(versions: tuple[CompiledProcess, ...]) -> tuple[tuple[CompiledProcess, datetime | None, datetime | None], ...]:
    """Each version with the instants its period starts and ends (exclusive): the same for every record."""
    return tuple((p, p.effective_from, period_end(versions, i)[0]) for i, p in enumerate(versions))


def period(versions: Versions, i: int) -> str:
    """Version ``i``'s period in words, for reasons and errors."""
    p = versions[i]
    since = f"in force from {rfc3339(p.effective_from, p.timezone)}" if p.effective_from else "in force since always"
    end, why = period_end(versions, i)
    return f"{since} until {rfc3339(end, p.timezone)} (exclusive; {why})" if end is not None else f"{since} with no end"


@lru_cache(maxsize=256)
def _chosen(versions: tuple[CompiledProcess, ...], p: CompiledProcess) -> str:
    """The part of a reason that names the version, its period and its file: the same for every record it judges."""
    return f"{p.version}, {period(versions, versions.index(p))}; defined in {_defined_in(p)}"


def _timeless(versions: Versions) -> bool:
    return len(versions) == 1 and versions[0].effective_from is None and versions[0].effective_until is None


@lru_cache(maxsize=256)
def _defined_in(p: CompiledProcess) -> str:
    return f"{p.document.path}:{p.document.where('/version').line}"


def _by_date_note(record: Mapping[str, Any], versions: Versions, chosen: CompiledProcess) -> str:
    """What the record's own date would have chosen, so a pinned result is never mistaken for the in-force one."""
    if _timeless(versions):
        return ""
    by = versions[-1].version_by or "first_event"
    try:
        at = deciding_instant(record, by, versions[-1].timezone)
        p = in_force(chosen.id, versions, at)
    except (LookupError, ValueProblem) as exc:
        return f" ({by} chooses no version: {exc})"
    when = rfc3339(at, p.timezone)
    if p is chosen:
        return f" (also the version in force at {by} = {when})"
    return f" (by {by} = {when} the version in force would be {p.version})"


def order_versions(versions: list[CompiledProcess]) -> list[Finding]:
    """Sort by effective_from; report versions defined twice, periods that overlap and versions that
    disagree on what decides the version, each naming both files and lines."""
    out: list[Finding] = []
    versions.sort(key=lambda p: (p.effective_from is not None, p.effective_from.timestamp() if p.effective_from else 0.0))
    seen: dict[str, CompiledProcess] = {}
    for p in versions:
        if p.version in seen:
            q = seen[p.version]
            out.append(Finding("error", f"process {p.id!r} version {p.version} is defined twice (also at {q.document.where('/version')})",
                               p.document.where("/version"), "duplicate-version"))
        seen.setdefault(p.version, p)

    def at(p: CompiledProcess, key: str) -> SourceRef:
        return p.document.where(f"/{key}") if key in p.document.data else p.document.where("/version")

    for i, a in enumerate(versions):
        for b in versions[i + 1:]:
            if a.version == b.version:
                continue  # reported above
            if a.effective_from == b.effective_from:
                why = ("neither has an effective_from, so both apply since always" if a.effective_from is None
                       else f"both take effect at {rfc3339(a.effective_from, a.timezone)}")
                here, there = at(a, "effective_from"), at(b, "effective_from")
            elif a.effective_until is not None and b.effective_from is not None and a.effective_until > b.effective_from:
                why = (f"{a.version} applies until {rfc3339(a.effective_until, a.timezone)} but {b.version} "
                       f"takes effect at {rfc3339(b.effective_from, b.timezone)}")
                here, there = at(a, "effective_until"), at(b, "effective_from")
            else:
                continue
            out.append(Finding("error", f"versions {a.version} and {b.version} of process {a.id!r} overlap in time: {why} "
                                        f"({here} and {there})", there, "version-overlap",
                               "give each version an effective_from, and end the earlier one at or before the later one's start"))
    if len(versions) > 1:
        last = versions[-1]
        for p in versions[:-1]:
            if (p.version_by or "first_event") != (last.version_by or "first_event"):
                out.append(Finding("error", f"versions {p.version} and {last.version} of process {p.id!r} disagree on what decides "
                                            f"the version ({p.version_by or 'first_event'} at {at(p, 'version_by')}, "
                                            f"{last.version_by or 'first_event'} at {at(last, 'version_by')})",
                                   at(p, "version_by"), "version-by",
                                   "every version of a process must be chosen by the same field (version_by, else start_field)"))
    return out

"""Core and optional record data: what a rule may treat as a breach when it is absent.

RECORDS.md names the **core** fields and events every shop is assumed to record.
Everything else a rule reads is **optional**: a record schema lists it under its
top-level ``x-optional`` map, one entry per name::

    "inspected":             {"event": "inspected", "description": "..."}             an event type
    "archived.retain_until": {"event": "archived", "pointer": "/retain_until", ...}   a field of one event type
    "supplier":              {"pointer": "/supplier", "description": "..."}           a record field (``*`` = each item)

A check names the optional data its verdict depends on (``needs:``). When a
record lacks some of it and the shop has not declared that it records it, the
check is reported as ``unverified`` (with what it needed) instead of a
violation: absent evidence is not a breach unless the shop records that
evidence. A schema without ``x-optional`` (an older rules tree) is all core.

Unless the breach stands without that data: a record that lacks the supplier
terms (optional) *and* the inspection report (core) breaks PRD-02 whatever the
supplier terms would say. Before a hit is set aside, ``standing`` asks whether it
holds in every world the absent data allows: that data becomes unknown
(``plan.unknown``: a map key that may or may not exist, an event type that may
have happened any number of times at unknown times), and the check's ``when``
and verdict are evaluated by the plans with CEL's own error semantics, where an
operation on an unknown is an error and ``false && error == false``,
``true || error == true``, ``exists``/``all`` absorb the same way. A definite
answer therefore does not depend on the unknown (sound, if not complete); an
error, or an expression the plans do not translate, leaves the hit unverified.
Per hit: with ``for_each`` each item is judged alone, so one archived event kept
too briefly is a violation while another without ``retain_until`` stays
unverified. The evidence quotes the record as it is. The state is taken as
replayed (optional steps are skippable, so recording them would not move where
the record ends). A check type that cannot answer (``CheckType.decided``) keeps
all its hits unverified.

A step whose event is optional may be skipped: the steps after it also accept
the states before it (``skip_sources``), so a shop that does not record
inspections can pack straight after allocation. Who reports the skipped event
when the shop does record it is decided once, here: the checks that need it
if there are any (``ORD-inspected-before-shipping``), else the step order
(``pack.out_of_order``), never both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING, Any, Protocol

from .checks.base import CheckType
from .plan.events import BY_TYPE
from .plan.unknown import Open, Partial

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Hit
    from .expr import Expression

ALL = "*"  # a declared set meaning "every optional name" (profile full)


@dataclass(frozen=True, slots=True)
class OptionalData:
    """One optional name of a record schema."""

    name: str
    description: str
    event: str | None = None  # the event type (alone: the event itself; with pointer: a field of it)
    pointer: str = ""  # JSON Pointer into the record, or into each event of ``event``

    @property
    def kind(self) -> str:
        if self.event is not None:
            return "event field" if self.pointer else "event"
        return "field"


def read_optional(schema: Mapping[str, Any] | None) -> dict[str, OptionalData]:
    """The ``x-optional`` map of a record schema (already schema-valid JSON; malformed entries are skipped by lint)."""
    raw = (schema or {}).get("x-optional")
    out: dict[str, OptionalData] = {}
    if not isinstance(raw, Mapping):
        return out
    for name, spec in raw.items():
        if isinstance(spec, Mapping):
            out[str(name)] = OptionalData(str(name), str(spec.get("description", "")), spec.get("event"), str(spec.get("pointer", "")))
    return out


def declared(names: Iterable[str] | str, optional: Mapping[str, OptionalData]) -> frozenset[str]:
    """The optional names a shop records: ``ALL`` means every one."""
    if names == ALL:
        return frozenset(optional)
    return frozenset(names)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@lru_cache(maxsize=512)
def _parts(pointer: str) -> tuple[str, ...]:
    """A pointer's tokens: the few of a schema's ``x-optional``, read for every record that lacks one."""
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]) if pointer else ()


def _absent(value: Any, parts: Sequence[str], base: str) -> list[str]:
    """Pointers under ``base`` where the path ``parts`` reaches nothing (``*`` fans out over list items)."""
    if not parts:
        return [] if value is not None else [base or "/"]
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(value, list):
            return [base or "/"]
        return [m for i, item in enumerate(value) for m in _absent(item, rest, f"{base}/{i}")]
    if (type(value) is not dict and not isinstance(value, Mapping)) or value.get(head) is None:  # (exact type first)
        return [f"{base}/{_escape(head)}"]
    return _absent(value[head], rest, f"{base}/{_escape(head)}")


def missing(record: Mapping[str, Any], opt: OptionalData, by_type: Any = None) -> list[str]:
    """What of ``opt`` the record lacks: the event type, or JSON Pointers; empty when it carries it.

    An event type is carried when the record has at least one such event (a shop that
    records it at all records it); a field of an event type when every such event has it.
    ``by_type``: the evaluator's index of the record's events by type (plan/events.py), if it made one,
    which says whether there is an event of a type without a walk of the events.
    """
    events = given if isinstance(given := record.get("events"), list) else []
    if by_type is not None and opt.event is not None and not opt.pointer and events:
        return [] if opt.event in by_type[1] else [opt.event]
    if opt.event is not None:
        mine = [(i, e) for i, e in enumerate(events) if (type(e) is dict or isinstance(e, Mapping)) and e.get("type") == opt.event]
        if not opt.pointer:
            return [] if mine else [opt.event]
        return [m for i, e in mine for m in _absent(e, _parts(opt.pointer), f"/events/{i}")]
    return _absent(record, _parts(opt.pointer), "")


def unmet(needs: Iterable[str], record: Mapping[str, Any], optional: Mapping[str, OptionalData],
          recorded: frozenset[str], by_type: Any = None) -> list[str]:
    """What a check needs that the record lacks and the shop has not declared it records (empty: run the check)."""
    out: list[str] = []
    for name in needs:
        opt = optional.get(name)
        if opt is None or name in recorded:
            continue  # core data, or data the shop records: its absence is a breach the check reports
        out += [m for m in missing(record, opt, by_type) if m not in out]
    return out


MAX_UNKNOWN_EVENTS = 3  # absent event types of one check: 2**3 worlds at most, else nothing stands
_UNDECIDING = CheckType.decided  # the base's answer to ``standing``: no hit stands


def _unknown_at(value: Any, parts: Sequence[str]) -> Any:
    """``value`` with the key at the end of ``parts`` unknown where it is absent (``*``: in each list item).
    Returns ``value`` itself when nothing is absent; an absent parent is core data, absent for sure."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head == "*":
        if type(value) is not list:
            return value
        items = [_unknown_at(x, rest) for x in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if not isinstance(value, dict):
        return value
    partial = isinstance(value, Partial)
    known = value.unknown if isinstance(value, Partial) else frozenset()
    if value.get(head) is None:  # absent, or JSON null, which ``missing`` reads as absent too
        if rest:
            return value
        out = Partial(value, None if known is None else known | {head})  # (one copy, then the key dropped)
        out.pop(head, None)
        return out
    child = _unknown_at(value[head], rest)
    if child is value[head]:
        return value
    return Partial({**value, head: child}, known) if partial else {**value, head: child}


def unknown_worlds(variables: Mapping[str, Any], needs: Iterable[str], optional: Mapping[str, OptionalData],
                   recorded: frozenset[str]) -> list[Mapping[str, Any]] | None:
    """The CEL variables of a record with the optional data of ``needs`` it lacks (and the shop does not
    record) made unknown, one set per possible world; None when there are too many worlds to ask.

    A field becomes unknown in its map (``plan.unknown.Partial``). An event type the record has none
    of may have happened zero or more times: one world as recorded, and one where ``events`` is an
    ``Open`` list with a phantom event of that type whose every other field is unknown (one phantom
    answers ``exists``/``all`` for any number of them; anything that counts or orders them is an error).
    """
    record: Any = variables["record"]
    events: list[Any] = variables["events"]  # (read, never written: a world's lists are new ones)
    raw: list[Any] = (record.get("events") or []) if isinstance(record, Mapping) else []
    by_type = variables.get(BY_TYPE)  # (the index of these events by type, if the evaluator made one)
    absent_types: list[str] = []
    swapped = False  # an event's field made unknown: the events (and their index by type) differ from the record's
    for name in needs:
        opt = optional.get(name)
        if opt is None or name in recorded:
            continue
        if opt.event is None:
            record = _unknown_at(record, _parts(opt.pointer))
        elif not opt.pointer:
            if by_type is not None:
                absent = opt.event not in by_type[1]
            else:
                absent = not any((type(e) is dict or isinstance(e, Mapping)) and e.get("type") == opt.event for e in raw)
            if absent and opt.event not in absent_types:
                absent_types.append(opt.event)
        else:
            swap = {id(e): _unknown_at(e, _parts(opt.pointer)) for e in raw
                    if (type(e) is dict or isinstance(e, Mapping)) and e.get("type") == opt.event}
            raw = [swap.get(id(e), e) for e in raw]
            events = [swap.get(id(e), e) for e in events]
            given = (record.get("events") or []) if isinstance(record, Mapping) else []
            swapped = swapped or any(a is not b for a, b in zip(raw, given, strict=False))
    if len(absent_types) > MAX_UNKNOWN_EVENTS:
        return None
    worlds: list[Mapping[str, Any]] = []
    for n in range(len(absent_types) + 1):
        if n == 0 and not swapped:  # the world as recorded: its record (with its unknown fields) and its events, as given
            worlds.append(variables if record is variables["record"] else {**variables, "record": record})  # (read only)
            continue
        for happened in combinations(absent_types, n):
            phantoms = [Partial({"type": t}, None) for t in happened]
            evs, rec_evs = (Open(events + phantoms), Open(raw + phantoms)) if phantoms else (events, raw)
            rec = Partial({**record, "events": rec_evs}, record.unknown) if isinstance(record, Partial) else {**record, "events": rec_evs}
            world = dict(variables)  # without the evaluator's index of the events by type (plan/events.py): it
            world.pop(BY_TYPE, None)  # holds the recorded events
            world["record"], world["events"] = rec, evs
            worlds.append(world)
    return worlds


class NeedingCheck(Protocol):
    """What ``standing`` reads of a compiled check (compiled.CheckDef; named here, as compiled imports this module)."""

    @property
    def needs(self) -> tuple[str, ...]: ...
    @property
    def when(self) -> Expression | None: ...
    @property
    def impl(self) -> CheckType: ...


def standing(ck: NeedingCheck, hits: Sequence[Hit], variables: Mapping[str, Any], optional: Mapping[str, OptionalData],
             recorded: frozenset[str]) -> list[Hit]:
    """The hits of ``ck`` that stand whatever the optional data it needs (and the record lacks) holds:
    its ``when`` is true and the hit's own verdict false in every world of ``unknown_worlds``. The rest
    rest on the absence and are unverified. The reached state is taken as replayed (optional steps are
    skippable, so recording them does not move where a record ends)."""
    if type(ck.impl).decided is _UNDECIDING:  # a check type that cannot tell keeps every hit unverified: no world to build
        return []
    worlds = unknown_worlds(variables, ck.needs, optional, recorded)
    if worlds is None:
        return []
    if ck.when is not None and any(ck.when.over_unknowns(w) is not True for w in worlds):
        return []
    return ck.impl.decided(worlds, hits)


MAX_SKIPPED = 4  # optional steps skipped in a row: bounds the work on hostile definitions (10,000-step chains)


def skip_sources(steps: Sequence[Any], optional_events: frozenset[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """For each step, the extra source states it accepts because optional steps before it may be skipped,
    each with the ids of the skipped steps: ``{step id: {state: (skipped step id, ...)}}``.

    Transitive up to ``MAX_SKIPPED``: product's submit (after ``evaluated``) also accepts
    ``qualified`` (evaluate skipped) and ``candidate`` (both skipped). Self-loops skip
    nothing, and a step never skips one with its own event (that would be the same step again).
    """
    into: dict[str, list[Any]] = {}
    for s in steps:
        if s.event in optional_events and s.to not in s.sources:
            into.setdefault(s.to, []).append(s)
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for t in steps:
        extra: dict[str, tuple[str, ...]] = {}
        frontier: list[tuple[str, tuple[str, ...]]] = [(src, ()) for src in t.sources]
        seen = set(t.sources)
        for _ in range(MAX_SKIPPED):
            nxt = []
            for state, chain in frontier:
                for s in into.get(state, ()):
                    if s.event == t.event or s.id in chain:
                        continue
                    for src in s.sources:
                        if src not in seen:
                            seen.add(src)
                            extra[src] = (s.id, *chain)
                            nxt.append((src, (s.id, *chain)))
            frontier = nxt
        if extra:
            out[t.id] = extra
    return out


__all__ = ["ALL", "OptionalData", "declared", "missing", "read_optional", "skip_sources", "standing", "unknown_worlds",
           "unmet"]

"""What a record schema says about its fields: their paths, their types, which are instants or money.

Read by the compiler, never to validate: ``SchemaIndex`` resolves dotted field
paths through properties, ``$ref``, allOf and items, so that an expression's
typo is caught at load time; ``view_plan`` finds once per schema the values the
CEL view normalises (``x-sop-type``); ``record_event_types`` is the event types
a schema allows, which lint holds steps to. It needs of the schemas only that
``$ref`` resolves (``Resolver``, which ``schemas.SchemaStore`` is), so it sits
below ``schemas.py``, which re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Resolver(Protocol):
    """What resolves a schema node's ``$ref`` against its base URI: ``schemas.SchemaStore``."""

    def resolve(self, node: Mapping[str, Any], base: str) -> tuple[Mapping[str, Any], str]: ...


@dataclass
class SchemaIndex:
    """Resolves dotted field paths through properties, $ref, allOf and items."""

    store: Resolver
    node: Mapping[str, Any]
    base: str

    def _parts(self, node: Mapping[str, Any], base: str, depth: int = 0) -> list[tuple[Mapping[str, Any], str]]:
        if depth > 20 or not isinstance(node, Mapping):
            return []
        node, base = self.store.resolve(node, base)
        out = [(node, base)]
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or ():
                out.extend(self._parts(sub, base, depth + 1))
        if "then" in node:
            out.extend(self._parts(node["then"], base, depth + 1))
        return out

    def _child(self, parts: list[tuple[Mapping[str, Any], str]],
               name: str) -> tuple[list[tuple[Mapping[str, Any], str]], set[str], bool]:
        found: list[tuple[Mapping[str, Any], str]] = []
        known: set[str] = set()
        open_ended = False
        for node, base in parts:
            props = node.get("properties")
            if isinstance(props, Mapping):
                known.update(props)
                if name in props:
                    found.extend(self._parts(props[name], base))
            if node.get("type") in ("object", None) and not isinstance(props, Mapping) and (
                    node.get("additionalProperties") not in (False, None) or "patternProperties" in node):
                open_ended = True
        return found, known, open_ended

    def missing(self, names: list[str]) -> tuple[int, list[str]] | None:
        """(depth, known names) of the first path element the schema does not declare; None if all resolve."""
        parts = self._parts(self.node, self.base)
        for depth, name in enumerate(names):
            found, known, open_ended = self._child(parts, name)
            if not found:
                if not known or open_ended:
                    return None  # the schema does not describe this level: nothing to judge
                return depth, sorted(known)
            parts = found
        return None

    def types(self, names: list[str]) -> set[str]:
        parts = self._parts(self.node, self.base)
        for name in names:
            parts, _, _ = self._child(parts, name)
            if not parts:
                return set()
        types: set[str] = set()
        for node, _ in parts:
            if node.get("x-sop-type") == "money":
                return {"number"}
            t = node.get("type")
            if isinstance(t, str):
                types.add(t)
            elif isinstance(t, list):
                types.update(t)
            if "const" in node or "enum" in node:
                vals = [node["const"]] if "const" in node else node["enum"]
                types.update({"string" if isinstance(v, str) else "boolean" if isinstance(v, bool)
                              else "number" if isinstance(v, (int, float)) else "null" for v in vals})
        return types

    def sub(self, names: list[str], items: bool = False) -> SchemaIndex | None:
        parts = self._parts(self.node, self.base)
        for name in names:
            parts, _, _ = self._child(parts, name)
            if not parts:
                return None
        if items:
            for node, base in parts:
                if isinstance(node.get("items"), Mapping):
                    return SchemaIndex(self.store, node["items"], base)
            return None
        node, base = parts[0]
        return SchemaIndex(self.store, {"allOf": [p for p, _ in parts]}, base)


@dataclass
class ViewPlan:
    """Which values of a record are timestamps, dates or money, found once per schema."""

    kind: str | None = None
    props: dict[str, ViewPlan] = field(default_factory=dict)
    items: ViewPlan | None = None

    @property
    def empty(self) -> bool:
        return self.kind is None and not self.props and self.items is None


def view_plan(store: Resolver, node: Mapping[str, Any], base: str, depth: int = 0) -> ViewPlan:
    plan = ViewPlan()
    if depth > 12:
        return plan
    for part, pbase in _unconditional_parts(store, node, base):
        kind = part.get("x-sop-type")
        if kind:
            plan.kind = kind
        for name, sub in (part.get("properties") or {}).items():
            child = view_plan(store, sub, pbase, depth + 1)
            if not child.empty:
                plan.props[name] = _merged(plan.props.get(name), child)
        items = part.get("items")
        if isinstance(items, Mapping):
            child = view_plan(store, items, pbase, depth + 1)
            if not child.empty:
                plan.items = _merged(plan.items, child)
    return plan


def _unconditional_parts(store: Resolver, node: Mapping[str, Any], base: str,
                         depth: int = 0) -> list[tuple[Mapping[str, Any], str]]:
    """``node`` and the parts it combines, but not an ``if``/``then``'s: a field the schema checks only on
    some events (``reported_at`` of ``exception_raised``) is not read by type on the others."""
    if depth > 20 or not isinstance(node, Mapping):
        return []
    node, base = store.resolve(node, base)
    out = [(node, base)]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or ():
            out.extend(_unconditional_parts(store, sub, base, depth + 1))
    return out


def _merged(a: ViewPlan | None, b: ViewPlan) -> ViewPlan:
    """Two parts' plans of one value (``events`` of record_base and of the process's own schema): both
    parts' fields, so a field declared in one part (an event's ``retain_until``) is not lost to the other."""
    if a is None:
        return b
    props = dict(a.props)
    for name, child in b.props.items():
        props[name] = _merged(props.get(name), child)
    items = b.items if a.items is None else (a.items if b.items is None else _merged(a.items, b.items))
    return ViewPlan(a.kind or b.kind, props, items)



def record_event_types(schema: Mapping[str, Any] | None) -> set[str] | None:
    """The event types a record schema allows (``events[].type`` enum, directly or in an allOf part), if it says."""
    if schema is None:
        return None
    try:
        enum = schema["properties"]["events"]["items"]["properties"]["type"]["enum"]
        return set(enum)
    except (KeyError, TypeError):
        pass
    for part in (schema.get("properties", {}).get("events", {}).get("items", {}).get("allOf") or []):
        enum = (part.get("properties") or {}).get("type", {}).get("enum")
        if enum:
            return set(enum)
    return None

"""A record schema as the Rust validator is given it: without the subschemas that another part already implies.

Every record schema is ``allOf: [{$ref: record_base}]`` plus its own ``properties``, and both
say what ``events`` holds: record_base that each item is an ``event``, the process schema that
each item is an ``event`` *and* one of its own event types (``allOf`` with that same ``$ref``
first). Under ``allOf`` (a conjunction) the first says nothing the second does not, yet the
validator checks every event against ``event`` twice: a quarter of its time on an order. So
the validator that answers "valid?" on the hot path gets a copy of the schema in which a
``$ref``'d member of the top ``allOf`` leaves out each property the top schema's own
``properties`` already implies (``implies``, which answers False when in doubt). The records it
accepts are the same by construction; the Python validator, which names the errors of an
invalid record, keeps the schema as written, so its messages are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

__all__ = ["without_implied"]

# keywords that never change whether an instance is valid (2020-12 annotations; x-* are unknown, hence ignored)
_ANNOTATIONS = frozenset({"description", "title", "examples", "$comment", "default", "deprecated", "readOnly", "writeOnly"})
# keywords whose effect depends on what sibling subschemas evaluated, or that rebase what is below them:
# with any of them in reach, nothing is left out
_CONTEXTUAL = frozenset({"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
                         "$recursiveAnchor", "$id", "$anchor"})

# keywords whose meaning depends on siblings: compared one by one only where those are absent (both sides);
# () never one by one
_SIBLINGS: dict[str, tuple[str, ...]] = {
    "items": ("prefixItems",), "additionalItems": ("items",), "additionalProperties": ("properties", "patternProperties"),
    "contains": ("minContains", "maxContains"), "minContains": (), "maxContains": (), "if": (), "then": (), "else": ()}

Docs = Mapping[str, Mapping[str, Any]]  # schema documents by their base URI


def without_implied(top: dict[str, Any], base: str, docs: Docs) -> dict[str, Any]:
    """``top`` (the schema document at URI ``base``; ``docs``: every document by URI) with each
    ``{"$ref": R}`` member of its ``allOf`` replaced by R less the properties ``top.properties``
    implies, its ``$ref``s made absolute; ``top`` itself when nothing can be left out."""
    members, props = top.get("allOf"), top.get("properties")
    if not isinstance(members, list) or not isinstance(props, Mapping) or any(_contextual(d, root=True) for d in docs.values()):
        return top
    out, changed = [], False
    for m in members:
        target = _target(m, base, docs) if isinstance(m, Mapping) and set(m) == {"$ref"} else None
        if (target is not None and isinstance(rprops := target[0].get("properties"), Mapping)
                and target[0].get("additionalProperties", True) is True):  # (which properties leaves out)
            kept = {p: s for p, s in rprops.items() if not (p in props and implies(props[p], base, s, target[1], docs))}
            if len(kept) < len(rprops):
                m, changed = _absolute({**target[0], "properties": kept}, target[1]), True
        out.append(m)
    return {**top, "allOf": out} if changed else top


def implies(a: Any, a_base: str, b: Any, b_base: str, docs: Docs, depth: int = 0) -> bool:
    """True only if every instance valid against ``a`` is valid against ``b`` (schemas at those base URIs):
    ``b`` equals ``a`` or a part ``a`` holds conjunctively (its ``allOf`` members, what its ``$ref`` names),
    or each of ``b``'s keywords is one of theirs with an equal value, or ``items`` that ``a``'s imply."""
    if depth > 16 or not isinstance(b, Mapping):
        return False
    facts = _facts(a, a_base, docs, depth)
    wanted = _canonical(b, b_base)
    if any(_canonical(f, fb) == wanted for f, fb in facts):
        return True
    for k, v in b.items():
        if k in _ANNOTATIONS or k.startswith("x-"):
            continue
        if k == "$ref":
            t = _target(b, b_base, docs)
            if t is None or not implies(a, a_base, t[0], t[1], docs, depth + 1):
                return False
            continue
        if k in _SIBLINGS and (not _SIBLINGS[k] or any(d in b for d in _SIBLINGS[k])):
            return False
        value = _keyword(k, v, b_base)
        if not any(k in f and not any(d in f for d in _SIBLINGS.get(k, ())) and (
                _keyword(k, f[k], fb) == value or k == "items" and implies(f[k], fb, v, b_base, docs, depth + 1))
                for f, fb in facts):
            return False
    return True


def _facts(a: Any, base: str, docs: Docs, depth: int) -> list[tuple[Mapping[str, Any], str]]:
    """``a`` and every schema it holds conjunctively: its ``allOf`` members and what its ``$ref`` names, recursively."""
    out: list[tuple[Mapping[str, Any], str]] = []
    todo = [(a, base)]
    while todo and len(out) < 64 and depth < 16:
        node, at = todo.pop()
        if not isinstance(node, Mapping):
            continue
        out.append((node, at))
        if isinstance(node.get("$ref"), str) and (t := _target(node, at, docs)) is not None:
            todo.append(t)
        if isinstance(node.get("allOf"), list):
            todo.extend((m, at) for m in node["allOf"])
    return out


def _target(node: Mapping[str, Any], base: str, docs: Docs) -> tuple[Mapping[str, Any], str] | None:
    """What ``node``'s ``$ref`` names (a document, or a JSON Pointer into one), and that document's URI; None if unknown."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return None
    uri, _, fragment = urljoin(base, ref).partition("#")
    if not fragment:
        return None  # a whole document: its $id would travel with it
    found: Any = docs.get(uri)
    if fragment and not fragment.startswith("/"):
        return None  # an anchor: none in reach (_CONTEXTUAL), so unknown
    for key in fragment.split("/")[1:] if fragment else ():
        key = key.replace("~1", "/").replace("~0", "~")
        found = found.get(key) if isinstance(found, Mapping) else None
    return (found, uri) if isinstance(found, Mapping) else None


_SCHEMA = frozenset({"not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames",
                     "additionalItems", "unevaluatedItems", "unevaluatedProperties"})  # a keyword whose value is a schema
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})  # name -> schema


def _canonical(node: Any, base: str, drop: bool = True) -> Any:
    """Schema ``node`` as compared: every ``$ref`` absolute and (``drop``) no annotations. Keyword by keyword,
    so that a property named "description" or a ``const`` holding a "$ref" key is data, left as it is."""
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for k, v in node.items():
        if drop and (k in _ANNOTATIONS or k.startswith("x-")):
            continue
        out[k] = _keyword(k, v, base, drop)
    return out


def _keyword(k: str, v: Any, base: str, drop: bool = True) -> Any:
    """The value of keyword ``k`` as ``_canonical`` writes it."""
    if k == "$ref" and isinstance(v, str):
        return urljoin(base, v)
    if k in _SCHEMA:
        return _canonical(v, base, drop)
    if k in _SCHEMA_LISTS and isinstance(v, list):
        return [_canonical(x, base, drop) for x in v]
    if k in _SCHEMA_MAPS and isinstance(v, Mapping):
        return {name: _canonical(x, base, drop) for name, x in v.items()}
    return v  # data (enum, const, required, type ...)


def _absolute(node: Any, base: str) -> Any:
    """Schema ``node`` with every ``$ref`` made absolute against ``base``, so that it means the same anywhere."""
    return _canonical(node, base, drop=False)


def _contextual(node: Any, root: bool = False) -> bool:
    """Whether schema data holds a keyword of _CONTEXTUAL (a document's own ``$id`` aside); True when in doubt."""
    if isinstance(node, Mapping):
        if root:
            node = {k: v for k, v in node.items() if k != "$id"}
        return any(k in _CONTEXTUAL for k in node) or any(_contextual(v) for v in node.values())
    if isinstance(node, list):
        return any(_contextual(v) for v in node)
    return False

"""A record schema as the Rust validator is given it: the cases of one property asked as one ``anyOf``.

A process schema says what each type of event carries as an ``allOf`` of
``{"if": {"required": ["type"], "properties": {"type": {"const": "shipped"}}}, "then": ...}``, one member
a type. Every event is then tested against every ``if``: an order's event against four of them,
a fifth of its validation. For the answer "valid?", those members (two or more on one property, each
a different text) are the same as one ``anyOf`` of the cases, each its ``if`` and its ``then``, and a
last case for a value that is none of them: an object whose property is one of the texts is valid
iff that case's ``then`` holds; any other object is valid, as before. Anything not an object meets
every ``if`` (``required`` and ``properties`` say nothing of it), so it must meet every ``then``, as
before: a case of its own, after the objects' (the cases of objects say ``type: object``, or a
non-object would pass on any one ``then``). The validator stops at the first case that holds, which
for most events is the first whose text matches.

As with ``schema_implied``: only the validator that answers "valid?" gets this copy; the Python
validator, which names the errors of an invalid record, reads the schema as written, so its messages
are unchanged. Left as written: a schema that holds a keyword reading its siblings' annotations
(``unevaluated*``, dynamic references) or a reference into itself (a moved member's place changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin

from .schema_implied import _contextual

__all__ = ["as_cases"]

# where a schema holds schemas (2020-12 and the drafts before): one, a list of them, or a map to them
_ONE = frozenset({"items", "additionalItems", "additionalProperties", "not", "if", "then", "else", "contains",
                  "propertyNames"})
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def as_cases(top: dict[str, Any], base: str) -> dict[str, Any]:
    """``top`` (the schema document at URI ``base``) with each such run of ``if``/``then`` members of an
    ``allOf`` given as one ``anyOf``; ``top`` itself when there is none, or when it may not be moved."""
    if _contextual(top, root=True) or _refers_to_itself(top, base):
        return top
    out = _rewritten(top)
    return top if out is None else out


def _rewritten(node: Any) -> Any:
    """``node`` (a schema) rewritten, or None when nothing in it changes."""
    if not isinstance(node, Mapping):
        return None
    changes: dict[str, Any] = {}
    for k, v in node.items():
        if k in _ONE:
            new = _rewritten(v)
        elif k in _LIST and isinstance(v, list):
            subs = [_rewritten(s) for s in v]
            new = None if all(s is None for s in subs) else [s if n is None else n for s, n in zip(v, subs, strict=True)]
        elif k in _MAP and isinstance(v, Mapping):
            subs_map = {p: _rewritten(s) for p, s in v.items()}
            new = None if all(s is None for s in subs_map.values()) else {
                p: s if subs_map[p] is None else subs_map[p] for p, s in v.items()}
        else:
            new = None
        if new is not None:
            changes[k] = new
    members = changes.get("allOf", node.get("allOf"))
    if isinstance(members, list) and (cases := _cases(members)) is not None:
        changes["allOf"] = cases
    return {**node, **changes} if changes else None


def _case(member: Any) -> tuple[str, str] | None:
    """(property, text) of ``{"if": {"required": [p], "properties": {p: {"const": text}}}, "then": ...}``."""
    if not isinstance(member, Mapping) or set(member) != {"if", "then"} or not isinstance(member["if"], Mapping):
        return None
    cond = member["if"]
    props = cond.get("properties")
    if set(cond) != {"required", "properties"} or not isinstance(props, Mapping) or len(props) != 1:
        return None
    ((prop, test),) = props.items()
    if cond["required"] != [prop] or not isinstance(test, Mapping) or set(test) != {"const"} or type(test["const"]) is not str:
        return None
    return prop, test["const"]


def _cases(members: list[Any]) -> list[Any] | None:
    """``members`` with their cases of one property as one ``anyOf`` (in their order), or None."""
    found = [(i, c) for i, m in enumerate(members) if (c := _case(m)) is not None]
    if len(found) < 2 or len({p for _, (p, _) in found}) != 1 or len({t for _, (_, t) in found}) != len(found):
        return None
    prop = found[0][1][0]
    texts = [t for _, (_, t) in found]
    # (an object: the case its property names, or none; anything else meets every if, so every then)
    branches: list[Any] = [{"type": "object", **members[i]["if"], "allOf": [members[i]["then"]]} for i, _ in found]
    branches.append({"type": "object", "not": {"required": [prop], "properties": {prop: {"enum": texts}}}})
    branches.append({"not": {"type": "object"}, "allOf": [members[i]["then"] for i, _ in found]})
    at = {i for i, _ in found}
    return [m for i, m in enumerate(members) if i not in at] + [{"anyOf": branches}]


def _refers_to_itself(node: Any, base: str) -> bool:
    """Whether a ``$ref`` in ``node`` (at URI ``base``) names a place in that document itself."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and urldefrag(urljoin(base, ref)).url == urldefrag(base).url:
            return True
        return any(_refers_to_itself(v, base) for v in node.values())
    if isinstance(node, list):
        return any(_refers_to_itself(v, base) for v in node)
    return False

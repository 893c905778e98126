"""Expressions checked against their role at load time: what cannot be right must not load.

CEL's checker types an expression, but the record is a map of ``dyn`` to it, so
``assert: "'paid'"`` (a string), ``record.big_promotion + 1 > 0`` (bool + int)
or ``record.status.matches('(unclosed')`` compiled, and then failed on every
record as an ``:unevaluable`` finding. Three checks close that:

- the declared type of the result against the role of the expression
  (``ROLES``: conditions and assertions are bool, ``due`` a timestamp, ``for_each``
  a list, evidence something a message can print);
- every literal regular expression compiled, wherever it stands;
- a probe: the expression evaluated once on a sample record built from the record
  schema (every property present, with a value of its declared type), which is
  where ``dyn`` hides type errors. Only errors that say the expression is wrong count
  (no matching overload, a bad regular expression, a result of the wrong type):
  a missing key or a division by zero in the sample says nothing about real records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import EvaluationError, ExpressionError
from .expr import Expression, compile_expression
from .schemas import SchemaStore

__all__ = ["ROLES", "TEMPLATE", "check_role", "role_of", "sample_variables", "unknown_placeholders"]

TEMPLATE = re.compile(r"\{([A-Za-z_][\w]*(?:\.[\w]+)*)\}")  # a message's {name} or {name.sub}, filled from evidence


def unknown_placeholders(template: str, evidence: frozenset[str]) -> list[str]:
    """The ``{placeholder}``s of ``template`` that name no evidence (they would print literally)."""
    return [m.group(1) for m in TEMPLATE.finditer(template) if m.group(1).split(".")[0] not in evidence]

# the last key of an expression's JSON Pointer -> what its value must be
ROLES = {"when": "bool", "expected_when": "bool", "assert": "bool", "due": "timestamp", "for_each": "list"}
_ACCEPT = {
    "bool": ("BOOL",),
    "timestamp": ("TIMESTAMP", "STRING"),  # a record's timestamps are RFC 3339 text in CEL
    "list": ("LIST",),
    "printable": ("STRING", "INT", "UINT", "DOUBLE", "BOOL", "TIMESTAMP", "DURATION", "LIST", "NULL"),
}
_WORDS = {"bool": "true or false", "timestamp": "a timestamp", "list": "a list", "printable": "a value a message can print"}
_REGEX_LITERAL = re.compile(r"""\bmatches\(\s*(?:[^,()]+,\s*)?(r?"(?:[^"\\\n]|\\.)*"|r?'(?:[^'\\\n]|\\.)*')\s*\)""")
_FATAL = ("no matching overload", "invalid regular expression", "invalid regex")
_SAMPLE_NOW = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)


def role_of(pointer: str) -> str | None:
    """The role of the expression at ``pointer`` (inside a rules document), or None if it has none."""
    parts = pointer.rsplit("/", 2)
    if len(parts) >= 2 and parts[-2] == "evidence":
        return "printable"
    return ROLES.get(parts[-1])


def check_role(expr: Expression, role: str | None, sample: Mapping[str, Any] | None) -> list[ExpressionError]:
    """Why ``expr`` cannot be right in ``role``; empty when nothing is provably wrong."""
    out = [_bad_regex(expr.source, m) for m in _REGEX_LITERAL.finditer(expr.source)]
    problems = [p for p in out if p is not None]
    declared = str(expr._compiled.return_type())
    if role is not None and declared != "DYN" and not declared.startswith(_ACCEPT[role]):
        problems.append(ExpressionError(f"gives {_shown(declared)}, but here it must give {_WORDS[role]}"))
        return problems
    if sample is None or problems or re.search(r"\bitem\b", expr.source):
        return problems  # `item` is the element of a for_each, which the sample cannot know
    try:
        value = expr.evaluate(sample)
    except EvaluationError as exc:
        if any(f in str(exc).lower() for f in _FATAL):
            problems.append(ExpressionError(f"fails on a record that fits the schema: {exc}"))
        return problems
    if role is not None and declared == "DYN" and not _fits(value, role):
        problems.append(ExpressionError(f"gives {type(value).__name__} on a record of the schema, "
                                        f"but here it must give {_WORDS[role]}"))
    return problems


def _shown(cel_type: str) -> str:
    return {"STRING": "a string", "INT": "an integer", "UINT": "an integer", "DOUBLE": "a number", "BOOL": "true or false",
            "TIMESTAMP": "a timestamp", "DURATION": "a duration", "NULL": "null", "BYTES": "bytes"}.get(
        cel_type, cel_type.lower())


def _fits(value: Any, role: str) -> bool:
    if role == "bool":
        return isinstance(value, bool)
    if role == "list":
        return isinstance(value, list)
    if role == "timestamp":
        return isinstance(value, (str, datetime))
    return not isinstance(value, (dict, bytes, bytearray))


def _bad_regex(source: str, m: re.Match[str]) -> ExpressionError | None:
    """A literal regular expression that RE2 (CEL's engine) refuses, at its position in the source."""
    try:
        compile_expression(f"''.matches({m.group(1)})").evaluate({})
    except ExpressionError:
        return None  # not a plain literal after all; CEL's own checker has the say
    except EvaluationError as exc:
        line = source.count("\n", 0, m.start(1)) + 1
        col = m.start(1) - (source.rfind("\n", 0, m.start(1)) + 1) + 1
        return ExpressionError(f"regular expression {m.group(1)} does not compile: {exc}", line, col)
    return None


# --- the sample record --------------------------------------------------------------

_SCALARS = {"string": "x", "integer": 1, "number": 1.5, "boolean": True, "null": None}
_BY_KIND = {"timestamp": "2023-06-01T12:00:00+08:00", "until": "2023-06-01T23:59:59+08:00", "date": "2023-06-01",
            "money": 1.5}


def sample_variables(store: SchemaStore, schema: Mapping[str, Any], base: str, initial: str) -> dict[str, Any]:
    """CEL variables for the probe: a record with every property of ``schema``, one event."""
    record = _sample(store, schema, base, 0)
    if not isinstance(record, dict):
        record = {}
    events = record.get("events") if isinstance(record.get("events"), list) else []
    event = events[0] if events else {}
    return {"record": record, "events": events, "event": event, "item": None, "index": 0, "state": initial,
            "now": _SAMPLE_NOW}


def _sample(store: SchemaStore, node: Any, base: str, depth: int) -> Any:
    if not isinstance(node, Mapping) or depth > 12:
        return None
    node, base = store.resolve(node, base)
    if node.get("x-sop-type") in _BY_KIND:
        return _BY_KIND[node["x-sop-type"]]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    merged: dict[str, Any] = {}
    for part in node.get("allOf") or ():  # an event: the common shape and the process's own
        value = _sample(store, part, base, depth + 1)
        if isinstance(value, dict):
            merged.update(value)
        elif value is not None:
            return value
    first = (node.get("anyOf") or node.get("oneOf") or [None])[0]
    if first is not None and not merged:
        return _sample(store, first, base, depth + 1)
    t = node.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "object" or "properties" in node or merged:
        for name, sub in (node.get("properties") or {}).items():
            value = _sample(store, sub, base, depth + 1)
            if name not in merged or value is not None:
                merged[name] = value
        return merged
    if t == "array":
        item = _sample(store, node.get("items"), base, depth + 1)
        return [] if item is None else [item]
    return _SCALARS.get(t) if isinstance(t, str) else None

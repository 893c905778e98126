"""Parameters a rule declares: the thresholds the manual leaves open, named, typed and bounded.

"第一时间" (ORD-13), "流量突降" (MKT-06) or a GMV tolerance have no number in the
manual, so a rule picks one; written as a literal inside a CEL expression, a shop
could change it only by forking the rules. A check declares such a number under
``parameters`` (name -> type, default, optional bounds and unit, a bilingual
description); its expressions read it as ``params.<name>``, a CEL variable of the
declared type, so the type checker knows it and the plan translator folds it into
a constant. A shop's ``sopengine.yaml`` sets it under ``params: {<check>: {<name>:
value}}``, the same place that sets a check type's own parameters, and each value
is checked here against its declaration, with the same words for the rule author
(a bad default) and for the shop (a bad override).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .chrono.instants import format_duration, parse_duration
from .errors import Finding, Located, ParameterError, ValueProblem
from .paths import bundled_schemas_dir

TYPES = ("number", "integer", "duration", "string", "boolean")
VALUE_KEY = "value"  # where a configuration's value is written into a declaration (engine.with_params)
_USE = re.compile(r"\bparams\.([A-Za-z_]\w*)")
_PLACEHOLDER = re.compile(r"\{params\.([A-Za-z_]\w*)\}")
_UNDECLARED = re.compile(r"undeclared reference to 'params\.(\w+)'")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter and the value it takes in this compile (the default, or a shop's)."""

    name: str
    type: str
    default: Any  # as the CEL expressions see it: float, int, timedelta, str or bool
    value: Any
    minimum: Any = None
    maximum: Any = None
    unit: Mapping[str, str] | None = None
    description: Mapping[str, str] | None = None

    @property
    def overridden(self) -> bool:
        return bool(self.value != self.default)

    def shown(self, value: Any = None) -> str:
        """How a message or ``sopengine config`` prints the value (a duration as ``1 h``)."""
        v = self.value if value is None else value
        if isinstance(v, timedelta):
            return format_duration(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)


def coerce(kind: str, value: Any) -> Any:
    """``value`` as a parameter of type ``kind`` (a duration from ``24h``, an integer number as float);
    ParameterError saying what was expected."""
    if kind == "number" and type(value) in (int, float):
        return float(value)
    if kind == "integer" and type(value) is int:
        return value
    if kind == "integer" and type(value) is float and value.is_integer():
        return int(value)
    if kind == "boolean" and type(value) is bool:
        return value
    if kind == "string" and type(value) is str:
        return value
    if kind == "duration" and type(value) is str:
        try:
            return parse_duration(value)
        except ValueProblem as exc:
            raise ParameterError(str(exc)) from None
    want = {"number": "a number", "integer": "an integer", "duration": "a duration such as 1h, 30m or 15d",
            "string": "a string", "boolean": "true or false"}[kind]
    raise ParameterError(f"must be {want}, not {_json_type(value)} {json.dumps(value, ensure_ascii=False, default=str)}")


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}.get(
        type(value), type(value).__name__)


def check_value(p: Parameter, raw: Any) -> Any:
    """``raw`` coerced and inside ``p``'s bounds; ParameterError otherwise."""
    v = coerce(p.type, raw)
    if p.minimum is not None and v < p.minimum:
        raise ParameterError(f"{p.shown(v)} is below the minimum {p.shown(p.minimum)} of {p.name}")
    if p.maximum is not None and v > p.maximum:
        raise ParameterError(f"{p.shown(v)} is above the maximum {p.shown(p.maximum)} of {p.name}")
    return v


def read_parameter(name: str, spec: Mapping[str, Any]) -> Parameter:
    """A declaration (schema-valid) as a Parameter; ParameterError with the pointer (relative to it) of what is wrong."""
    kind = spec["type"]
    bounds: dict[str, Any] = {}
    for key in ("minimum", "maximum"):
        if key in spec:
            if kind in ("string", "boolean"):
                raise ParameterError(f"a {kind} parameter has no {key}", f"/{key}")
            try:
                bounds[key] = coerce(kind, spec[key])
            except ParameterError as exc:
                raise ParameterError(exc.message, f"/{key}") from None
    if "minimum" in bounds and "maximum" in bounds and bounds["minimum"] > bounds["maximum"]:
        raise ParameterError("the minimum is above the maximum", "/minimum")
    p = Parameter(name, kind, None, None, bounds.get("minimum"), bounds.get("maximum"), spec.get("unit"),
                  spec.get("description"))
    try:
        default = check_value(p, spec["default"])
    except ParameterError as exc:
        raise ParameterError(f"the default {exc.message}", "/default") from None
    value = default
    if VALUE_KEY in spec:  # a shop's value, already checked against the declaration (config.param_findings)
        value = check_value(p, spec[VALUE_KEY])
    return Parameter(name, kind, default, value, p.minimum, p.maximum, p.unit, p.description)


def uses(texts: Any) -> set[str]:
    """The ``params.<name>`` an expression (or any strings nested in ``texts``) reads."""
    if isinstance(texts, str):
        return set(_USE.findall(texts))
    if isinstance(texts, Mapping):
        return set().union(*(uses(v) for v in texts.values())) if texts else set()
    if isinstance(texts, list):
        return set().union(*(uses(v) for v in texts)) if texts else set()
    return set()


def read_declarations(check: Mapping[str, Any], at: str, doc: Located) -> tuple[dict[str, Parameter] | None, list[Finding]]:
    """The declared parameters of the check at ``at`` in ``doc`` (with a configuration's values), and each
    mistake as a finding at its line; None when a declaration cannot be read (its expressions would then
    only add "undeclared reference" errors)."""
    out: dict[str, Parameter] = {}
    findings: list[Finding] = []
    taken = check_type_keys(check["type"])
    used = uses(check.get("params")) | uses(check.get("when"))
    for name, spec in (check.get("parameters") or {}).items():
        q = f"{at}/parameters/{name}"
        if name in taken:
            findings.append(Finding("error", f"parameter {name!r} has the name of a {check['type']} param, so a shop's "
                                    "params could not tell them apart", doc.where(q), "parameter"))
            continue
        if name not in used:
            findings.append(Finding("error", f"parameter {name!r} is declared but no expression of the check reads "
                                    f"params.{name}, so setting it would change nothing", doc.where(q), "parameter"))
        try:
            out[name] = read_parameter(name, spec)
        except ParameterError as exc:
            findings.append(exc.finding(doc, q))
    unread = [n for n in (check.get("parameters") or {}) if n not in out and n not in taken]
    return (None if unread else out), findings


def placeholder_findings(check: Mapping[str, Any], at: str, doc: Located, declared: Mapping[str, Parameter]) -> list[Finding]:
    """A message's ``{params.<name>}`` that names no declared parameter (it would print as it is)."""
    msg = check.get("message")
    out: list[Finding] = []
    if not isinstance(msg, Mapping):
        return out
    for lang in ("zh", "en"):
        for name in _PLACEHOLDER.findall(msg[lang]):
            if name not in declared:
                close = difflib.get_close_matches(name, list(declared), n=1)
                out.append(Finding("error", f"message placeholder {{params.{name}}} names no parameter this check declares",
                                   doc.where(f"{at}/message/{lang}"), "message-placeholder",
                                   f"did you mean {close[0]!r}?" if close else ""))
    return out


def undeclared_hint(message: str, consts: Mapping[str, Any]) -> str:
    """The hint for CEL's "undeclared reference to 'params.x'": the closest declared name, or where to declare one."""
    m = _UNDECLARED.search(message)
    if m is None:
        return ""
    close = difflib.get_close_matches(m.group(1), [n.split(".", 1)[1] for n in consts], n=1)
    return f"did you mean {close[0]!r}?" if close else "declare it under the check's parameters (docs/authoring.md, \"Parameters\")"


def check_type_keys(type_name: str) -> list[str]:
    """The params a check type declares in its schema (``schemas/checks/<type>.schema.json``), if it has one."""
    path = bundled_schemas_dir() / "checks" / f"{type_name}.schema.json"
    if not path.is_file():
        return []
    return list(json.loads(path.read_text("utf-8")).get("properties") or {})


def constants(declared: Mapping[str, Parameter]) -> dict[str, Any]:
    """What the CEL expressions of a check see: ``params.<name>`` -> its value in this compile."""
    return {f"params.{n}": p.value for n, p in declared.items()}


__all__ = [
    "TYPES",
    "VALUE_KEY",
    "Parameter",
    "check_type_keys",
    "check_value",
    "coerce",
    "constants",
    "placeholder_findings",
    "read_declarations",
    "read_parameter",
    "undeclared_hint",
    "uses",
]

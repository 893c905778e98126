"""CEL expressions: compiled once, type-checked, checked against the record schema.

CEL is sandboxed and non-Turing-complete, so rule text can never run code; the
C++ implementation behind ``cel-expr-python`` type-checks at compile time and
evaluates in microseconds. CEL sees the record as a dynamic map, so on top of
its own checks we resolve every ``record.a.b`` path (and ``event.x``) against
the process's JSON Schema: a misspelt field is a load error, not a rule that
silently never fires.

There is one environment: the engine's variables, plus, for a check type that
binds its own (a decision table's ``decisions``), extra map variables declared
by name (``compile_expression(source, extra=("decisions",))``); each set of
extras gets its environment once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cel_expr_python import cel

from .errors import EvaluationError, ExpressionError
from .plan import Fallback
from .plan.events import BY_TYPE
from .plan.ops import INT64_MAX, INT64_MIN, is_plain, plain
from .plan.translate import SURPRISES, checked
from .plan.translate import plan as raw_plan
from .schema_fields import SchemaIndex

_T = cel.Type
VARIABLES: dict[str, Any] = {
    "record": _T.Map(_T.STRING, _T.DYN),
    "events": _T.List(_T.Map(_T.STRING, _T.DYN)),
    "event": _T.Map(_T.STRING, _T.DYN),
    "item": _T.DYN,
    "index": _T.INT,
    "state": _T.STRING,
    "now": _T.TIMESTAMP,
}
_EXTRA_TYPE = _T.Map(_T.STRING, _T.DYN)
_CONST_TYPES = {bool: _T.BOOL, int: _T.INT, float: _T.DOUBLE, str: _T.STRING, timedelta: _T.DURATION}
_ENVS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], Any] = {}


def environment(extra: tuple[str, ...] = (), consts: tuple[tuple[str, str], ...] = ()) -> Any:
    """The CEL environment: the engine's VARIABLES, the map variables ``extra`` and the typed
    constants ``consts`` ((qualified name, Python type name) pairs, e.g. ``("params.drop_ratio", "float")``)."""
    key = (extra, consts)
    env = _ENVS.get(key)
    if env is None:
        clash = [n for n in extra if n in VARIABLES]
        if clash:
            raise ValueError(f"extra CEL variables {clash} would hide the engine's")
        types = {t.__name__: ct for t, ct in _CONST_TYPES.items()}
        env = _ENVS[key] = cel.NewEnv(variables={**VARIABLES, **{n: _EXTRA_TYPE for n in extra},
                                                 **{n: types[t] for n, t in consts}})
    return env


_ENV = environment()
_NAMES = frozenset(VARIABLES)
# Expressions compiled while this is false are evaluated by CEL only: the reference the
# differential tests compare the translated plans with.
USE_PLANS = True
UNDECIDED: Any = object()  # Expression.over_unknowns: the value depends on what is unknown
_UNKNOWN_PLANS: dict[tuple[str, tuple[str, ...]], Any] = {}  # plans of expressions compiled without one
_ERR_POS = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")


class Bindings(dict[str, Any]):
    """Variables shared by many expressions of one record, converted to CEL values once.

    Passing a plain dict makes the C++ side convert the whole record for every
    expression (~14 us for an order); one activation reused by a record's checks,
    conditions and deadlines costs that once. Treat it as frozen once evaluated.
    """

    __slots__ = ("_activation",)
    _activation: Any  # the runtime's Activation (untyped C++ bindings)

    def activation(self) -> Any:
        try:
            return self._activation
        except AttributeError:
            self._activation = _ENV.Activation(_cel_only(self))
            return self._activation


def _cel_only(variables: Mapping[str, Any]) -> Mapping[str, Any]:
    """``variables`` without what the evaluator passes the plans alone (the events index): CEL would convert it."""
    return {k: v for k, v in variables.items() if k != BY_TYPE} if BY_TYPE in variables else variables


@dataclass(frozen=True, eq=False)
class Expression:
    source: str
    _compiled: Any
    _plan: Any = None  # the same expression as a Python closure (plan.translate), when it is in the subset
    extra: tuple[str, ...] = ()  # the extra variables it was compiled with
    # named constants (a rule's declared parameters, ``params.x`` -> value): folded into the plan,
    # handed to CEL with the variables when CEL evaluates
    consts: Mapping[str, Any] = field(default_factory=dict)
    _body: Any = None  # the closure ``_plan`` wraps (plan.plan): evaluate() and test() call it themselves

    def __reduce__(self) -> tuple[Any, ...]:  # the C++ object does not pickle; its source does
        return (compile_expression, (self.source, self.extra, dict(self.consts)))

    @property
    def plan(self) -> Callable[[Mapping[str, Any]], Any] | None:
        """The translated closure itself (None: CEL alone), for a caller that only asks "is it true?" and
        saves the call to ``evaluate``: where it returns True, ``evaluate`` returns True; any other value,
        or one of ``SURPRISES`` raised, means ask ``evaluate``."""
        body: Callable[[Mapping[str, Any]], Any] | None = self._body
        return body

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        body = self._body
        if body is not None:  # the plan's raw closure, called here: one Python call less per evaluation
            try:
                v = body(variables)
            except SURPRISES:  # a CEL error or a value outside the subset: CEL answers, with its own message
                return self._cel(variables)
            if v is True or v is False:
                return v
            t = type(v)
            if t is str or t is float or (t is int and INT64_MIN <= v <= INT64_MAX):
                return v  # what plain() gives for these, without the call
            try:
                return plain(v)
            except Fallback:
                pass
        return self._cel(variables)

    def evaluate_shared(self, variables: Mapping[str, Any]) -> Any:
        """``evaluate``, but a list or map may be (part of) the variables themselves rather than a copy: for
        a caller that only reads it (``for_each``), which spares copying every element of a record's list.
        (A value that is not its plain self, or a fallback, is evaluated again by ``evaluate``: pure, rare.)"""
        body = self._body
        if body is not None:
            try:
                v = body(variables)
            except SURPRISES:
                pass
            else:
                if is_plain(v):
                    return v
        return self.evaluate(variables)

    def evaluate_part(self, variables: Mapping[str, Any]) -> Any:
        """``evaluate_shared`` for an expression whose value is part of ``variables`` that the caller knows
        hold plain data (``plan.parse.part_of``, over the record's view): that value is then its plain
        self, so it is returned without the walk that would find so (one per element and level)."""
        body = self._body
        if body is not None:
            try:
                return body(variables)
            except SURPRISES:
                pass
        return self.evaluate(variables)

    def _cel(self, variables: Mapping[str, Any]) -> Any:
        try:
            if self.consts:
                value = self._compiled.eval(data={**variables, **self.consts})
            elif type(variables) is Bindings and not self.extra:
                value = self._compiled.eval(variables.activation())
            else:
                value = self._compiled.eval(data=_cel_only(variables))
        except RuntimeError as exc:  # the runtime raises, not returns, e.g. past its iteration budget on a long list
            raise EvaluationError(_short(str(exc))) from None
        if value.type() == _T.ERROR:
            raise EvaluationError(_short(str(value.value())))
        return value.plain_value()

    def over_unknowns(self, variables: Mapping[str, Any]) -> Any:
        """Its value where ``variables`` hold unknowns (``plan.unknown``), or ``UNDECIDED`` when that value
        depends on them, or the expression is outside the translated subset (CEL has no unknowns to ask)."""
        body = self._body
        if body is None:  # CEL alone (USE_PLANS off, the differential tests): the verdict must not change
            key = (self.source, self.extra)
            if key not in _UNKNOWN_PLANS:
                _UNKNOWN_PLANS[key] = raw_plan(self.source, _NAMES | frozenset(self.extra))
            body = _UNKNOWN_PLANS[key]
            if body is None:
                return UNDECIDED
        try:  # (what translate's checked wrapper does, without its call)
            v = body(variables)
            return v if v is True or v is False else plain(v)
        except SURPRISES:
            return UNDECIDED

    def test(self, variables: Mapping[str, Any]) -> bool:
        body = self._body
        if body is not None:  # evaluate() inlined: conditions are the most frequent expressions
            try:
                v = body(variables)
            except SURPRISES:
                v = self._cel(variables)
            else:
                if v is True or v is False:
                    return v
                try:
                    v = plain(v)  # what the message below quotes
                except Fallback:
                    v = self._cel(variables)
        else:
            v = self._cel(variables)
        if not isinstance(v, bool):
            raise EvaluationError(f"expected true or false, got {v!r}")
        return v


def _short(msg: str) -> str:
    msg = msg.replace("INVALID_ARGUMENT: ", "").replace("NOT_FOUND: ", "").replace("INTERNAL: ", "").replace("UNKNOWN: ", "")
    return msg.split("\n", 1)[0].removesuffix(" [INTERNAL]")


def compile_expression(source: str, extra: tuple[str, ...] = (), consts: Mapping[str, Any] | None = None) -> Expression:
    """Compile (and type-check) ``source``; ExpressionError with its line and column if CEL rejects it.

    ``consts`` are named constants of fixed type (bool, int, float, str, timedelta), e.g. a rule's
    ``params.drop_ratio``: CEL checks them as variables of that type, the plan folds them."""
    consts = {n: v for n, v in (consts or {}).items() if n in source}  # only those it may read: the rest cost CEL time
    try:
        compiled = environment(extra, tuple(sorted((n, type(v).__name__) for n, v in consts.items()))).compile(source)
    except RuntimeError as exc:
        text = str(exc)
        m = _ERR_POS.search(text)
        if m:
            raise ExpressionError(m.group(3).strip(), int(m.group(1)), int(m.group(2))) from None
        raise ExpressionError(_short(text)) from None
    body = raw_plan(source, _NAMES | frozenset(extra), consts) if USE_PLANS else None
    return Expression(source, compiled, None if body is None else checked(body), extra, consts, body)


# --- schema-aware lint -----------------------------------------------------

_STRING_LIT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
_PATH = re.compile(r"(?<![\w.])(record|event)((?:\.[A-Za-z_]\w*)+)")
_CMP = re.compile(
    r"(?<![\w.])(record|event)((?:\.[A-Za-z_]\w*)+)\s*(==|!=|<=|>=|<|>)\s*"
    r"(\"[^\"]*\"|'[^']*'|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)(?![\w.])"
)
_CEL_MEMBER_FUNCS = {"size", "contains", "startsWith", "endsWith", "matches", "exists", "all", "exists_one",
                     "map", "filter", "getDate", "getFullYear", "getMonth", "getDayOfWeek", "getDayOfMonth",
                     "getHours", "getMinutes", "getSeconds", "lowerAscii", "upperAscii", "split", "join",
                     "replace", "trim", "indexOf", "substring", "charAt"}


def _mask_strings(source: str) -> str:
    return _STRING_LIT.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], source)


def _line_col(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def lint_expression(source: str, schema: SchemaIndex, event_schema: SchemaIndex | None) -> list[ExpressionError]:
    """Paths that the record (or event) schema does not have, and comparisons of a
    field with a literal of another JSON type (a string field compared with 5)."""
    problems: list[ExpressionError] = []
    masked = _mask_strings(source)
    for m in _PATH.finditer(masked):
        root, path = m.group(1), m.group(2)
        idx = schema if root == "record" else event_schema
        if idx is None:
            continue
        names = path[1:].split(".")
        while names and names[-1] in _CEL_MEMBER_FUNCS and masked[m.end():m.end() + 1] == "(":
            names.pop()
        bad = idx.missing(names)
        if bad is not None:
            depth, known = bad
            line, col = _line_col(source, m.start())
            where = ".".join([root, *names[: depth + 1]])
            close = difflib.get_close_matches(names[depth], known, n=1)
            hint = f"did you mean {'.'.join([root, *names[:depth], close[0]])}?" if close else (
                f"known fields: {', '.join(sorted(known)[:12])}" if known else "")
            problems.append(ExpressionError(f"{where}: no such field in the {root} schema", line, col, hint))
    for m in _CMP.finditer(source):
        if masked[m.start()] != source[m.start()]:
            continue  # the match starts inside a string literal
        root, names, lit = m.group(1), m.group(2)[1:].split("."), m.group(4)
        idx = schema if root == "record" else event_schema
        if idx is None:
            continue
        types = idx.types(names)
        if not types:
            continue
        lit_type = "string" if lit[0] in "'\"" else "boolean" if lit in ("true", "false") else "number"
        ok = lit_type in types or (lit_type == "number" and "integer" in types)
        if not ok:
            line, col = _line_col(source, m.start())
            problems.append(ExpressionError(
                f"{root}.{'.'.join(names)} is {'/'.join(sorted(types))} in the schema but is compared with a {lit_type} ({lit})",
                line, col))
    return problems

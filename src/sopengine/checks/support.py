"""What several check types share: field paths into the raw record, outcome overrides, CEL with extra variables.

Checks that judge money or dates read the record as given (``ctx.record``), not
CEL's view of it, because the view turns money into floats; a ``FieldPath``
says where to read and is parsed once, at compile time, so a malformed path is
a load error at its line. Record-level paths are also compiled as CEL
(``record.a.b``) purely so that the schema lint catches a misspelt field name:
a path that never resolves would otherwise be a rule that silently never fires.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterator, Mapping

from cel_expr_python import cel

from .. import expr as expr_module
from ..expr import VARIABLES, EvaluationError
from ..plan import Fallback, translate
from ..loader import escape
from ..results import Text
from .base import CheckConfigError, CompileEnv

MISSING: Any = object()
_KEY = re.compile(r"^[^.\[\]]+(\[\])?$")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


class FieldPath:
    """``a.b`` reads a nested key; ``a[].b`` reads ``b`` of every element of the list ``a``.

    A JSON Pointer (``/detail/text``, ``/items/0/sku``) is accepted too, the way
    the ``banned_words`` check names fields.
    """

    __slots__ = ("text", "steps")

    def __init__(self, text: str, pointer: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise CheckConfigError("a field path must be a non-empty string such as `items` or `messages[].text`", pointer)
        t = text.strip()
        steps: list[tuple[str, bool]] = []
        if t.startswith("/"):
            steps = [(tok.replace("~1", "/").replace("~0", "~"), False) for tok in t[1:].split("/")]
            if any(not k for k, _ in steps):
                raise CheckConfigError(f"field {text!r} has an empty step", pointer)
        else:
            for part in t.split("."):
                if not _KEY.match(part):
                    raise CheckConfigError(f"{text!r} is not a field path (write keys separated by dots, `[]` after a "
                                           "list, or a JSON Pointer)", pointer)
                steps.append((part.removesuffix("[]"), part.endswith("[]")))
        self.text = t
        self.steps = tuple(steps)

    @property
    def iterates(self) -> bool:
        return any(each for _, each in self.steps)

    @property
    def pointer(self) -> str:
        """The path as a JSON Pointer relative to where it is read (for a path without ``[]``)."""
        return "".join(f"/{escape(k)}" for k, _ in self.steps)

    def values(self, data: Any, base: str = "") -> Iterator[tuple[str, Any]]:
        """(JSON Pointer, value) of every value the path reaches; absent keys and non-lists yield nothing."""
        yield from self._walk(data, base, 0)

    def _walk(self, cur: Any, ptr: str, i: int) -> Iterator[tuple[str, Any]]:
        if i == len(self.steps):
            yield ptr, cur
            return
        key, each = self.steps[i]
        if isinstance(cur, list) and key.isdigit() and int(key) < len(cur):
            nxt = cur[int(key)]
        elif (type(cur) is dict or isinstance(cur, Mapping)) and key in cur:  # exact type first: ABC checks are slow
            nxt = cur[key]
        else:
            return
        ptr = f"{ptr}/{escape(key)}"
        if not each:
            yield from self._walk(nxt, ptr, i + 1)
        elif isinstance(nxt, list):
            for j, el in enumerate(nxt):
                yield from self._walk(el, f"{ptr}/{j}", i + 1)

    def get(self, data: Any, base: str = "") -> tuple[str, Any]:
        """The single value of a path without ``[]``: (pointer, value or MISSING)."""
        for ptr, v in self.values(data, base):
            return ptr, v
        return base + self.pointer, MISSING

    def lint(self, env: CompileEnv, pointer: str) -> None:
        """Let the schema lint see the record-level prefix of the path (up to the first list)."""
        keys = []
        for key, each in self.steps:
            if not _IDENT.match(key):
                break
            keys.append(key)
            if each:
                break
        if keys:
            env.compile_expr("record." + ".".join(keys), pointer)


def field_paths(given: Mapping[str, Any] | None, defaults: Mapping[str, Any], pointer: str) -> dict[str, FieldPath]:
    """Named single-value paths of a check: the rule's over the check's defaults; a null leaves one out."""
    out = {}
    for k, v in {**defaults, **(given or {})}.items():
        if v is None:
            continue
        p = FieldPath(v, f"{pointer}/{k}")
        if p.iterates:
            raise CheckConfigError(f"{pointer[1:]}.{k}: write the list's name without []", f"{pointer}/{k}")
        out[k] = p
    return out


def strings_under(value: Any, pointer: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(JSON Pointer, text) of every string in ``value``, in document order (lists and objects walked)."""
    if isinstance(value, str):
        yield pointer, value
    elif depth < 64 and isinstance(value, list):
        for j, x in enumerate(value):
            yield from strings_under(x, f"{pointer}/{j}", depth + 1)
    elif depth < 64 and isinstance(value, Mapping):
        for k, x in value.items():
            yield from strings_under(x, f"{pointer}/{escape(str(k))}", depth + 1)


def jsonable(v: Any) -> Any:
    """Evidence must be JSON: Decimals as their exact text, dates and instants as ISO 8601."""
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


class Outcomes:
    """Severity and message of a check's distinct outcomes (``:unverifiable`` ...), overridable per rule.

    The defaults are bilingual templates over the outcome's evidence; a rule may
    replace either under ``params.outcomes.<name>`` without touching code.
    """

    def __init__(self, params: Mapping[str, Any], defaults: Mapping[str, tuple[str | None, Text]]) -> None:
        given = params.get("outcomes") or {}
        for name in given:
            if name not in defaults:
                raise CheckConfigError(f"unknown outcome {name!r}; this check has {', '.join(sorted(defaults))}",
                                       f"/outcomes/{escape(name)}")
        self._table: dict[str, tuple[str | None, Text]] = {}
        for name, (sev, text) in defaults.items():
            o = given.get(name) or {}
            msg = o.get("message")
            self._table[name] = (o.get("severity", sev), Text(msg["zh"], msg["en"]) if msg else text)

    def severity(self, name: str) -> Any:
        return self._table[name][0]

    def message(self, name: str) -> Text:
        return self._table[name][1]


# -- CEL with variables beyond the engine's -------------------------------------

_CEL_ERR = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")
_STRING_LIT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")


class ExtExpression:
    """A CEL expression compiled in an environment with extra variables; pickles as its source."""

    __slots__ = ("source", "names", "_compiled", "_plan")

    def __init__(self, source: str, names: tuple[str, ...]) -> None:
        self.source, self.names = source, names
        self._compiled = _env(names).compile(source)  # RuntimeError for what CEL rejects
        self._plan = translate(source, frozenset(VARIABLES) | frozenset(names)) if expr_module.USE_PLANS else None

    def __reduce__(self):
        return (ExtExpression, (self.source, self.names))

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        if self._plan is not None:
            try:
                return self._plan(variables)
            except Fallback:  # as in expr.Expression: CEL answers, with its own error
                pass
        try:
            value = self._compiled.eval(data=variables)
        except RuntimeError as exc:  # as in expr.Expression: e.g. the iteration budget of a long list
            raise EvaluationError(str(exc).split("\n", 1)[0]) from None
        if value.type() == cel.Type.ERROR:
            raise EvaluationError(str(value.value()).replace("INVALID_ARGUMENT: ", "").split("\n", 1)[0])
        return value.plain_value()


_ENVS: dict[tuple[str, ...], Any] = {}


def _env(names: tuple[str, ...]) -> Any:
    env = _ENVS.get(names)
    if env is None:
        dyn_map = cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
        env = _ENVS[names] = cel.NewEnv(variables={**VARIABLES, **{n: dyn_map for n in names}})
    return env


def compile_ext(env: CompileEnv, source: str, pointer: str, names: tuple[str, ...]) -> Any:
    """Compile ``source``, which may read the map variables ``names`` besides the engine's.

    Without them it is an ordinary expression (full schema lint). With them, the
    engine's compiler still lints it: each extra variable is replaced by the
    engine's ``item`` padded with spaces to the same width (CEL allows spaces
    before a dot), so every reported column stays right; the expression that is
    evaluated is compiled from the original text in an environment declaring them.
    """
    masked = _STRING_LIT.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], source)
    used = tuple(n for n in names if re.search(rf"(?<![\w.]){n}(?!\w)", masked))
    if not used:
        return env.compile_expr(source, pointer)
    lintable = source
    for n in used:
        for m in reversed(list(re.finditer(rf"(?<![\w.]){n}(?!\w)", masked))):
            lintable = lintable[: m.start()] + "item".ljust(len(n)) + lintable[m.end():]
    env.compile_expr(lintable, pointer)
    try:
        return ExtExpression(source, tuple(names))
    except RuntimeError as exc:  # a type error only the declared map type reveals, e.g. decisions + 1
        m = _CEL_ERR.search(str(exc))
        where = f" (line {m.group(1)}, column {m.group(2)} of the expression)" if m else ""
        raise CheckConfigError(f"CEL: {m.group(3) if m else exc}{where}", pointer) from None

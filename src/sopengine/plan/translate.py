"""CEL syntax trees (from ``parse``) to Python closures over a dict of variables.

A closure returns CEL's value or raises ``_Fallback``. ``&&`` and ``||`` are CEL's
commutative, error-absorbing operators: ``false && <error>`` and ``<error> && false``
are both false, a true/false answer wins over an error on either side, and only
otherwise does the error (here: the fallback) propagate. ``exists``/``all`` absorb
the same way across their iterations; ``exists_one``, ``map`` and ``filter`` are
strict. Comprehensions count their iterations; past ``ITERATION_LIMIT`` (well under
CEL's own budget) the evaluation goes to CEL, which then reports its budget error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from . import compare, fields, ops, shapes, times
from .comprehensions import comprehension
from .events import picked_type
from .ops import _Fallback
from .parse import Node, _Unsupported, parse

Fn = Callable[[Mapping[str, Any]], Any]
ITERATION_LIMIT = 5000
# what a plan's closure may raise: the fallback, or (defensively) a surprise of ours, which is CEL's to answer
SURPRISES = (_Fallback, RecursionError, OverflowError, ValueError, TypeError, KeyError, IndexError, AttributeError)
_BIN = {"+": ops.add, "-": ops.sub, "*": ops.mul, "/": ops.div, "%": ops.mod}
_CONVERSIONS = {"string": ops.string_of, "double": ops.double_of, "int": ops.int_of,
                "timestamp": times.timestamp_of, "duration": times.duration_of}
_FOLDED = frozenset({"bin", "neg", "not", "and", "or", "cond", "call"})
_SCALARS = frozenset({bool, int, float, str, timedelta, datetime})  # (a folded list would be shared: not folded)
_COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">="})
_STRING_METHODS = {"contains": str.__contains__, "startsWith": str.startswith, "endsWith": str.endswith}


def plan(source: str, variables: frozenset[str], consts: Mapping[str, Any] | None = None) -> Fn | None:
    """The raw closure of ``source``: it returns CEL's value (before ``ops.plain``) or raises one of
    ``SURPRISES``; None when the expression is not in the subset. ``Expression`` calls it directly."""
    try:
        t = _Translator(variables, consts)
        body = t.node(parse(source))
        t.limit[0] = ITERATION_LIMIT // max(1, t.macros)  # sibling comprehensions each count from zero
    except (_Unsupported, RecursionError):
        return None
    return body


def translate(source: str, variables: frozenset[str], consts: Mapping[str, Any] | None = None) -> Fn | None:
    """A closure computing ``source`` over ``variables``, or None when the expression is not in the subset.

    ``consts`` (qualified name -> value, e.g. ``params.drop_ratio``: a rule's declared parameters) are
    folded in: the closure reads no variable for them. It returns CEL's plain value or raises ``_Fallback``."""
    body = plan(source, variables, consts)
    return None if body is None else checked(body)


def checked(body: Fn) -> Fn:
    """``body`` (from ``plan``) giving plain values and raising nothing but ``_Fallback``."""
    plain = ops.plain

    def run(env: Mapping[str, Any]) -> Any:
        try:
            v = body(env)
            return v if v is True or v is False else plain(v)  # most are conditions
        except SURPRISES[1:]:
            raise _Fallback from None
    return run


def untranslated_reason(source: str, variables: frozenset[str], consts: Mapping[str, Any] | None = None) -> str | None:
    """Why ``source`` stays with CEL (for validate --explain), or None if it is translated."""
    try:
        _Translator(variables, consts).node(parse(source))
    except _Unsupported as exc:
        return str(exc)
    except RecursionError:
        return "nested too deeply"
    return None


def _path(n: Node, scope: set[str]) -> tuple[str, ...] | None:
    """``x.a.b`` of a variable ``x`` as (x, a, b); None for anything else."""
    fields: list[str] = []
    while n[0] == "select":
        fields.append(n[2])
        n = n[1]
    if n[0] != "ident" or n[1] not in scope:
        return None
    return (n[1], *fields[::-1])


def _operands(n: Node, op: str) -> list[Node]:
    """``a && b && c`` (``(a && b) && c``) as [a, b, c]; ``n`` alone when it is no ``op``."""
    out: list[Node] = []
    while n[0] == op:
        out.append(n[2])
        n = n[1]
    out.append(n)
    return out[::-1]


class _Translator:
    def __init__(self, variables: frozenset[str], consts: Mapping[str, Any] | None = None) -> None:
        self.scope = set(variables)
        self.consts = dict(consts or {})
        self.bound: list[str] = []  # the comprehension variables in scope, innermost last
        self.macros = 0
        self.limit = [ITERATION_LIMIT]

    def node(self, n: Node) -> Fn:
        method = getattr(self, "t_" + n[0])
        fn: Fn = method(*n[1:])
        if n[0] in _FOLDED and self._constant(n):  # e.g. 1.0 - params.tolerance_pct / 100.0: computed once, here
            try:
                v = fn({})
            except SURPRISES:
                return fn  # an error: raised when evaluated, as it would be
            if type(v) in _SCALARS:
                return lambda env: v
        return fn

    def _constant(self, n: Node) -> bool:
        """True if ``n`` reads no variable: literals, declared parameters and operations on them."""
        kind = n[0]
        if kind == "lit":
            return True
        if kind == "select":
            op = n[1]
            return op[0] == "ident" and op[1] not in self.scope and f"{op[1]}.{n[2]}" in self.consts
        if kind in ("bin", "neg", "not", "and", "or", "cond"):
            return all(self._constant(c) for c in n[1:] if type(c) is tuple)
        if kind == "call":
            return n[2] is None and n[1] in _CONVERSIONS and all(self._constant(a) for a in n[3])
        return False

    def t_lit(self, v: Any) -> Fn:
        return lambda env: v

    def t_ident(self, name: str) -> Fn:
        if name in self.scope:
            def var(env: Mapping[str, Any]) -> Any:
                try:
                    return env[name]
                except KeyError:
                    raise _Fallback from None
            return var
        if name in ops.TYPES:
            t = ops.TYPES[name]
            return lambda env: t
        raise _Unsupported(f"the name {name!r}")

    def t_list(self, items: list[Node]) -> Fn:
        fns = [self.node(i) for i in items]
        return lambda env: [f(env) for f in fns]

    def t_select(self, operand: Node, field: str) -> Fn:
        if operand[0] == "ident" and operand[1] not in self.scope and f"{operand[1]}.{field}" in self.consts:
            return self.t_lit(self.consts[f"{operand[1]}.{field}"])  # a declared parameter: a constant
        select = ops.select
        if operand[0] == "ident" and operand[1] in self.scope:  # record.x, e.type: one closure, not two
            name = operand[1]

            def sel_var(env: Mapping[str, Any]) -> Any:
                try:
                    v = env[name]
                except KeyError:
                    raise _Fallback from None
                if type(v) is dict and field in v:
                    return v[field]
                return select(v, field)
            return sel_var
        path = _path(operand, self.scope)
        if path is not None:  # record.scores.market_demand: one closure walking the fields
            return shapes.path_reader(path[0], (*path[1:], field), None)
        f = self.node(operand)

        def sel(env: Mapping[str, Any]) -> Any:
            v = f(env)
            if type(v) is dict and field in v:
                return v[field]
            return select(v, field)
        return sel

    def t_has(self, operand: Node, field: str) -> Fn:
        has_of = ops.has
        if operand[0] == "ident" and operand[1] in self.scope:  # has(record.x), has(item.x): one closure
            name = operand[1]

            def has_var(env: Mapping[str, Any]) -> bool:
                try:
                    v = env[name]
                except KeyError:
                    raise _Fallback from None
                if type(v) is dict:
                    return field in v
                return has_of(v, field)
            return has_var
        path = _path(operand, self.scope)
        if path is not None:  # has(record.scores.market_demand): the walk and the test in one closure
            return shapes.path_reader(path[0], path[1:], field)
        f = self.node(operand)

        def has(env: Mapping[str, Any]) -> bool:
            v = f(env)
            if type(v) is dict:
                return field in v
            return has_of(v, field)  # a Partial (plan/unknown.py), else an error
        return has

    def t_index(self, operand: Node, idx: Node) -> Fn:
        f, g, index = self.node(operand), self.node(idx), ops.index
        return lambda env: index(f(env), g(env))

    def t_not(self, operand: Node) -> Fn:
        if operand[0] == "macro" and operand[1] in ("exists", "all"):  # !events.exists(...): one closure
            return self.t_macro(operand[1], operand[2], operand[3], operand[4], negate=True)
        if operand[0] == "has":  # !has(record.x), !has(item.a.b): the test and its negation in one closure
            path = _path(operand[1], self.scope)
            if path is not None:
                return shapes.path_reader(path[0], path[1:], operand[2], negate=True)
        return shapes.choice(self.node(operand), False, True)  # (true: false, false: true, else an error)

    def t_neg(self, operand: Node) -> Fn:
        f, neg = self.node(operand), ops.neg
        return lambda env: neg(f(env))

    def t_and(self, left: Node, right: Node) -> Fn:
        return self._all(_operands(("and", left, right), "and"), False)

    def t_or(self, left: Node, right: Node) -> Fn:
        return self._all(_operands(("or", left, right), "or"), True)

    def _all(self, operands: list[Node], wins: bool) -> Fn:
        if not wins and not self.bound:  # has(x.f) && x.f.exists(...): the quantifier asks has() itself
            operands = list(operands)
            for o in operands[:]:
                if o[0] == "macro" and o[1] in ("exists", "all") and ("has", *o[2][1:]) in operands:
                    f = fields.field_of(o[2], self.scope)
                    if f is not None:
                        operands.remove(("has", *o[2][1:]))
                        operands[operands.index(o)] = ("guarded", *o[1:], f)
        return fields.chain(operands, wins, self.scope, self.node, self._literal, shapes.NO_LITERAL, shapes.all_of)

    def _literal(self, n: Node) -> Any:
        """The constant ``n`` folds to (``_folded``), else ``shapes.NO_LITERAL``; no closure kept."""
        return self._folded(n, self.node(n)) if n[0] == "lit" or self._constant(n) else shapes.NO_LITERAL

    def t_cond(self, cond: Node, a: Node, b: Node) -> Fn:
        c, f, g = self.node(cond), self.node(a), self.node(b)
        x, y = self._folded(a, f), self._folded(b, g)
        if x is not shapes.NO_LITERAL and y is not shapes.NO_LITERAL:  # has(x.a) ? '' : 'a', as evidence says it
            return shapes.choice(c, x, y)

        def ternary(env: Mapping[str, Any]) -> Any:
            v = c(env)
            if v is True:
                return f(env)
            if v is False:
                return g(env)
            raise _Fallback
        return ternary

    def _folded(self, n: Node, g: Fn) -> Any:
        """The value of ``n`` (with its closure ``g``) when it is a literal or folds to a plain constant
        (``duration('24h')``, ``params.x``), else ``shapes.NO_LITERAL``: compared as a literal, read once."""
        if n[0] == "lit":
            return n[1]
        if self._constant(n):
            try:
                v = g({})
            except SURPRISES:
                return shapes.NO_LITERAL
            if type(v) in _SCALARS:
                return v
        return shapes.NO_LITERAL

    def t_bin(self, op: str, left: Node, right: Node) -> Fn:
        sized = None  # size(x) or x.size() compared: x's closure
        if op in _COMPARISONS and left[0] == "call" and left[1] == "size" and (
                (left[2] is None and len(left[3]) == 1) or (left[2] is not None and not left[3])):
            sized = self.node(left[3][0] if left[2] is None else left[2])
            f = shapes.size_of(sized)  # what t_call makes of it
        else:
            f = self.node(left)
        g = self.node(right)
        if op in _BIN:
            return shapes.arithmetic(_BIN[op], f, g, self._folded(left, f), self._folded(right, g),
                                     left[1] if left[0] == "ident" and left[1] in self.scope else None)
        folded = self._folded(right, g) if op in _COMPARISONS else shapes.NO_LITERAL
        if sized is not None and type(folded) is int:  # size(x) > 0: the length and the comparison in one closure
            return shapes.size_compared(sized, op, folded)
        field = (left[1][1], left[2]) if left[0] == "select" and left[1][0] == "ident" and left[1][1] in self.scope else None
        if op in ("==", "!=") and left[0] == "call" and left[1] == "type" and left[2] is None and len(left[3]) == 1 \
                and right[0] == "ident" and right[1] in ops.TYPES and right[1] not in self.scope:
            macros = self.macros  # type(record.detail) == string: the kind's name compared
            arg = self.node(left[3][0])
            self.macros = macros  # (translated twice, counted once)
            return compare.type_is(right[1], op == "==", arg)
        if op in ("==", "!="):
            return compare.equality(op == "==", f, g, folded, field)
        if op in ("<", ">", "<=", ">="):
            sides = [(n[1][1], n[2]) for n in (left, right) if n[0] == "select" and n[1][0] == "ident" and n[1][1] in self.scope]
            general = shapes.order(op, f, g, folded, (sides[0], sides[1]) if len(sides) == 2 and folded is shapes.NO_LITERAL else None)
            if (type(folded) is timedelta and left[0] == "bin" and left[1] == "-" and left[2][0] == "ident"
                    and left[2][1] in self.scope and left[3][0] == "call" and left[3][1] == "timestamp" and left[3][2] is None
                    and len(left[3][3]) == 1):  # now - timestamp(e.at) <= duration('24h'): one closure
                arg = left[3][3][0]
                read = arg[0] == "select" and arg[1][0] == "ident" and arg[1][1] in self.scope
                macros = self.macros
                reader = self.node(arg)
                self.macros = macros  # (translated twice, counted once)
                return compare.elapsed(left[2][1], reader, (arg[1][1], arg[2]) if read else None, op, folded, general)
            return general
        if op == "in":
            if right[0] == "list" and right[1] and all(i[0] == "lit" and type(i[1]) is str for i in right[1]):
                return compare.in_words(frozenset(i[1] for i in right[1]), f, g, field)
            contains = ops.contains
            return lambda env: contains(g(env), f(env))
        raise _Unsupported(f"the operator {op}")

    def t_call(self, name: str, target: Node | None, args: list[Node]) -> Fn:
        fns = [self.node(a) for a in args]
        if target is None:
            if name in _CONVERSIONS and len(fns) == 1:
                conv, a0 = _CONVERSIONS[name], fns[0]
                if args[0][0] == "lit":  # duration('24h'): converted once, here, unless CEL must judge it
                    try:
                        folded = conv(args[0][1])
                    except _Fallback:
                        pass
                    else:
                        return lambda env: folded
                return lambda env: conv(a0(env))
            if name == "size" and len(fns) == 1:
                return shapes.size_of(fns[0])
            if name == "type" and len(fns) == 1:
                a0, kind, types = fns[0], ops.kind, ops.TYPES

                def type_of(env: Mapping[str, Any]) -> Any:
                    t = types.get(kind(a0(env)))
                    if t is None:
                        raise _Fallback  # timestamp and duration types
                    return t
                return type_of
            raise _Unsupported(f"the function {name}() with {len(fns)} argument(s)")
        recv = self.node(target)
        if name == "size" and not fns:
            return shapes.size_of(recv)
        if name in _STRING_METHODS and len(fns) == 1:
            method, a0 = _STRING_METHODS[name], fns[0]

            def string_method(env: Mapping[str, Any]) -> bool:
                s, x = recv(env), a0(env)
                if type(s) is str and type(x) is str:
                    return bool(method(s, x))
                raise _Fallback
            return string_method
        if name in ("getHours", "getMinutes", "getSeconds") and len(fns) <= 1:
            part = times.time_part
            if fns:
                tz = fns[0]
                return lambda env: part(name, recv(env), tz(env))
            return lambda env: part(name, recv(env))
        raise _Unsupported(f"the method .{name}() with {len(fns)} argument(s)")

    def t_guarded(self, kind: str, target: Node, var: str, body: Node, f: tuple[fields.Key, str]) -> Fn:
        """``has(target) && target.<kind>(var, body)`` (``kind`` exists or all, outside any comprehension)."""
        return self.t_macro(kind, target, var, body, (*f, self.node(("has", *target[1:]))))

    def t_macro(self, kind: str, target: Node, var: str, body: Node, guard: Any = None, negate: bool = False) -> Fn:
        src = self.node(target)
        self.macros += 1
        shadowed = "events" in self.bound or "events" not in self.scope
        etype = picked_type(kind, target, var, body, shadowed)
        of_type = None  # events.filter(x, x.type == 'a').<kind>(...): the filter's list is the index's
        if target[0] == "macro" and target[1] == "filter" and target[4][0] != "and":
            of_type = picked_type("filter", target[2], target[3], target[4], shadowed)
        had = var in self.scope
        self.scope.add(var)
        self.bound.append(var)
        try:
            fn = self.node(body)
            picked = None
            if etype is not None:  # the body without its leading type test, for the events of that type
                rest, macros = _operands(body, "and")[1:], self.macros
                picked = self._all(rest, False) if len(rest) > 1 else self.node(rest[0]) if rest else None
                self.macros = macros  # (translated twice, counted once)
        finally:
            self.bound.pop()
            if not had:
                self.scope.discard(var)
        return comprehension(kind, var, src, fn, etype, picked, had, bool(self.bound), self.limit, guard, of_type, negate)


"""The general-purpose check: a CEL assertion, optionally per element of a list.

Most of the manual's rules are "this field must hold that" (paid before
shipping, rates within 0..1, the reviewer is not the cross-checker); they need
no code, only an assertion and the evidence worth quoting when it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, time, timedelta
from typing import Any

from ..errors import EvaluationError
from ..plan.parse import part_of
from ..plan.translate import SURPRISES
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register

VIEW_ROOTS = frozenset({"record", "events"})  # the variables the engine binds to (parts of) the record's view


@register
class ExpressionCheck(CheckType):
    name = "expression"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.assertion = env.compile_expr(params["assert"], "/assert")
        self.for_each = env.compile_expr(params["for_each"], "/for_each") if "for_each" in params else None
        # the list is part of the record's view or its events, plain by construction (view.py): not walked
        self._of_view = self.for_each is not None and part_of(params["for_each"], VIEW_ROOTS)
        self.path = params.get("path", "")
        if "{index}" in self.path and self.for_each is None:
            raise CheckConfigError("path uses {index} but there is no for_each", "/path")
        self.evidence = {k: env.compile_expr(v, f"/evidence/{k}") for k, v in (params.get("evidence") or {}).items()}

    def evidence_keys(self) -> frozenset[str]:
        return frozenset(self.evidence) | ({"index"} if self.for_each is not None else set())

    def _evidence(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, e in self.evidence.items():
            v = e.evaluate(variables)
            t = type(v)
            out[k] = v if t is str or t is list or t is int or t is float or t is bool or v is None else (  # (most values)
                v.isoformat() if isinstance(v, (date, time)) else str(v) if isinstance(v, timedelta) else v)
        return out

    def verdict(self) -> Callable[[Mapping[str, Any]], Any] | None:
        return self.assertion.plan if self.for_each is None else None  # (run answers () exactly when it is true)

    def refuted(self, ctx: CheckContext) -> Iterable[Hit]:
        return (Hit(self.path, self._evidence(ctx.variables)),)  # (the assertion was false: run's one hit)

    def decided(self, worlds: Sequence[Mapping[str, Any]], hits: Sequence[Hit]) -> list[Hit]:
        """A hit stands if its assertion is false in every world. With ``for_each``, the list must be the
        same in every world (then it is the one ``run`` iterated, and each hit's ``index`` names its item)."""
        if self.for_each is None:
            return list(hits) if all(self.assertion.over_unknowns(w) is False for w in worlds) else []
        lists = [self.for_each.over_unknowns(w) for w in worlds]
        if not all(type(xs) is list for xs in lists):
            return []
        out = []
        for h in hits:
            i = h.evidence.get("index")
            if type(i) is int and all(0 <= i < len(xs) and self.assertion.over_unknowns({**w, "item": xs[i], "index": i}) is False
                                      for w, xs in zip(worlds, lists, strict=True)):
                out.append(h)
        return out

    def run(self, ctx: CheckContext) -> Iterable[Hit]:
        """A tuple without ``for_each`` (at most one hit: no generator to run), else the hits one by one;
        ``()`` when every item holds, the common answer, which the engine then need not iterate."""
        variables = ctx.variables  # (each Expression.evaluate is called here: no layer in between)
        if self.for_each is not None:
            # (read, never changed)
            items = self.for_each.evaluate_part(variables) if self._of_view else self.for_each.evaluate_shared(variables)
            if type(items) is not list and not isinstance(items, list):
                raise EvaluationError(f"for_each gave {type(items).__name__}, not a list")
            if not items:  # (no shipment yet, no exception raised: the common list is empty, and needs no scope)
                return ()
            scope = {**variables}  # one copy per check: item and index rebound per element
            body = self.assertion._body  # its plan (Expression.plan, without the property's call)
            if body is None:
                return self._each(items, 0, scope)
            for i, item in enumerate(items):
                scope["item"], scope["index"] = item, i
                try:  # the plan's True or False is evaluate's; on anything else evaluate says, from this item on
                    v = body(scope)
                except SURPRISES:
                    return self._each(items, i, scope)
                if v is not True:
                    return self._each(items, i, scope, v is False)
            return ()
        v = self.assertion.evaluate(variables)
        if v is True:
            return ()
        if v is not False:
            raise EvaluationError(f"assert gave {v!r}, not true or false")
        return (Hit(self.path, self._evidence(variables)),)

    def _each(self, items: list[Any], start: int, scope: dict[str, Any], refuted: bool = False) -> Iterator[Hit]:
        """The hits of ``items`` from ``start`` on (those before it hold), one by one: a check may find
        thousands, and the engine lists only the first few (the rest are counted, never all held).
        ``refuted``: the assertion is known false for the item at ``start`` (its plan said so)."""
        holds = self.assertion.evaluate
        for i in range(start, len(items)):
            scope["item"], scope["index"] = items[i], i
            v = False if refuted and i == start else holds(scope)
            if v is not True:
                if v is not False:
                    raise EvaluationError(f"assert gave {v!r}, not true or false")
                yield Hit(self.path.replace("{index}", str(i)), {"index": i, **self._evidence(scope)})

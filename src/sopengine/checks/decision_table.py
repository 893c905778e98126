"""Decision tables as a check: score a record, decide a recommendation, and hold a form to it.

TPL-02 scores a candidate product on three factors and turns the total into a
recommendation ("total 12 → small-batch trial sale"). That is a small chain of
DMN decision tables: one table per factor, then one over the total. Checks are
independent of each other, so the chain lives in one check: ``tables`` are
evaluated in order and each table's result is visible to the later ones (and
to the assertions) as ``decisions.<table id>``.

A table's result is its matched row's outputs (``{score: 5}``) for the hit
policies unique, first and priority; the list of matched rows' outputs for
collect; ``{<output>: n}`` for collect with sum, min, max or count. A single-hit
table with no matching row gives its ``default`` if it has one; otherwise the
check reports ``:no_match`` and stops (typically a factor the form lacks: a
missing input is null, which only ``-`` matches).

What the check reports is up to the rule, because the same tables serve two
purposes: ``report`` turns the decision itself into a finding (severity info by
default, outcome ``:decision``), so the rule's ``action`` becomes a next action
such as "arrange the trial sale"; ``expect`` holds CEL assertions over
``decisions`` and ``record`` (the form's own scores, total and recommendation),
each failing one a finding with the rule's severity. Every finding carries the
inputs, matched rows and results of every table, so a message can say
"score 12 → 小批量试销".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import EvaluationError
from ..expr import Expression
from ..loader import escape
from ..results import Text
from ..rulebook import outcome_suffix
from . import dmn
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .evidence import jsonable
from .outcomes import Outcomes

EXTRA = ("decisions",)
OUTCOMES = {
    "no_match": ("warning", Text("决策表“{table}”没有规则适用于输入 {given}",
                                 "no rule of decision table '{table}' applies to the inputs {given}")),
    "not_unique": ("error", Text("决策表“{table}”（唯一命中）对输入 {given} 同时匹配了第 {rows_text} 行：规则有重叠",
                                 "decision table '{table}' (hit policy unique) matched rows {rows_text} at once for "
                                 "{given}: its rules overlap")),
}


def _output(o: Any) -> dmn.Output:
    if isinstance(o, str):
        return dmn.Output(o)
    return dmn.Output(o["name"], tuple(o["values"]) if "values" in o else None)


class Table:
    """One table, read at load time so that a table that cannot work is a load error at its cell:
    unknown inputs or outputs, values outside an output's list, aggregating text, overlapping unique rows."""

    def __init__(self, spec: Mapping[str, Any], p: str, env: CompileEnv) -> None:
        self.id = spec["id"]
        self.policy = spec.get("hit_policy", "unique")
        self.aggregation = spec.get("aggregation")
        if self.aggregation is not None and self.policy != "collect":
            raise CheckConfigError(f"aggregation applies to hit policy collect, not {self.policy}", f"{p}/aggregation")
        self.inputs = [(n, env.compile_expr(src, f"{p}/inputs/{escape(n)}", EXTRA)) for n, src in spec["inputs"].items()]
        self.outputs = [_output(o) for o in spec["outputs"]]
        names = [o.name for o in self.outputs]
        if len(set(names)) != len(names) or set(names) & set(spec["inputs"]):
            raise CheckConfigError("output names must be distinct from each other and from the inputs", f"{p}/outputs")
        if self.aggregation is not None and len(self.outputs) != 1:
            raise CheckConfigError("an aggregated table has exactly one output (as in DMN)", f"{p}/outputs")
        if self.policy == "priority" and not any(o.values for o in self.outputs):
            raise CheckConfigError("hit policy priority needs an output with `values`, highest priority first",
                                   f"{p}/outputs")
        self.rows = [self._row(r, f"{p}/rules/{i}", i + 1, env) for i, r in enumerate(spec["rules"])]
        # one input (TPL-02's tables): each row with its one condition (None: '-'), tested without Row.matches
        self.single: list[tuple[dmn.Row, dmn.Cond | None]] | None = None
        if len(self.inputs) == 1:
            one = self.inputs[0][0]
            self.single = [(r, None if isinstance(r.conds[one], dmn.AnyValue) else r.conds[one]) for r in self.rows]
        # a table whose result is its first matching row: hit policy first, or unique without a CEL cell
        # (the load-time overlap check has shown that no two of its rows match one input)
        self.first_match = self.policy == "first" or (self.policy == "unique" and not any(
            isinstance(c, dmn.Dynamic) or (isinstance(c, dmn.OneOf) and _dynamic(c)) for r in self.rows for c in r.conds.values()))
        self.default = None
        if "default" in spec:
            if self.policy == "collect":
                raise CheckConfigError("default applies to single-hit tables (unique, first, priority)", f"{p}/default")
            self.default = self._outputs(spec["default"], f"{p}/default")
        if self.policy == "unique":
            self._static_overlaps(p)

    def _outputs(self, given: Mapping[str, Any], p: str) -> dict[str, Any]:
        extra = set(given) - {o.name for o in self.outputs}
        if extra:
            raise CheckConfigError(f"{', '.join(sorted(extra))} is not an output of this table", p)
        out = {}
        for o in self.outputs:
            if o.name not in given:
                raise CheckConfigError(f"output {o.name!r} has no value", p)
            v = given[o.name]
            if o.values is not None and not any(dmn.same(v, x) for x in o.values):
                raise CheckConfigError(f"{o.name} = {v!r} is not one of its values {list(o.values)}", f"{p}/{escape(o.name)}")
            if self.aggregation in ("sum", "min", "max") and dmn.number(v) is None:
                raise CheckConfigError(f"{o.name} = {v!r} is not a number, so it cannot be aggregated", f"{p}/{escape(o.name)}")
            out[o.name] = v
        return out

    def _row(self, r: Mapping[str, Any], p: str, number: int, env: CompileEnv) -> dmn.Row:
        when = r.get("when") or {}
        inputs = [n for n, _ in self.inputs]
        for k in when:
            if k not in inputs:
                raise CheckConfigError(f"{k!r} is not an input of this table (inputs: {', '.join(inputs)})",
                                       f"{p}/when/{escape(k)}")
        conds = {}
        for n in inputs:
            q = f"{p}/when/{escape(n)}"
            def compile_test(src: str, q: str = q) -> Expression:
                return env.compile_expr(src, f"{q}/expr", EXTRA)

            try:
                conds[n] = dmn.parse_cell(when.get(n, "-"), compile_test)
            except ValueError as exc:
                raise CheckConfigError(str(exc), q) from None
        return dmn.Row(number, conds, self._outputs(r["then"], f"{p}/then"))

    def _static_overlaps(self, p: str) -> None:
        pairs = [(a, b) for i, a in enumerate(self.rows) for b in self.rows[i + 1:] if dmn.overlaps(a, b) is True]
        if pairs:
            shown = "; ".join(f"rows {a.number} and {b.number} ({dmn.describe_overlap(a, b)})" for a, b in pairs[:3])
            more = f" and {len(pairs) - 3} more pair(s)" if len(pairs) > 3 else ""
            raise CheckConfigError(f"table {self.id!r} has hit policy unique but its rules overlap: {shown}{more}; "
                                   "narrow the ranges, or use hit policy first or priority",
                                   f"{p}/rules/{pairs[0][1].number - 1}")


def _show(v: Any) -> str:
    if v is None:
        return "?"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).lower() if isinstance(v, bool) else str(v)


@register
class DecisionTableCheck(CheckType):
    name = "decision_table"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        self.tables = [Table(t, f"/tables/{i}", env) for i, t in enumerate(params["tables"])]
        ids = [t.id for t in self.tables]
        for i, t in enumerate(self.tables):
            if t.id in ids[:i]:
                raise CheckConfigError(f"table id {t.id!r} is used twice", f"/tables/{i}/id")
        self.expect = []
        for i, e in enumerate(params.get("expect") or []):
            e = {"assert": e} if isinstance(e, str) else e
            q = f"/expect/{i}" if isinstance(params["expect"][i], str) else f"/expect/{i}/assert"
            ev = {k: env.compile_expr(v, f"/expect/{i}/evidence/{escape(k)}", EXTRA) for k, v in (e.get("evidence") or {}).items()}
            msg = Text(e["message"]["zh"], e["message"]["en"]) if e.get("message") else None
            self.expect.append((env.compile_expr(e["assert"], q, EXTRA), e.get("path", ""), ev, msg))
        rep = params.get("report")
        self.report = None
        if rep is not None:
            when = env.compile_expr(rep["when"], "/report/when", EXTRA) if "when" in rep else None
            self.report = (when, rep.get("severity", "info"), Text(rep["message"]["zh"], rep["message"]["en"]))
        if not self.expect and self.report is None:
            raise CheckConfigError("the check would never report anything: give expect, report, or both", "")
        self.outcomes = Outcomes(params, OUTCOMES)

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        decisions: dict[str, Any] = {}
        done: list[tuple[Table, dict[str, Any], list[dmn.Row]]] = []  # each table's inputs and hits, for evidence
        scope = {**ctx.variables, "decisions": decisions}  # once per record: ``decisions`` fills in place
        tested: dict[str, Any] = {}  # a cell's CEL test sees the input as ``item``, no other expression does

        def test(expr: Any, value: Any) -> bool:
            if not tested:
                tested.update(scope)
            tested["item"] = value
            return self._holds(expr, tested)

        def evidence() -> tuple[dict[str, Any], dict[str, Any]]:
            """The inputs and the matched rows of every table so far (built for a finding only)."""
            return ({t.id: jsonable(values) for t, values, _ in done}, {t.id: [r.number for r in hits] for t, _, hits in done})

        for t in self.tables:
            values: dict[str, Any] = {}
            errors: dict[str, str] = {}
            v: Any = None
            for name, expr in t.inputs:
                try:
                    values[name] = v = expr.evaluate(scope)
                except EvaluationError as exc:
                    values[name], errors[name], v = None, str(exc), None  # a missing factor: only `-` matches it
            if t.first_match:  # (what dmn.decide gives for the first matching row, without the list of all)
                row = None
                if t.single is not None:  # (v: its one input)
                    for r, c in t.single:
                        if c is None or c.matches(v, test):
                            row = r
                            break
                else:
                    row = next((r for r in t.rows if r.matches(values, test)), None)
                result, hits = (dict(row.out), [row]) if row is not None else (None, [])
            else:
                if t.single is not None:
                    matched = [r for r, c in t.single if c is None or c.matches(v, test)]
                else:
                    matched = [r for r in t.rows if r.matches(values, test)]
                try:
                    result, hits = dmn.decide(t.policy, t.aggregation, t.outputs, matched)
                except dmn.NotUnique as exc:
                    done.append((t, values, []))
                    nums = [r.number for r in exc.rows]
                    yield self._outcome("not_unique", {**_failed(t.id, values, errors), "rows": nums,
                                                       "rows_text": ", ".join(map(str, nums)), "inputs": evidence()[0],
                                                       "decisions": decisions})
                    return
            done.append((t, values, hits))
            if result is None:
                if t.default is None:
                    yield self._outcome("no_match", {**_failed(t.id, values, errors), "inputs": evidence()[0], "decisions": decisions})
                    return
                result = dict(t.default)
            decisions[t.id] = result
        shown: dict[str, Any] | None = None
        if self.report is not None:
            when, severity, message = self.report
            if when is None or self._holds(when, scope):
                inputs, rows = evidence()
                shown = {"decisions": decisions, "inputs": inputs, "rows": rows}
                yield Hit("", shown, severity, message, outcome_suffix("decision"))
        for expr, path, ev, own in self.expect:
            holds = expr.evaluate(scope)  # (_holds, inlined: four per form)
            if holds is True:
                continue
            if holds is not False:
                raise EvaluationError(f"{expr.source!r} gave {holds!r}, not true or false")
            if shown is None:
                inputs, rows = evidence()
                shown = {"decisions": decisions, "inputs": inputs, "rows": rows}
            more = {k: jsonable(e.evaluate(scope)) for k, e in ev.items()}
            yield Hit(path, {**shown, "expectation": expr.source, **more}, None, own)

    @staticmethod
    def _holds(expr: Expression, variables: Mapping[str, Any]) -> bool:
        v = expr.evaluate(variables)
        if not isinstance(v, bool):
            raise EvaluationError(f"{expr.source!r} gave {v!r}, not true or false")
        return v

    def _outcome(self, name: str, evidence: Mapping[str, Any]) -> Hit:
        return Hit("", dict(evidence), self.outcomes.severity(name), self.outcomes.message(name), outcome_suffix(name))


def _dynamic(c: dmn.OneOf) -> bool:
    return any(isinstance(p, dmn.Dynamic) or (isinstance(p, dmn.OneOf) and _dynamic(p)) for p in c.parts)


def _failed(table: str, values: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, Any]:
    """The evidence of a table that decided nothing: built only then, not for every record."""
    return {"table": table, "given": ", ".join(f"{k}={_show(v)}" for k, v in values.items()),
            "missing_inputs": [k for k, v in values.items() if v is None], "input_errors": errors}

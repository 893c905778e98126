"""Rule tests: YAML cases beside the rules (kind RuleTests), run against a loaded engine.

Rule authors edit YAML, not Python, so their tests are YAML too, in the spirit
of OPA's and Semgrep's rule tests: a record (inline, or taken from a records
file so that an example and its test cannot drift apart), an instant, and what
the rules must say. Before a case runs, every rule id, state, clause and action
its expectation names is looked up in the rules: a misspelt ``not_fire`` would
otherwise pass forever, which is the worst kind of test.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..chrono.instants import ValueProblem, parse_instant
from ..errors import InputError
from ..inputs.records import read_file
from ..inputs.unreadable import Unreadable
from ..loader import Document, escape
from ..results import Result, SourceRef
from ..rulebook import ACTION_KINDS, DEADLINE_UNEVALUABLE, declared

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine


@dataclass(frozen=True)
class CaseOutcome:
    """One case run: ``problems`` are bad input (the case could not be judged), ``failures`` unmet expectations."""

    suite: str
    name: str
    source: SourceRef
    process: str | None = None
    record_source: SourceRef | None = None
    now: str | None = None
    result: Result | None = None
    failures: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures and not self.problems

    @property
    def label(self) -> str:
        return f"{self.source.file}:{self.source.line} {self.name}"

    def describe(self) -> list[str]:
        """Expected against actual, for a failing or broken case."""
        head = "ERROR" if self.problems else "FAIL"
        lines = [f"{head} {self.source.file}:{self.source.line}: {self.suite} / {self.name}"]
        r = self.result
        if r is not None:
            rec = f"{self.record_source.file}:{self.record_source.line} " if self.record_source and self.record_source.line else ""
            lines.append(f"  record {rec}{r.record or '(no id)'} ({r.process} {r.version or '?'}, now {self.now})")
        lines += [f"  {p}" for p in self.problems]
        for f in self.failures:
            lines += ["  " + part for part in f.split("\n")]
        return lines


@dataclass
class SuiteRun:
    outcomes: list[CaseOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.failures and not o.problems]

    @property
    def broken(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.problems]


class _RecordFiles:
    """Records files (and reference tables) read once per run; records indexed by id and by line."""

    def __init__(self) -> None:
        self._cache: dict[Path, list[tuple[Any, SourceRef]]] = {}
        self._tables: dict[Path, Any] = {}

    def tables(self, base: Path, spec: Mapping[str, str]) -> dict[str, Any]:
        from ..inputs.price_log import TableError, load_price_table

        out = {}
        for name, file in spec.items():
            path = (base / file).resolve()
            if path not in self._tables:
                try:
                    self._tables[path] = load_price_table(path)
                except TableError as exc:
                    raise InputError(f"tables.{name}: {exc}") from None
            out[name] = self._tables[path]
        return out

    def get(self, base: Path, ref: Mapping[str, Any]) -> tuple[Any, SourceRef]:
        path = (base / ref["file"]).resolve()
        if path not in self._cache:
            if not path.is_file():
                raise InputError(f"record_ref: no such file {ref['file']!r} (looked for {path})")
            shown = _shown(path)
            self._cache[path] = list(read_file(path, None, shown))
        rows = self._cache[path]
        for rec, src in rows:
            if "id" in ref and isinstance(rec, Mapping) and rec.get("id") == ref["id"]:
                return rec, src
            if "line" in ref and src.line == ref["line"]:
                if isinstance(rec, Unreadable):
                    raise InputError(f"record_ref: line {ref['line']} of {ref['file']} is unreadable: {rec.message}")
                return rec, src
        key = f"id {ref['id']!r}" if "id" in ref else f"line {ref['line']}"
        ids = [i for r, _ in rows if isinstance(r, Mapping) and isinstance(i := r.get("id"), str)]
        close = difflib.get_close_matches(str(ref.get("id", "")), ids, n=1) if "id" in ref else []
        bad = [f"{rec.message} at {src}" for rec, src in rows if isinstance(rec, Unreadable)][:1]  # e.g. not UTF-8
        raise InputError(f"record_ref: no record with {key} in {ref['file']}" + (f" (did you mean {close[0]!r}?)" if close else "")
                         + (f"; the file has unreadable parts: {bad[0]}" if bad else ""))


class _Variants:
    """The engine with a case's parameters (as ``sopengine.yaml``'s ``params:`` gives them), compiled once
    per distinct set in a run: parameters are folded into the plans at compile time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._built: dict[str, Engine] = {}

    def get(self, doc: Document, index: int) -> tuple[Engine, list[str]]:
        """(the engine for case ``index`` of ``doc``, the problems of its parameters, each at file:line)."""
        from ..config import params_problems

        data, case = doc.data, doc.data["cases"][index]
        suite, mine = data.get("params") or {}, case.get("params") or {}
        if not suite and not mine:
            return self.engine, []
        problems = []
        for at, given in (("/params", suite), (f"/cases/{index}/params", mine)):
            def where(ptr: str, at: str = at) -> SourceRef:
                return doc.where(at + ptr)

            problems += [f"{f.source}: {f.message}" + (f" (hint: {f.hint})" if f.hint else "")
                         for f in params_problems(given, self.engine, where, "rule-test")]
        if problems:
            return self.engine, problems
        merged = {c: {**suite.get(c, {}), **mine.get(c, {})} for c in {*suite, *mine}}
        key = json.dumps(merged, sort_keys=True, ensure_ascii=False)
        if key not in self._built:
            def origin(check: str, name: str) -> str:
                at = f"/cases/{index}/params" if name in mine.get(check, {}) else "/params"
                w = doc.where(f"{at}/{escape(check)}/{escape(name)}")
                return f"{w.file}:{w.line}"

            self._built[key] = self.engine.with_params(merged, origin)
        return self._built[key], []


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def known_names(engine: Engine, process: str, version: str | None) -> dict[str, set[str]]:
    """Every name an expectation may use for ``process``: rule ids, states, actions, check ids."""
    versions = [engine.process(process, version)] if version else list(engine.versions(process))
    rules: set[str] = set()
    states: set[str] = set()
    actions: set[str] = set()
    prefixes: set[str] = set()
    for p in versions:
        rules |= set(p.rules)
        states |= set(p.states)
        for s in p.steps:
            actions.add(s.id)
            prefixes.add(s.id)
            if s.sla is not None:
                rules.add(DEADLINE_UNEVALUABLE.id(s.id))
        for c in p.checks:
            prefixes.add(c.id)
            if c.action is not None:
                actions.add(c.action.id)
                prefixes.add(c.action.id)
                if c.action.sla is not None:
                    rules |= {k.id(c.action.id) for k in ACTION_KINDS}
    return {"rules": rules, "states": states, "actions": actions, "prefixes": prefixes}


def _unknown(name: str, known: set[str], what: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"{what} {name!r} is not defined by the rules" + (f" (did you mean {close[0]!r}?)" if close else "")


def expectation_problems(expect: Mapping[str, Any], names: Mapping[str, set[str]], clauses: set[str] | None) -> list[str]:
    out = []
    for key in ("fire", "not_fire"):
        for rule in expect.get(key) or []:
            base = declared(rule)
            if rule not in names["rules"] and not (base != rule and base in names["prefixes"]):
                out.append(f"expect.{key}: " + _unknown(rule, names["rules"], "rule"))
    if "state" in expect and expect["state"] not in names["states"]:
        out.append("expect.state: " + _unknown(expect["state"], names["states"], "state"))
    if clauses is not None:
        for c in expect.get("clauses") or []:
            if c not in clauses:
                out.append("expect.clauses: " + _unknown(c, clauses, "clause"))
    for a in expect.get("next_actions") or []:
        if "action" in a and a["action"] not in names["actions"]:
            out.append("expect.next_actions: " + _unknown(a["action"], names["actions"], "action"))
    return out


def _fmt(items: Iterable[str]) -> str:
    items = sorted(items)
    return ", ".join(items) if items else "(none)"


def _action_matches(want: Mapping[str, Any], got: Mapping[str, Any]) -> bool:
    for k, v in want.items():
        g = got.get(k)
        if k == "due" and v is not None and g is not None:
            if parse_instant(v, UTC) != parse_instant(g, UTC):
                return False
        elif k == "clauses":
            if set(v) != set(g or ()):
                return False
        elif v != g:
            return False
    return True


def expectation_failures(expect: Mapping[str, Any], r: Result) -> list[str]:
    """Each unmet expectation as 'what: expected ..., actual ...'."""
    out: list[str] = []
    want_error = expect.get("error")
    if r.error is not None:
        if isinstance(want_error, str) and want_error in r.error:
            return out
        exp = f"an error containing {want_error!r}" if isinstance(want_error, str) else "no evaluation error"
        return [f"error: expected {exp}\n  actual: {r.error}"]
    if isinstance(want_error, str):
        out.append(f"error: expected an error containing {want_error!r}\n  actual: the record evaluated (state {r.state})")
    fired = {v.rule for v in r.violations}
    if "state" in expect and expect["state"] != r.state:
        out.append(f"state: expected {expect['state']}, actual {r.state}")
    want = set(expect.get("fire") or ())
    missing = want - fired
    if missing:
        out.append(f"fire: expected {_fmt(missing)} to fire\n  actual violations: {_fmt(fired)}")
    unwanted = set(expect.get("not_fire") or ()) & fired
    if unwanted:
        out.append(f"not_fire: expected {_fmt(unwanted)} not to fire, but it did")
    if expect.get("only") and fired - want:
        out.append(f"only: expected exactly {_fmt(want)}\n  unexpected: {_fmt(fired - want)}")
    cited = {c for v in r.violations for c in v.clauses}
    missing_c = set(expect.get("clauses") or ()) - cited
    if missing_c:
        out.append(f"clauses: expected {_fmt(missing_c)} among the fired violations' clauses\n  actual: {_fmt(cited)}")
    actual_actions = [a.to_dict() for a in r.next_actions]
    for want_a in expect.get("next_actions") or []:
        if not any(_action_matches(want_a, got) for got in actual_actions):
            shown = "; ".join(", ".join(f"{k}={a.get(k)}" for k in want_a) for a in actual_actions) or "(none)"
            out.append(f"next_actions: expected {', '.join(f'{k}={v}' for k, v in want_a.items())}\n  actual: {shown}")
    return out


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text, UTC)  # the schema requires an offset; UTC is never used
    except ValueProblem as exc:
        raise InputError(str(exc)) from None


def run_case(variants: _Variants, doc: Document, index: int, files: _RecordFiles, clauses: set[str] | None) -> CaseOutcome:
    data, case = doc.data, doc.data["cases"][index]
    src = doc.where(f"/cases/{index}")
    base = {"suite": data["id"], "name": case["name"], "source": src}
    engine, bad = variants.get(doc, index)
    if bad:
        return CaseOutcome(**base, problems=tuple(bad))
    try:
        if "record" in case:
            record, rsrc = dict(case["record"]), doc.where(f"/cases/{index}/record")
        else:
            rec, rsrc = files.get(Path(doc.path).parent, case["record_ref"])
            if not isinstance(rec, Mapping):
                raise InputError(f"record_ref: {rsrc} is not a JSON object")
            record = dict(rec)
        process = case.get("process") or data.get("process")
        if "process" not in record and process:
            record["process"] = process
        now_text = case.get("now") or data.get("now")
        if now_text is None:
            raise InputError("no `now` for this case: give one in the case or the suite (tests never read the clock)")
        now = _instant(now_text)
        version = case.get("version") or data.get("version")
        tables = files.tables(Path(doc.path).parent, {**(data.get("tables") or {}), **(case.get("tables") or {})})
        pid = record.get("process")
        known = isinstance(pid, str) and pid in engine.process_ids
        if not known and "error" not in case["expect"]:  # a case about a bad record may name no process
            raise InputError(f"unknown process {pid!r}; known: {', '.join(engine.process_ids) or 'none'}")
        names = known_names(engine, pid, version) if known and isinstance(pid, str) else None
    except (InputError, LookupError) as exc:
        return CaseOutcome(**base, problems=(str(exc),))
    problems = expectation_problems(case["expect"], names, clauses) if names else []
    result = engine.evaluate(record, now, version=version, tables=tables, source=rsrc)
    pid = pid if known else None
    if problems:
        return CaseOutcome(**base, process=pid, record_source=rsrc, now=now_text, result=result, problems=tuple(problems))
    return CaseOutcome(**base, process=pid, record_source=rsrc, now=now_text, result=result,
                       failures=tuple(expectation_failures(case["expect"], result)))


def manual_clauses(engine: Engine) -> set[str] | None:
    manuals = engine.documents("Manual")
    if not manuals:
        return None
    return {c["id"] for c in manuals[0].data.get("clauses", [])}


def run_tests(engine: Engine, select: str | None = None) -> SuiteRun:
    """Run every case of every RuleTests document of the engine's tree (``select``: substring of suite/name)."""
    run, files, clauses, variants = SuiteRun(), _RecordFiles(), manual_clauses(engine), _Variants(engine)
    docs = sorted(engine.documents("RuleTests"), key=lambda d: d.path)
    for doc in docs:
        for i, case in enumerate(doc.data["cases"]):
            if select and select not in f"{doc.data['id']} {case['name']}":
                continue
            run.outcomes.append(run_case(variants, doc, i, files, clauses))
    return run


def duplicate_names(engine: Engine) -> list[str]:
    """Case names repeated within a suite make failure reports ambiguous; the runner refuses them."""
    out = []
    for doc in engine.documents("RuleTests"):
        seen: dict[str, int] = {}
        for i, case in enumerate(doc.data["cases"]):
            name = case["name"]
            if name in seen:
                first = doc.where(f"/cases/{seen[name]}").line
                out.append(f"{doc.where(f'/cases/{i}/name')}: duplicate case name {name!r} (also at line {first})")
            seen.setdefault(name, i)
    return out

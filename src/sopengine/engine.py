"""The facade: ``load`` wires the stages; ``Engine`` judges records and answers questions about its rules.

The stages live in their own modules (tree.py reads the rules tree, schemas.py
and lint.py validate, compile.py builds each process, versions.py picks the
version that judges a record, evaluate.py judges it); this module only joins them.

``load`` reads every YAML file of a rules tree, reports every problem of the
whole tree at once (``DefinitionError`` with file:line:column findings), and
returns an immutable ``Engine``. A process may have several versions; each
record is judged by the version in force at its own deciding instant, and the
result is stamped with that version and the digest of what judged it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .checks import REGISTRY
from .chrono.instants import ValueProblem, check_instant
from .compile import CompiledProcess, RuleInfo, compile_process
from .errors import DefinitionError, Finding
from .evaluate import evaluate_record
from .inputs.json_data import record_problem, screen
from .inputs.unreadable import Unreadable
from .lint import lint_process
from .loader import Document
from .params import VALUE_KEY
from .paths import bundled_rules_dir
from .policy import Policy
from .results import Result, SourceRef
from .schema_fields import record_event_types
from .schemas import SchemaStore, default_schema_dirs
from .trace import version_line
from .tree import (
    KIND_SCHEMAS,
    MAX_RULE_FILES,
    Resources,
    Tree,
    read_sources,
    tree_problems,
    tree_sources,
)
from .versions import choice, in_force, order_versions, pinned

__all__ = [
    # the rules tree's reading lives in tree.py; re-exported for callers of the old place
    "KIND_SCHEMAS",
    "MAX_RULE_FILES",
    "Engine",
    "Tree",
    "build",
    "compile_tree",
    "load",
    "read_sources",
    "resolve_rules_dir",
    "tree_sources",
]


class Engine:
    """Compiled rules; immutable, thread-safe, picklable (it pickles as its sources)."""

    def __init__(self, processes: Mapping[str, Sequence[CompiledProcess]], tree: Tree, store: SchemaStore,
                 sources: tuple[tuple[str, str], ...], warnings: tuple[Finding, ...] = (),
                 tables: Mapping[str, Any] | None = None, policy: Policy | None = None) -> None:
        from .lazy import LazyProcesses

        self._processes: Mapping[str, tuple[CompiledProcess, ...]] = (
            processes if isinstance(processes, LazyProcesses) else {k: tuple(v) for k, v in processes.items()})
        self.policy = policy or Policy()
        self._tree = tree
        self._store = store
        self._sources = sources
        self.warnings = warnings
        self.tables = dict(tables or {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._sources, self._store.docs, self.tables, self.policy))

    def with_policy(self, policy: Policy) -> Engine:
        """The same compiled rules judging under another policy (profile, records declared)."""
        return Engine(self._processes, self._tree, self._store, self._sources, self.warnings, self.tables, policy)

    def with_params(self, params: Mapping[str, Mapping[str, Any]], origin: Callable[[str, str], str]) -> Engine:
        """The same rules compiled again with parameter overrides (check id -> name -> value) over the
        policy's, as a shop's ``sopengine.yaml`` gives them; ``origin(check, name)`` says where each is
        written, for ``--explain``. Parameters are folded into the plans at compile time, hence the compile.
        Check the values first (``config.params_problems``): a bad one raises DefinitionError here."""
        from .config import param_notes

        merged = {c: {**self.policy.params.get(c, {}), **params.get(c, {})} for c in {*self.policy.params, *params}}
        policy = replace(self.policy, params=merged)
        engine = _rebuild(self._sources, self._store.docs, self.tables, policy)
        def where(check: str, key: str) -> str:
            return origin(check, key) if key in params.get(check, {}) else "set by the policy"

        return engine.with_policy(replace(policy, param_notes=param_notes(merged, engine, where)))

    # -- introspection ----------------------------------------------------
    @property
    def process_ids(self) -> list[str]:
        return sorted(self._processes)

    def versions(self, process: str) -> tuple[CompiledProcess, ...]:
        return self._processes.get(process, ())

    def documents(self, kind: str) -> list[Document]:
        return list(self._tree.docs.get(kind, []))

    def kinds(self) -> dict[str, tuple[str, str | None]]:
        """Each rules file's kind and id, as the rules cache remembers them (rulecache.Kinds)."""
        return {doc.path: (kind, rid if type(rid := doc.data.get("id")) is str else None)
                for kind in self._tree.docs for doc in self._tree.docs[kind]}

    def rules(self) -> Iterator[tuple[CompiledProcess, RuleInfo]]:
        for pid in self.process_ids:
            for proc in self._processes[pid]:
                for info in proc.rules.values():
                    yield proc, info

    def process(self, process: str, version: str | None = None, at: datetime | None = None) -> CompiledProcess:
        """The definition of ``process``: pinned by version, in force at ``at`` (aware), or the latest.

        LookupError, naming what exists, when there is no such process or version or
        no version is in force at ``at``: a record must never fall back to a default.
        """
        versions = self._processes.get(process)
        if not versions:
            raise LookupError(f"unknown process {process!r}; known: {', '.join(self.process_ids) or 'none'}")
        if version is not None:
            return pinned(process, versions, version)
        if at is None:
            return versions[-1]
        return in_force(process, versions, at)

    def select(self, record: Mapping[str, Any], version: str | None = None) -> tuple[CompiledProcess, str]:
        """The version that judges ``record``, and why (for --explain and the audit trail).

        The reason names the deciding field and its value, the chosen version's period
        and the file it is defined in, so a reader can check the choice by hand.
        """
        proc, why = self._select(record, version)
        return proc, why()

    def _select(self, record: Mapping[str, Any], version: str | None) -> tuple[CompiledProcess, Callable[[], str]]:
        """``select``, the reason written only when the trace is read."""
        pid = record.get("process")
        versions = self._processes.get(pid) if isinstance(pid, str) else None
        if not versions or not isinstance(pid, str):
            known = ", ".join(self.process_ids) or "none"
            if pid is None:
                raise LookupError(f"the record has no 'process' field, which names the process that judges it (one of: {known})")
            close = difflib.get_close_matches(pid, self.process_ids, n=1) if isinstance(pid, str) else []
            raise LookupError(f"unknown process {pid!r}" + (f"; did you mean {close[0]!r}?" if close else "") + f" (known: {known})")
        return choice(pid, versions, record, version)

    # -- evaluation -------------------------------------------------------
    def evaluate(self, record: Any, now: datetime | None = None, *, version: str | None = None,
                 tables: Mapping[str, Any] | None = None, source: SourceRef | None = None) -> Result:
        """Judge one record at ``now`` (aware; default: the current time). Never raises for a bad record."""
        return self._judge(record, checked_now(now), version, tables, source, False)

    def _judge(self, record: Any, now: datetime, version: str | None, tables: Mapping[str, Any] | None,
               source: SourceRef | None, plain: bool) -> Result:
        """``evaluate`` at a ``now`` it has checked already, for a caller that judges many records
        (``parallel.Judge``). ``plain``: the record's reader guarantees what screening it would find, plain
        JSON data (``inputs.records.plain_line``), so it is not walked again; a Python caller's record is
        (hence not public: a record no reader vouched for must never skip the screen)."""
        if isinstance(record, Unreadable):
            return Result(None, None, None, None, error=record.message, source=source)
        if not isinstance(record, Mapping):
            return Result(None, None, None, None, error=f"a record must be a JSON object, not {type(record).__name__}", source=source)
        problem, screened = (None, True) if plain and type(record) is dict else screen(record)
        rid = record.get("id") if isinstance(record.get("id"), str) else None
        pid = record.get("process") if isinstance(record.get("process"), str) else None
        if problem is not None:  # its id or process may be what is broken: name them only if they are clean
            clean = record_problem({"id": rid, "process": pid}) is None
            return Result(rid if clean else None, pid if clean else None, None, None,
                          error=f"not JSON data: {problem}", source=source)
        try:
            proc, why = self._select(record, version)
        except (LookupError, ValueProblem) as exc:
            return Result(rid, pid, None, None, error=str(exc), source=source)
        except Exception as exc:  # noqa: BLE001 - as below: a bug of ours must cost one record, not the batch
            return Result(rid, pid, None, None, error=f"internal error: {type(exc).__name__}: {exc}", source=source)
        head = ((version_line, (why,)),)
        try:
            result = evaluate_record(proc, record, now, {**self.tables, **tables} if tables else self.tables, source,
                                     self.policy.recorded(proc), screened, head)
        except RecursionError:
            return Result(rid, proc.id, proc.version, None, error="record nested too deeply", digest=proc.digest, source=source)
        except Exception as exc:  # noqa: BLE001 - the record boundary: a bug of ours must cost one record, not the batch
            return Result(rid, proc.id, proc.version, None, error=f"internal error: {type(exc).__name__}: {exc}",
                          digest=proc.digest, source=source)
        return self.policy.apply(result)  # the shop's configuration (overrides, selection) applies last, visibly

    def evaluate_many(self, records: Iterable[Any], now: datetime | None = None, **kw: Any) -> Iterator[Result]:
        """Lazily, in input order, one result per record: none dropped, none duplicated."""
        now = checked_now(now)
        for rec in records:
            if isinstance(rec, tuple) and len(rec) == 2 and isinstance(rec[1], SourceRef):
                yield self.evaluate(rec[0], now, source=rec[1], **kw)
            else:
                yield self.evaluate(rec, now, **kw)


def checked_now(now: datetime | None) -> datetime:
    """``now``, or the current time when None: aware, and in the range every zone can show; ValueError if not."""
    if now is None:

        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')))")
    return check_instant(now)  # a ValueError like the above: `now` is the caller's, not a record's


def _rebuild(sources: Iterable[tuple[str, str]], schema_docs: Mapping[str, dict[str, Any]], tables: Mapping[str, Any] | None,
             policy: Policy | None = None) -> Engine:
    engine = build(tuple(sources), SchemaStore(schema_docs), tables, params=policy.params if policy else None,
                   documents=policy.documents if policy else ())
    return engine.with_policy(policy) if policy is not None else engine


def build(sources: tuple[tuple[str, str], ...], store: SchemaStore, tables: Mapping[str, Any] | None = None,
          extra_findings: Iterable[Finding] = (), params: Mapping[str, Mapping[str, Any]] | None = None,
          documents: Iterable[Document] = ()) -> Engine:
    engine, findings = compile_tree(sources, store, tables, extra_findings, params, documents)
    if engine is None:
        raise DefinitionError(findings)
    return engine


def compile_tree(sources: tuple[tuple[str, str], ...], store: SchemaStore, tables: Mapping[str, Any] | None = None,
                 extra_findings: Iterable[Finding] = (), params: Mapping[str, Mapping[str, Any]] | None = None,
                 documents: Iterable[Document] = ()) -> tuple[Engine | None, list[Finding]]:
    """Validate and compile everything; (engine, warnings) or (None, all findings).

    ``params`` (a shop's configuration: check id -> parameters) replace those keys of the checks' own params;
    ``documents`` (its ``qualifications`` section) are rules documents added to the tree.
    """
    findings = list(extra_findings)
    tree = with_params(read_sources(sources, store, documents), params)
    findings += tree.findings + tree_problems(sources, tree)
    res = Resources(tree, findings)
    processes: dict[str, list[CompiledProcess]] = {}
    for doc in tree.docs.get("Process", []):
        schema = store.get(doc.data["record_schema"])
        event_types = record_event_types(schema)
        lint = lint_process(doc, res.clauses, res.roles, event_types, REGISTRY.keys(), res.manual)
        findings += lint
        # compile even after lint errors, so expression and SLA errors show in the same pass;
        # only the machine (which needs consistent states) is not built then
        proc, f = compile_process(doc, store, res.get, res.calendar, build=not any(x.severity == "error" for x in lint))
        findings += f
        if proc is not None:
            processes.setdefault(proc.id, []).append(proc)
    for versions in processes.values():
        findings += order_versions(versions)
    if any(f.severity == "error" for f in findings):
        return None, findings
    return Engine(processes, tree, store, sources, tuple(findings), tables), findings


def load(path: str | Path | None = None, *, tables: Mapping[str, Any] | None = None, profile: str = "core",
         policy: Policy | None = None) -> Engine:
    """Load, validate and compile a rules tree; with no path, the rules bundled with sopengine
    (never whatever ./rules the working directory happens to hold: the command line's default).

    ``profile`` (``core`` or ``full``) or a whole ``policy`` says what optional data the shop records.
    """
    from . import rulecache
    from .lazy import clean_processes

    policy = policy or Policy(profile)
    root = bundled_rules_dir() if path is None else resolve_rules_dir(path)
    sources, findings = tree_sources(root)
    store = SchemaStore.from_dirs(default_schema_dirs(root))
    key = (rulecache.tree_key(sources, store.docs) if rulecache.enabled() and not findings and not store.findings
           and not policy.params and not policy.documents else None)  # a shop's parameters and tables change
    # what compiles: never from the cache
    entry = rulecache.is_clean(key) if key is not None else None
    if key is not None and entry is not None:
        processes, tree = clean_processes(tuple(sources), store, key, rulecache.kinds_of(sources, entry))
        engine = Engine(processes, tree, store, tuple(sources), (), tables)
    else:
        engine = build(tuple(sources), store, tables, [*findings, *store.findings], params=policy.params,
                       documents=policy.documents)
        if key is not None and not engine.warnings:
            rulecache.mark_clean(key, len(sources), sum(len(engine.versions(p)) for p in engine.process_ids),
                                 engine.kinds())
    if policy.params and not policy.param_notes:  # set through the API: --explain still names them
        from .config import param_notes

        policy = replace(policy, param_notes=param_notes(policy.params, engine, lambda c, k: "set by Policy.params"))
    return engine if policy.is_default else engine.with_policy(policy)


def with_params(tree: Tree, params: Mapping[str, Mapping[str, Any]] | None) -> Tree:
    """The tree with a configuration's parameter overrides written into its checks (positions kept)."""
    if not params:
        return tree
    docs = dict(tree.docs)
    out = []
    for doc in docs.get("Process", []):
        checks = doc.data.get("checks") or []
        if any(ck.get("id") in params for ck in checks):
            new = [_with_values(ck, params[ck["id"]]) if ck.get("id") in params else ck for ck in checks]
            doc = replace(doc, data={**doc.data, "checks": new})
        out.append(doc)
    docs["Process"] = out
    return replace(tree, docs=docs)


def _with_values(check: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """One check with a configuration's values: a parameter the rule declares takes the value beside its
    declaration (params.VALUE_KEY, its default kept for --explain); any other key replaces that of its params."""
    declared = check.get("parameters") or {}
    out = dict(check)
    rest = {k: v for k, v in over.items() if k not in declared}
    if rest:
        out["params"] = {**(check.get("params") or {}), **rest}
    if len(rest) < len(over):
        out["parameters"] = {n: {**d, VALUE_KEY: over[n]} if n in over else d for n, d in declared.items()}
    return out


def resolve_rules_dir(path: str | Path | None) -> Path:
    """The rules tree a command names; with none, ./rules if it exists, else the bundled rules."""
    if path is None:
        local = Path("rules")
        return local if local.is_dir() else bundled_rules_dir()
    root = Path(path)
    if not root.is_dir():
        raise DefinitionError([Finding("error", "rules directory not found", SourceRef(str(root)), "io")])
    return root


"""The public engine: a rules tree loaded, validated and compiled, then evaluated.

``load`` reads every YAML file of a rules tree, reports every problem of the
whole tree at once (``DefinitionError`` with file:line:column findings), and
returns an immutable ``Engine``. A process may have several versions; each
record is judged by the version in force at its own deciding instant, and the
result is stamped with that version and the digest of what judged it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .checks import REGISTRY
from .compile import CompiledProcess, RuleInfo, compile_process
from .errors import DefinitionError, Finding
from .evaluate import evaluate_record
from .lint import lint_process
from .loader import Document, parse_yaml, read_text
from .results import Result, SourceRef
from .paths import bundled_rules_dir, walk_files
from .paths import shown as display
from .inputs.records import Unreadable, record_problem
from .schemas import SchemaStore, default_schema_dirs, doc_findings
from .chrono.instants import ValueProblem, check_instant, parse_instant, rfc3339

KIND_SCHEMAS = {
    "Process": "process.schema.json",
    "Vocabulary": "vocabulary.schema.json",
    "Calendar": "calendar.schema.json",
    "PromotionWindows": "promotions.schema.json",
    "Manual": "manual.schema.json",
    "RuleTests": "tests.schema.json",
}
MAX_RULE_FILES = 5000


@dataclass(frozen=True)
class Tree:
    """The parsed, schema-checked documents of a rules tree, grouped by kind."""

    docs: dict[str, list[Document]]
    findings: list[Finding]


def read_sources(sources: Iterable[tuple[str, str]], store: SchemaStore) -> Tree:
    docs: dict[str, list[Document]] = {}
    findings: list[Finding] = []
    validators: dict[str, Any] = {}
    for path, text in sources:
        doc, f = parse_yaml(text, path)
        findings += f
        if doc is None:
            continue
        kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
        if kind not in KIND_SCHEMAS:
            findings.append(Finding("error", f"unknown kind {kind!r}; expected one of {', '.join(KIND_SCHEMAS)}",
                                    doc.where("/kind"), "unknown-kind"))
            continue
        rel = KIND_SCHEMAS[kind]
        if store.get(rel) is not None:
            v = validators.get(rel) or validators.setdefault(rel, store.validator(rel))
            errs = doc_findings(doc, v)
            findings += errs
            if errs:
                continue
        docs.setdefault(kind, []).append(doc)
    return Tree(docs, findings)


def tree_sources(root: Path) -> tuple[list[tuple[str, str]], list[Finding]]:
    """Every YAML file under ``root``, paths shown relative to the working directory when possible."""
    files = walk_files(root, (".yaml", ".yml"))
    if len(files) > MAX_RULE_FILES:
        return [], [Finding("error", f"more than {MAX_RULE_FILES} YAML files under {root}", SourceRef(str(root)), "too-big")]
    out, findings = [], []
    for p, problem in files:
        try:
            shown = display(p.relative_to(Path.cwd()))
        except ValueError:
            shown = display(p)
        if problem is not None:  # a definition that silently went missing would leave its records unjudged
            findings.append(Finding("error", problem, SourceRef(shown), "io"))
            continue
        text, f = read_text(p, shown)
        findings += f
        if text is not None:
            out.append((shown, text))
    return out, findings


class Engine:
    """Compiled rules; immutable, thread-safe, picklable (it pickles as its sources)."""

    def __init__(self, processes: Mapping[str, list[CompiledProcess]], tree: Tree, store: SchemaStore,
                 sources: tuple[tuple[str, str], ...], warnings: tuple[Finding, ...] = (),
                 tables: Mapping[str, Any] | None = None) -> None:
        self._processes = {k: tuple(v) for k, v in processes.items()}
        self._tree = tree
        self._store = store
        self._sources = sources
        self.warnings = warnings
        self.tables = dict(tables or {})

    def __reduce__(self):
        return (_rebuild, (self._sources, self._store.docs, self.tables))

    # -- introspection ----------------------------------------------------
    @property
    def process_ids(self) -> list[str]:
        return sorted(self._processes)

    def versions(self, process: str) -> tuple[CompiledProcess, ...]:
        return self._processes.get(process, ())

    def documents(self, kind: str) -> list[Document]:
        return list(self._tree.docs.get(kind, []))

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
            for p in versions:
                if p.version == version:
                    return p
            raise LookupError(f"process {process!r} has no version {version!r}; it has {', '.join(p.version for p in versions)}")
        if at is None:
            return versions[-1]
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("at must be timezone-aware")
        for i, p in enumerate(versions):
            end = _period_end(versions, i)[0]
            if (p.effective_from is None or p.effective_from <= at) and (end is None or at < end):
                return p
        first = versions[0].effective_from
        when = rfc3339(at, versions[0].timezone)
        if first is not None and at < first:
            raise LookupError(f"{when} is before the first version of {process!r} ({versions[0].version}, in force from "
                              f"{rfc3339(first, versions[0].timezone)})")
        periods = "; ".join(f"{p.version} {_period(versions, i)}" for i, p in enumerate(versions))
        raise LookupError(f"no version of {process!r} is in force at {when} (versions: {periods})")

    def select(self, record: Mapping[str, Any], version: str | None = None) -> tuple[CompiledProcess, str]:
        """The version that judges ``record``, and why (for --explain and the audit trail).

        The reason names the deciding field and its value, the chosen version's period
        and the file it is defined in, so a reader can check the choice by hand.
        """
        pid = record.get("process")
        versions = self._processes.get(pid) if isinstance(pid, str) else None
        if not versions:
            raise LookupError(f"unknown process {pid!r}; known: {', '.join(self.process_ids) or 'none'}")
        if version is not None:
            p = self.process(pid, version)
            return p, f"{pid} {p.version} pinned by the caller{_by_date_note(self, record, versions, p)}; defined in {_defined_in(p)}"
        if len(versions) == 1 and versions[0].effective_from is None and versions[0].effective_until is None:
            p = versions[0]
            return p, f"{pid} {p.version} is the only version and has no effective period; defined in {_defined_in(p)}"
        by = versions[-1].version_by or "first_event"
        try:
            at = _deciding_instant(record, by, versions[-1].timezone)
            p = self.process(pid, at=at)
        except LookupError as exc:
            raise LookupError(f"cannot choose a version of {pid!r} by {by}: {exc}") from None
        except ValueProblem as exc:
            raise ValueProblem(f"cannot choose a version of {pid!r} by {by}: {exc}") from None
        i = versions.index(p)
        return p, (f"{by} = {rfc3339(at, p.timezone)} falls in {pid} {p.version}, {_period(versions, i)}; "
                   f"defined in {_defined_in(p)}")

    # -- evaluation -------------------------------------------------------
    def evaluate(self, record: Any, now: datetime | None = None, *, version: str | None = None,
                 tables: Mapping[str, Any] | None = None, source: SourceRef | None = None) -> Result:
        """Judge one record at ``now`` (aware; default: the current time). Never raises for a bad record."""
        now = _now(now)
        if isinstance(record, Unreadable):
            return Result(None, None, None, None, error=record.message, source=source)
        if not isinstance(record, Mapping):
            return Result(None, None, None, None, error=f"a record must be a JSON object, not {type(record).__name__}", source=source)
        problem = record_problem(record)
        rid = record.get("id") if isinstance(record.get("id"), str) else None
        pid = record.get("process") if isinstance(record.get("process"), str) else None
        if problem is not None:  # its id or process may be what is broken: name them only if they are clean
            clean = record_problem({"id": rid, "process": pid}) is None
            return Result(rid if clean else None, pid if clean else None, None, None,
                          error=f"not JSON data: {problem}", source=source)
        try:
            proc, why = self.select(record, version)
        except (LookupError, ValueProblem) as exc:
            return Result(rid, pid, None, None, error=str(exc), source=source)
        except Exception as exc:  # as below: a bug of ours must cost one record, not the batch
            return Result(rid, pid, None, None, error=f"internal error: {type(exc).__name__}: {exc}", source=source)
        try:
            result = evaluate_record(proc, record, now, {**self.tables, **(tables or {})}, source)
        except RecursionError:
            return Result(rid, proc.id, proc.version, None, error="record nested too deeply", digest=proc.digest, source=source)
        except Exception as exc:  # a bug of ours must cost one record, not the batch
            return Result(rid, proc.id, proc.version, None, error=f"internal error: {type(exc).__name__}: {exc}",
                          digest=proc.digest, source=source)
        return replace(result, trace=(f"version: {why}", *result.trace))

    def evaluate_many(self, records: Iterable[Any], now: datetime | None = None, **kw: Any) -> Iterator[Result]:
        """Lazily, in input order, one result per record: none dropped, none duplicated."""
        now = _now(now)
        for rec in records:
            if isinstance(rec, tuple) and len(rec) == 2 and isinstance(rec[1], SourceRef):
                yield self.evaluate(rec[0], now, source=rec[1], **kw)
            else:
                yield self.evaluate(rec, now, **kw)


def _now(now: datetime | None) -> datetime:
    if now is None:
        from datetime import timezone

        return datetime.now(timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')))")
    return check_instant(now)  # a ValueError like the above: `now` is the caller's, not a record's


def _deciding_instant(record: Mapping[str, Any], by: str, tz: Any) -> datetime:
    """The instant that decides the version: the ``by`` field, or the first / latest event's time.

    Raises LookupError when the record lacks it and ValueProblem (naming the JSON
    Pointer) when it cannot be read: guessing would judge the record by the wrong rules.
    """
    if by in ("first_event", "latest_event"):
        events = record.get("events")
        times = []
        for i, e in enumerate(events if isinstance(events, list) else ()):
            if isinstance(e, Mapping) and e.get("at") is not None:
                try:
                    times.append(parse_instant(e["at"], tz))
                except ValueProblem as exc:
                    raise ValueProblem(f"/events/{i}/at: {exc}") from None
        if not times:
            raise LookupError(f"the record has no event with a time ({by} decides which version applies)")
        return min(times) if by == "first_event" else max(times)
    raw = record.get(by)
    if raw is None:
        raise LookupError(f"{by!r} is a required property (it decides which version applies)")
    try:
        return parse_instant(raw, tz)
    except ValueProblem as exc:
        raise ValueProblem(f"/{by}: {exc}") from None


def _period_end(versions: tuple[CompiledProcess, ...] | list[CompiledProcess], i: int) -> tuple[datetime | None, str]:
    """Where version ``i`` stops applying (exclusive) and why: its effective_until, else the next version's start."""
    p = versions[i]
    if p.effective_until is not None:
        return p.effective_until, "its effective_until"
    if i + 1 < len(versions) and versions[i + 1].effective_from is not None:
        return versions[i + 1].effective_from, f"when {versions[i + 1].version} takes effect"
    return None, ""


def _period(versions: tuple[CompiledProcess, ...] | list[CompiledProcess], i: int) -> str:
    p = versions[i]
    since = f"in force from {rfc3339(p.effective_from, p.timezone)}" if p.effective_from else "in force since always"
    end, why = _period_end(versions, i)
    return f"{since} until {rfc3339(end, p.timezone)} (exclusive; {why})" if end is not None else f"{since} with no end"


def _defined_in(p: CompiledProcess) -> str:
    return f"{p.document.path}:{p.document.where('/version').line}"


def _by_date_note(engine: Engine, record: Mapping[str, Any], versions: tuple[CompiledProcess, ...], pinned: CompiledProcess) -> str:
    """What the record's own date would have chosen, so a pinned result is never mistaken for the in-force one."""
    if len(versions) == 1 and versions[0].effective_from is None and versions[0].effective_until is None:
        return ""
    by = versions[-1].version_by or "first_event"
    try:
        at = _deciding_instant(record, by, versions[-1].timezone)
        p = engine.process(pinned.id, at=at)
    except (LookupError, ValueProblem) as exc:
        return f" ({by} chooses no version: {exc})"
    when = rfc3339(at, p.timezone)
    if p is pinned:
        return f" (also the version in force at {by} = {when})"
    return f" (by {by} = {when} the version in force would be {p.version})"


def _rebuild(sources, schema_docs, tables) -> Engine:
    return build(tuple(sources), SchemaStore(schema_docs), tables)


def build(sources: tuple[tuple[str, str], ...], store: SchemaStore, tables: Mapping[str, Any] | None = None,
          extra_findings: Iterable[Finding] = ()) -> Engine:
    engine, findings = compile_tree(sources, store, tables, extra_findings)
    if engine is None:
        raise DefinitionError(findings)
    return engine


def compile_tree(sources: tuple[tuple[str, str], ...], store: SchemaStore, tables: Mapping[str, Any] | None = None,
                 extra_findings: Iterable[Finding] = ()) -> tuple[Engine | None, list[Finding]]:
    """Validate and compile everything; (engine, warnings) or (None, all findings)."""
    from .tree import Resources

    findings = list(extra_findings)
    tree = read_sources(sources, store)
    findings += tree.findings
    res = Resources(tree, findings)
    processes: dict[str, list[CompiledProcess]] = {}
    for doc in tree.docs.get("Process", []):
        schema = store.get(doc.data["record_schema"])
        event_types = _event_types(store, schema)
        lint = lint_process(doc, res.clauses, res.roles, event_types, REGISTRY.keys())
        findings += lint
        # compile even after lint errors, so expression and SLA errors show in the same pass;
        # only the machine (which needs consistent states) is not built then
        proc, f = compile_process(doc, store, res.get, res.calendar, build=not any(x.severity == "error" for x in lint))
        findings += f
        if proc is not None:
            processes.setdefault(proc.id, []).append(proc)
    for pid, versions in processes.items():
        findings += _order_versions(versions)
    if any(f.severity == "error" for f in findings):
        return None, findings
    return Engine(processes, tree, store, sources, tuple(findings), tables), findings


def _event_types(store: SchemaStore, schema: dict | None) -> set[str] | None:
    try:
        enum = schema["properties"]["events"]["items"]["properties"]["type"]["enum"]  # type: ignore[index]
        return set(enum)
    except (KeyError, TypeError):
        pass
    if schema is None:
        return None
    for part in (schema.get("properties", {}).get("events", {}).get("items", {}).get("allOf") or []):
        enum = (part.get("properties") or {}).get("type", {}).get("enum")
        if enum:
            return set(enum)
    return None


def _order_versions(versions: list[CompiledProcess]) -> list[Finding]:
    """Sort by effective_from; report versions defined twice, periods that overlap and versions that
    disagree on what decides the version, each naming both files and lines."""
    out: list[Finding] = []
    versions.sort(key=lambda p: (p.effective_from is not None, p.effective_from.timestamp() if p.effective_from else 0.0))
    seen: dict[str, CompiledProcess] = {}
    for p in versions:
        if p.version in seen:
            q = seen[p.version]
            out.append(Finding("error", f"process {p.id!r} version {p.version} is defined twice (also at {q.document.where('/version')})",
                               p.document.where("/version"), "duplicate-version"))
        seen.setdefault(p.version, p)

    def at(p: CompiledProcess, key: str) -> SourceRef:
        return p.document.where(f"/{key}") if key in p.document.data else p.document.where("/version")

    for i, a in enumerate(versions):
        for b in versions[i + 1:]:
            if a.version == b.version:
                continue  # reported above
            if a.effective_from == b.effective_from:
                why = ("neither has an effective_from, so both apply since always" if a.effective_from is None
                       else f"both take effect at {rfc3339(a.effective_from, a.timezone)}")
                here, there = at(a, "effective_from"), at(b, "effective_from")
            elif a.effective_until is not None and b.effective_from is not None and a.effective_until > b.effective_from:
                why = (f"{a.version} applies until {rfc3339(a.effective_until, a.timezone)} but {b.version} "
                       f"takes effect at {rfc3339(b.effective_from, b.timezone)}")
                here, there = at(a, "effective_until"), at(b, "effective_from")
            else:
                continue
            out.append(Finding("error", f"versions {a.version} and {b.version} of process {a.id!r} overlap in time: {why} "
                                        f"({here} and {there})", there, "version-overlap",
                               "give each version an effective_from, and end the earlier one at or before the later one's start"))
    if len(versions) > 1:
        last = versions[-1]
        for p in versions[:-1]:
            if (p.version_by or "first_event") != (last.version_by or "first_event"):
                out.append(Finding("error", f"versions {p.version} and {last.version} of process {p.id!r} disagree on what decides "
                                            f"the version ({p.version_by or 'first_event'} at {at(p, 'version_by')}, "
                                            f"{last.version_by or 'first_event'} at {at(last, 'version_by')})",
                                   at(p, "version_by"), "version-by",
                                   "every version of a process must be chosen by the same field (version_by, else start_field)"))
    return out


def load(path: str | Path | None = None, *, tables: Mapping[str, Any] | None = None) -> Engine:
    """Load, validate and compile a rules tree (default: ./rules if it exists, else the bundled rules)."""
    root = resolve_rules_dir(path)
    sources, findings = tree_sources(root)
    store = SchemaStore.from_dirs(default_schema_dirs(root))
    return build(tuple(sources), store, tables, [*findings, *store.findings])


def resolve_rules_dir(path: str | Path | None) -> Path:
    if path is None:
        local = Path("rules")
        return local if local.is_dir() else bundled_rules_dir()
    root = Path(path)
    if not root.is_dir():
        raise DefinitionError([Finding("error", "rules directory not found", SourceRef(str(root)), "io")])
    return root


"""The public engine: a rules tree loaded, validated and compiled, then evaluated.

``load`` reads every YAML file of a rules tree, reports every problem of the
whole tree at once (``DefinitionError`` with file:line:column findings), and
returns an immutable ``Engine``. A process may have several versions; each
record is judged by the version in force at its own deciding instant, and the
result is stamped with that version and the digest of what judged it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .checks import REGISTRY
from .compile import CompiledProcess, RuleInfo, compile_process
from .errors import DefinitionError, Finding
from .evaluate import evaluate_record
from .lint import lint_process
from .loader import Document, parse_yaml, read_text
from .model import Result, SourceRef
from .paths import bundled_rules_dir
from .schemas import SchemaStore, default_schema_dirs, doc_findings
from .values import ValueProblem, parse_instant, rfc3339

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
    files = sorted(p for p in itertools.chain(root.rglob("*.yaml"), root.rglob("*.yml")) if p.is_file())
    if len(files) > MAX_RULE_FILES:
        return [], [Finding("error", f"more than {MAX_RULE_FILES} YAML files under {root}", SourceRef(str(root)), "too-big")]
    out, findings = [], []
    for p in files:
        try:
            shown = str(p.relative_to(Path.cwd()))
        except ValueError:
            shown = str(p)
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
        """The definition of ``process``: pinned by version, in force at ``at``, or the latest."""
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
        for i, p in enumerate(versions):
            end = p.effective_until or (versions[i + 1].effective_from if i + 1 < len(versions) else None)
            if (p.effective_from is None or p.effective_from <= at) and (end is None or at < end):
                return p
        first = versions[0].effective_from
        when = rfc3339(at, versions[0].timezone)
        if first is not None and at < first:
            raise LookupError(f"{when} is before the first version of {process!r} ({versions[0].version}, in force from "
                              f"{rfc3339(first, versions[0].timezone)})")
        raise LookupError(f"no version of {process!r} is in force at {when}")

    def select(self, record: Mapping[str, Any], version: str | None = None) -> tuple[CompiledProcess, str]:
        """The version that judges ``record``, and why (for --explain and the audit trail)."""
        pid = record.get("process")
        versions = self._processes.get(pid) if isinstance(pid, str) else None
        if not versions:
            raise LookupError(f"unknown process {pid!r}; known: {', '.join(self.process_ids) or 'none'}")
        if version is not None:
            return self.process(pid, version), f"version {version} pinned by the caller"
        if len(versions) == 1 and versions[0].effective_from is None and versions[0].effective_until is None:
            return versions[0], f"the only version of {pid}"
        by = versions[-1].version_by
        at = _deciding_instant(record, by, versions[-1].timezone)
        if at is None:
            raise LookupError(f"cannot choose a version of {pid!r}: the record has no {by or 'deciding timestamp'}")
        p = self.process(pid, at=at)
        since = rfc3339(p.effective_from, p.timezone) if p.effective_from else "always"
        return p, f"{by} = {rfc3339(at, p.timezone)} falls in version {p.version} (in force from {since})"

    # -- evaluation -------------------------------------------------------
    def evaluate(self, record: Any, now: datetime | None = None, *, version: str | None = None,
                 tables: Mapping[str, Any] | None = None, source: SourceRef | None = None) -> Result:
        """Judge one record at ``now`` (aware; default: the current time). Never raises for a bad record."""
        now = _now(now)
        from .records import Unreadable

        if isinstance(record, Unreadable):
            return Result(None, None, None, None, error=record.message, source=source)
        if not isinstance(record, Mapping):
            return Result(None, None, None, None, error=f"a record must be a JSON object, not {type(record).__name__}", source=source)
        rid = record.get("id") if isinstance(record.get("id"), str) else None
        try:
            proc, why = self.select(record, version)
        except (LookupError, ValueProblem) as exc:
            pid = record.get("process") if isinstance(record.get("process"), str) else None
            return Result(rid, pid, None, None, error=str(exc), source=source)
        try:
            result = evaluate_record(proc, record, now, {**self.tables, **(tables or {})}, source)
        except RecursionError:
            return Result(rid, proc.id, proc.version, None, error="record nested too deeply", digest=proc.digest, source=source)
        except Exception as exc:  # a bug of ours must cost one record, not the batch
            return Result(rid, proc.id, proc.version, None, error=f"internal error: {type(exc).__name__}: {exc}",
                          digest=proc.digest, source=source)
        from dataclasses import replace

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
    return now


def _deciding_instant(record: Mapping[str, Any], by: str | None, tz: Any) -> datetime | None:
    if by in ("first_event", "latest_event"):
        times = []
        for e in record.get("events") or []:
            if isinstance(e, Mapping) and e.get("at") is not None:
                times.append(parse_instant(e["at"], tz))
        if not times:
            return None
        return min(times) if by == "first_event" else max(times)
    if not by:
        return None
    raw = record.get(by)
    return None if raw is None else parse_instant(raw, tz)


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
    from .resources import Resources

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
    """Sort by effective_from and report duplicate versions and overlapping periods, naming both files."""
    out: list[Finding] = []
    versions.sort(key=lambda p: (p.effective_from is not None, p.effective_from or datetime.min.replace(tzinfo=p.timezone)))
    seen: dict[str, CompiledProcess] = {}
    for p in versions:
        if p.version in seen:
            q = seen[p.version]
            out.append(Finding("error", f"process {p.id!r} version {p.version} is defined twice (also at {q.document.where('/version')})",
                               p.document.where("/version"), "duplicate-version"))
        seen[p.version] = p
    for a, b in zip(versions, versions[1:]):
        overlap = (a.effective_from is None and b.effective_from is None) or a.effective_from == b.effective_from or (
            a.effective_until is not None and b.effective_from is not None and a.effective_until > b.effective_from)
        if overlap:
            out.append(Finding("error", f"versions {a.version} and {b.version} of process {a.id!r} overlap in time "
                                        f"({a.document.where('/effective_from')} and {b.document.where('/effective_from')})",
                               b.document.where("/effective_from"), "version-overlap",
                               "give each version an effective_from, and end the earlier one at or before the later one's start"))
    return out


def load(path: str | Path | None = None, *, tables: Mapping[str, Any] | None = None) -> Engine:
    """Load, validate and compile a rules tree (default: ./rules if it exists, else the bundled rules)."""
    root = resolve_rules_dir(path)
    sources, findings = tree_sources(root)
    store = SchemaStore.from_dirs(default_schema_dirs(root))
    return build(tuple(sources), store, tables, findings)


def resolve_rules_dir(path: str | Path | None) -> Path:
    if path is None:
        local = Path("rules")
        return local if local.is_dir() else bundled_rules_dir()
    root = Path(path)
    if not root.is_dir():
        raise DefinitionError([Finding("error", "rules directory not found", SourceRef(str(root)), "io")])
    return root


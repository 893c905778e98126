"""An engine over a rules tree already known clean (rulecache): each process compiled when first needed.

A check of one order then compiles the order process only, not the product
process with its banned-word tables; and when the entry names each file's kind
(rulecache.kinds_of), only the files asked for are parsed: the order process's,
and those of the kinds every process may refer to, never the rule tests (a third of
the bundled tree's YAML, and most of a cold check's parsing). Compiling stays what
``load`` does, process by process, so a compiled process is the same object either
way; a process that does not compile (a cache entry that lied) raises
DefinitionError there, and the entry is forgotten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import rulecache
from .compile import CompiledProcess, compile_process
from .errors import DefinitionError, Finding
from .loader import Document, parse_yaml
from .results import SourceRef
from .schemas import SchemaStore
from .tree import Resources, Tree, read_sources
from .versions import order_versions


class LazyProcesses(Mapping[str, tuple[CompiledProcess, ...]]):
    """process id -> its versions, compiled on first access; thread-safe, each compiled once."""

    def __init__(self, docs: Mapping[str, list[Document]], build: Callable[[list[Document]], tuple[CompiledProcess, ...]]):
        self._docs = docs
        self._build = build
        self._done: dict[str, tuple[CompiledProcess, ...]] = {}
        self._failed: dict[str, Exception] = {}  # a process that did not compile fails each record at once, not
        # after another compile (a missing module made every product record pay 26 ms)
        self._lock = threading.Lock()

    def __getitem__(self, pid: str) -> tuple[CompiledProcess, ...]:
        done = self._done.get(pid)
        if done is not None:
            return done
        docs = self._docs[pid]  # KeyError for an unknown process, as a dict would
        with self._lock:
            if pid in self._failed:
                raise self._failed[pid]
            if pid not in self._done:
                try:
                    self._done[pid] = self._build(docs)
                except Exception as exc:
                    self._failed[pid] = exc
                    raise
            return self._done[pid]

    def get(self, pid: str, default: Any = None) -> Any:
        """``Mapping.get`` without its try/except around ``__getitem__``: every record's process is looked up here."""
        done = self._done.get(pid)
        return done if done is not None else (self[pid] if pid in self._docs else default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, pid: object) -> bool:
        return pid in self._docs


class _Parsed:
    """The files of a tree known clean, each parsed the first time it is asked for (thread-safe, once).
    It was schema-checked when the entry was made, with these very schemas (the key covers them), so it
    is not checked again; a file whose kind or id is not what the entry says makes the entry a lie."""

    def __init__(self, sources: tuple[tuple[str, str], ...], kinds: rulecache.Kinds, key: str) -> None:
        self._sources, self._kinds, self._key = sources, kinds, key
        self._texts = dict(sources)
        self._docs: dict[str, Document] = {}
        self._lock = threading.Lock()

    def doc(self, path: str) -> Document:
        done = self._docs.get(path)
        if done is not None:
            return done
        with self._lock:
            if path not in self._docs:
                doc, findings = parse_yaml(self._texts[path], path)
                kind, rid = self._kinds[path]
                data = doc.data if doc is not None else None
                if findings or not isinstance(data, dict) or data.get("kind") != kind or (
                        kind == "Process" and data.get("id") != rid):
                    rulecache.forget(self._key)
                    raise DefinitionError(findings or [Finding(
                        "error", f"this file is not the {kind} the rules cache's entry says it is", SourceRef(path), "cache",
                        "validate the rules tree again")])
                assert doc is not None
                self._docs[path] = doc
            return self._docs[path]


class _ByKey(Mapping[str, list[Document]]):
    """kind (or process id) -> its documents, parsed when that key is first looked up."""

    def __init__(self, parsed: _Parsed, paths: dict[str, list[str]]) -> None:
        self._parsed, self._paths = parsed, paths
        self._done: dict[str, list[Document]] = {}

    def __getitem__(self, key: str) -> list[Document]:
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = [self._parsed.doc(p) for p in self._paths[key]]  # KeyError as a dict's
        return done

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, key: object) -> bool:
        return key in self._paths


def _parsed_tree(sources: tuple[tuple[str, str], ...], kinds: rulecache.Kinds,
                 key: str) -> tuple[Tree, Mapping[str, list[Document]]]:
    """The tree of documents by kind, and the Process documents by id, both parsed as they are asked for."""
    parsed = _Parsed(sources, kinds, key)
    by_kind: dict[str, list[str]] = {}
    by_pid: dict[str, list[str]] = {}
    for path, _ in sources:  # (each in the order read_sources would give)
        kind, rid = kinds[path]
        by_kind.setdefault(kind, []).append(path)
        if kind == "Process" and rid is not None:
            by_pid.setdefault(rid, []).append(path)
    return Tree(_ByKey(parsed, by_kind), []), _ByKey(parsed, by_pid)


def clean_processes(sources: tuple[tuple[str, str], ...], store: SchemaStore, key: str,
                    kinds: rulecache.Kinds | None = None) -> tuple[LazyProcesses, Tree]:
    """The processes (compiled when first asked for) and the tree of a tree whose cache entry says it
    validated clean; engine.py makes them an Engine (this module never imports it back). With the entry's
    ``kinds``, files are parsed as they are asked for; without, all of them, and schema-checked again."""
    findings: list[Finding] = []
    by_pid: Mapping[str, list[Document]]
    if kinds is not None:
        tree, by_pid = _parsed_tree(sources, kinds, key)
    else:
        tree = read_sources(sources, store)
    res = Resources(tree, findings)
    if tree.findings or findings:  # the entry was wrong about this content: say what is wrong
        rulecache.forget(key)
        raise DefinitionError([*tree.findings, *findings])
    if kinds is None:
        pids: dict[str, list[Document]] = {}
        for doc in tree.docs.get("Process", []):
            pids.setdefault(doc.data["id"], []).append(doc)
        by_pid = pids

    def build(docs: list[Document]) -> tuple[CompiledProcess, ...]:
        versions, problems = [], []
        for doc in docs:
            proc, f = compile_process(doc, store, res.get, res.calendar)
            problems += f
            if proc is not None:
                versions.append(proc)
        problems += order_versions(versions)
        if any(f.severity == "error" for f in problems) or len(versions) != len(docs):
            rulecache.forget(key)
            raise DefinitionError(problems)
        return tuple(versions)

    return LazyProcesses(by_pid, build), tree

"""An engine over a rules tree already known clean (rulecache): each process compiled when first needed.

A check of one order then compiles the order process only, not the product
process with its banned-word tables. Compiling stays what ``load`` does, process
by process, so a compiled process is the same object either way; a process that
does not compile (a cache entry that lied) raises DefinitionError there, and the
entry is forgotten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import rulecache
from .compile import CompiledProcess, compile_process
from .errors import DefinitionError, Finding
from .loader import Document
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


def clean_processes(sources: tuple[tuple[str, str], ...], store: SchemaStore, key: str) -> tuple[LazyProcesses, Tree]:
    """The processes (compiled when first asked for) and the tree of a tree whose cache entry says it
    validated clean; engine.py makes them an Engine (this module never imports it back)."""
    findings: list[Finding] = []
    tree = read_sources(sources, store)
    res = Resources(tree, findings)
    if tree.findings or findings:  # the entry was wrong about this content: say what is wrong
        rulecache.forget(key)
        raise DefinitionError([*tree.findings, *findings])
    by_pid: dict[str, list[Document]] = {}
    for doc in tree.docs.get("Process", []):
        by_pid.setdefault(doc.data["id"], []).append(doc)

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

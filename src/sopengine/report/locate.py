"""Where a finding is, for the CI formats: the record's file and line, the JSON Pointer
inside the input, and the rule's own definition (file and line of the YAML).

Violation rule ids are the compiled rule ids, sometimes with an outcome suffix
(``ORD-x:unverifiable``) or a built-in kind of a step or action (``review.unevaluable``,
``<action>.overdue``; rulebook.py makes and reads them); ``RuleIndex.find`` maps those
back to the rule that declares them so that every SARIF result can link to its definition.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..compile import RuleInfo
from ..results import Result, SourceRef, Violation
from ..rulebook import EVALUATION_ERROR, KIND_SEP, declared, owner

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["EVALUATION_ERROR", "LEVELS", "RuleIndex", "pointer", "record_name", "where"]
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


class RuleIndex:
    """Rule ids to their RuleInfo, per process version: a record is linked to the definition of the
    version that judged it; ``latest`` (versions come oldest first) describes the rule as a whole."""

    def __init__(self, engine: Engine | None) -> None:
        self.by_version: dict[tuple[str, str], dict[str, RuleInfo]] = {}
        self.latest: dict[str, RuleInfo] = {}
        self.definitions: dict[str, dict[str, SourceRef]] = {}
        if engine is not None:
            for proc, info in engine.rules():
                self.by_version.setdefault((proc.id, proc.version), {})[info.id] = info
                self.latest[info.id] = info
                self.definitions.setdefault(info.id, {})[proc.key] = info.source

    def find(self, rule: str, process: str | None = None, version: str | None = None) -> RuleInfo | None:
        table = self.by_version.get((process or "", version or ""))
        return (_lookup(table, rule) if table else None) or _lookup(self.latest, rule)


def _lookup(infos: Mapping[str, RuleInfo], rule: str) -> RuleInfo | None:
    if rule in infos:
        return infos[rule]
    base = declared(rule)
    if base in infos:
        return infos[base]
    prefix = owner(base) + KIND_SEP
    for rid, info in infos.items():  # "<step>.unevaluable" -> any built-in rule of that step
        if rid.startswith(prefix):
            return info
    return None


def pointer(r: Result, v: Violation | None = None) -> str:
    """JSON Pointer of the violation inside the input file (the record's own pointer, then the path in it)."""
    base = r.source.pointer if r.source is not None else ""
    return base + (v.path if v is not None else "")


def record_name(r: Result) -> str:
    if r.record:
        return r.record
    if r.source is not None and r.source.line:
        return f"line {r.source.line}"
    return "(no id)"


def where(src: SourceRef | None) -> tuple[str, int | None, int | None]:
    if src is None:
        return "<input>", None, None
    return src.file, src.line, src.column


def find_srcroot(start: Path | None = None) -> Path:
    """The default source root: the git repository around ``start`` (the working directory),
    found by its ``.git`` (a directory, or a file in a worktree), else ``start`` itself."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / ".git").exists():
            return d
    return here


def relative_to_root(file: str, srcroot: Path | None) -> str | None:
    """``file`` as a POSIX path relative to ``srcroot`` (what GitHub resolves against the
    repository root), or None when it lies outside it or no root is set."""
    if srcroot is None:
        return None
    try:
        absolute = os.path.abspath(file)  # the directory's links resolved, as srcroot's are; not the file's own
        real = Path(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        rel = real.relative_to(srcroot.resolve())
    except ValueError:
        return None
    return rel.as_posix()


def shown_file(file: str, srcroot: Path | None) -> str:
    """A record's or rule's file as CI formats name it: relative to the source root when inside it."""
    if file.startswith("<"):
        return file
    return relative_to_root(file, srcroot) or file


def uri_reference(path: str) -> str:
    """A path as a URI reference: relative paths stay relative, absolute ones become file: URIs."""
    p = Path(path)
    return p.as_uri() if p.is_absolute() else quote(p.as_posix(), safe="/")

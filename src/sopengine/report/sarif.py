"""SARIF 2.1.0, as GitHub code scanning ingests it (``github/codeql-action/upload-sarif``).

Each violation is a result located at the record's file and line, with the JSON
Pointer of the offending value inside the input as a logical location (and in
the result's properties); each rule is a ``reportingDescriptor`` whose help and
properties name the YAML file and line that define it (in each version), and
every result links, as a related location, to the definition in the version of
the process that judged its record, so a reviewer goes from the finding to the
rule in one click. SARIF is one JSON document, so results are buffered.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any, Iterable
from urllib.parse import quote

from ..compile import RuleInfo
from ..results import Result, SourceRef
from . import ReportOptions, Summary, register
from .locate import EVALUATION_ERROR, LEVELS, RuleIndex, pointer, record_name, where

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
GITHUB_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}


def artifact_uri(path: str) -> str:
    """A URI reference for a file path: relative paths stay relative (GitHub resolves them
    against the repository root), absolute ones become file: URIs."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def physical(src: SourceRef | None) -> dict[str, Any] | None:
    file, line, col = where(src)
    if src is None or file.startswith("<"):
        return None
    loc: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(file)}}
    if line:
        loc["region"] = {"startLine": line, "startColumn": col or 1}
    return loc


class _Rules:
    """The run's rule table, built as results need rules (ids that no definition declares included)."""

    def __init__(self, engine: Any) -> None:
        self.rules = RuleIndex(engine)
        self.index: dict[str, int] = {}
        self.descriptors: list[dict[str, Any]] = []

    def get(self, rule: str, severity: str, r: Result) -> tuple[int, RuleInfo | None]:
        """The descriptor's index, and the rule as the version that judged ``r`` defines it."""
        if rule == EVALUATION_ERROR:
            info = None
        else:
            info = self.rules.find(rule, r.process, r.version)
        if rule not in self.index:
            self.index[rule] = len(self.descriptors)
            self.descriptors.append(self._descriptor(rule, self.rules.find(rule) if info else None, severity))
        return self.index[rule], info

    def _descriptor(self, rule: str, info: RuleInfo | None, severity: str) -> dict[str, Any]:
        if rule == EVALUATION_ERROR:
            title, clauses, where_txt, sev = "A record that could not be evaluated", (), "", "error"
        else:
            title = info.title if info is not None else rule
            clauses, sev = (info.clauses, info.severity) if info is not None else ((), severity)
            where_txt = f"{info.source.file}:{info.source.line}" if info is not None else ""
        cites = f"Implements manual clause(s) {', '.join(clauses)}." if clauses else ""
        defined = f"Defined at {where_txt}." if where_txt else ""
        text = " ".join(x for x in (title + ".", cites, defined) if x)
        md = f"**{title}**\n\n" + (f"Manual clauses: {', '.join(f'`{c}`' for c in clauses)}\n\n" if clauses else "") + (
            f"Rule definition: `{where_txt}`" if where_txt else "")
        props: dict[str, Any] = {"tags": ["sopengine", *clauses], "clauses": list(clauses),
                                 "problem.severity": GITHUB_SEVERITY[sev], "precision": "very-high"}
        if info is not None:
            props["kind"] = info.kind
            props["definition"] = info.source.to_dict()
            props["definitions"] = {k: str(src) for k, src in self.rules.definitions.get(info.id, {}).items()}
        return {"id": rule, "name": rule, "shortDescription": {"text": title}, "fullDescription": {"text": text},
                "defaultConfiguration": {"level": LEVELS[sev]}, "help": {"text": text, "markdown": md.strip()},
                "properties": props}


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _result(rules: _Rules, r: Result, rule: str, severity: str, message: str, ptr: str,
            props: dict[str, Any]) -> dict[str, Any]:
    idx, info = rules.get(rule, severity, r)
    loc: dict[str, Any] = {}
    phys = physical(r.source)
    if phys is not None:
        loc["physicalLocation"] = phys
    name = record_name(r)
    loc["logicalLocations"] = [{"name": ptr or "/", "fullyQualifiedName": f"{name}{ptr}", "kind": "object"}]
    out: dict[str, Any] = {
        "ruleId": rule, "ruleIndex": idx, "level": LEVELS[severity],
        "message": {"text": f"{name}: {message}"},
        "locations": [loc],
        "partialFingerprints": {"sopengineFinding/v1": _fingerprint(r.process, name, rule, ptr)},
        "properties": {"record": r.record, "process": r.process, "version": r.version, "pointer": ptr, **props},
    }
    rule_loc = physical(info.source) if info is not None else None
    if rule_loc is not None:
        out["relatedLocations"] = [{"id": 1, "physicalLocation": rule_loc,
                                    "message": {"text": f"rule {info.id} is defined here"}}]
    return out


@register("sarif")
def write_sarif(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    rules = _Rules(opts.engine)
    found: list[dict[str, Any]] = []
    for r in results:
        s.add(r)
        if r.error is not None:
            found.append(_result(rules, r, EVALUATION_ERROR, "error", r.error, pointer(r), {"error": r.error}))
        for v in r.violations:
            found.append(_result(rules, r, v.rule, v.severity, v.messages.get(opts.lang), pointer(r, v),
                                 {"severity": v.severity, "clauses": list(v.clauses), "evidence": dict(v.evidence)}))
    driver: dict[str, Any] = {"name": "sopengine", "rules": rules.descriptors}
    if opts.tool_version:
        driver["version"] = driver["semanticVersion"] = opts.tool_version
    log = {"$schema": SCHEMA_URI, "version": "2.1.0",
           "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                     "invocations": [{"executionSuccessful": True}], "results": found}]}
    json.dump(log, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
    return s

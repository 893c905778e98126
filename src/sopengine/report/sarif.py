"""SARIF 2.1.0, as GitHub code scanning ingests it (``github/codeql-action/upload-sarif``).

Each violation is a result located at the record's file and line, with the JSON
Pointer of the offending value inside the input as a logical location (and in
the result's properties); each rule is a ``reportingDescriptor`` whose help and
properties name the YAML file and line that define it (in each version), and
every result links, as a related location, to the definition in the version of
the process that judged its record, so a reviewer goes from the finding to the
rule in one click.

What code scanning needs to keep every finding apart and in place:

- one run per process, each with its own ``automationDetails`` category
  (``sopengine/<process>/``): an upload holds one run per category, at most 20;
- a ``partialFingerprints`` entry per result (report/fingerprint.py: record,
  process, rule, pointer and decisive evidence), made unique within the run, so
  three banned words in one title are three alerts, not one;
- URIs relative to the source root (``uriBaseId: SRCROOT``, declared in
  ``originalUriBaseIds``), so they resolve against the repository whatever the
  working directory; records from stdin are an artifact of their own;
- at most ``max_results`` results per run (GitHub shows 5,000 and rejects a run
  over 25,000): the most severe are kept, and the run's notifications say how
  many of each severity were left out.

SARIF is one JSON document, so results are buffered.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..compile import RuleInfo
from ..results import SEVERITY_RANK, Result, SourceRef
from .base import ReportOptions, Summary, register
from .fingerprint import FINGERPRINT_KEY, fingerprint
from .locate import (
    EVALUATION_ERROR,
    LEVELS,
    RuleIndex,
    pointer,
    record_name,
    relative_to_root,
    uri_reference,
    where,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
GITHUB_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
SRCROOT = "SRCROOT"
STDIN = "<stdin>"
UNKNOWN_PROCESS = "unknown-process"  # records whose process the rules do not define share one run
NO_RECORDS = "no-records"
MAX_TAGS = 10  # GitHub keeps 10 tags of a rule (and rejects more than 20)
CAPPED = "sopengine.results-capped"


class Locator:
    """Artifact locations of one log: relative to the source root where possible; stdin as an artifact."""

    def __init__(self, srcroot: Path | None) -> None:
        self.srcroot = srcroot

    def artifact(self, file: str) -> dict[str, Any]:
        if file == STDIN:
            return {"uri": "stdin", "index": 0}
        if self.srcroot is None:  # no root given (library use): the path as the result names it
            return {"uri": uri_reference(file)}
        rel = relative_to_root(file, self.srcroot)
        if rel is not None:
            return {"uri": uri_reference(rel), "uriBaseId": SRCROOT}
        return {"uri": uri_reference(str(Path(file).absolute()))}  # outside the root: an absolute file: URI

    def physical(self, src: SourceRef | None) -> dict[str, Any] | None:
        file, line, col = where(src)
        if src is None or (file.startswith("<") and file != STDIN):
            return None
        loc: dict[str, Any] = {"artifactLocation": self.artifact(file)}
        if line:
            loc["region"] = {"startLine": line, "startColumn": col or 1}
        return loc


class _Rules:
    """One run's rule table, built as results need rules (ids that no definition declares included)."""

    def __init__(self, rules: RuleIndex, locator: Locator) -> None:
        self.rules = rules
        self.locator = locator
        self.index: dict[str, int] = {}
        self.descriptors: list[dict[str, Any]] = []

    def get(self, rule: str, severity: str, r: Result) -> tuple[int, RuleInfo | None]:
        """The descriptor's index, and the rule as the version that judged ``r`` defines it."""
        info = None if rule == EVALUATION_ERROR else self.rules.find(rule, r.process, r.version)
        if rule not in self.index:
            self.index[rule] = len(self.descriptors)
            self.descriptors.append(self._descriptor(rule, self.rules.find(rule) if info else None, severity))
        return self.index[rule], info

    def _descriptor(self, rule: str, info: RuleInfo | None, severity: str) -> dict[str, Any]:
        clauses: tuple[str, ...]
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
        props: dict[str, Any] = {"tags": ["sopengine", *clauses][:MAX_TAGS], "clauses": list(clauses),
                                 "problem.severity": GITHUB_SEVERITY[sev], "precision": "very-high"}
        if info is not None:
            props["kind"] = info.kind
            props["definition"] = info.source.to_dict()
            props["definitions"] = {k: str(src) for k, src in self.rules.definitions.get(info.id, {}).items()}
        return {"id": rule, "name": rule, "shortDescription": {"text": title}, "fullDescription": {"text": text},
                "defaultConfiguration": {"level": LEVELS[sev]}, "help": {"text": text, "markdown": md.strip()},
                "properties": props}


class _Run:
    """The findings of one process: results in arrival order, each with the rank it is capped by."""

    def __init__(self, category: str, rules: _Rules) -> None:
        self.category = category
        self.rules = rules
        self.found: list[tuple[int, int, dict[str, Any]]] = []  # (-severity rank, arrival, result)
        self.prints: Counter[str] = Counter()

    def add(self, r: Result, rule: str, severity: str, message: str, path: str, evidence: dict[str, Any],
            props: dict[str, Any]) -> None:
        idx, info = self.rules.get(rule, severity, r)
        ptr = pointer(r) + path
        name = record_name(r)
        loc: dict[str, Any] = {}
        phys = self.rules.locator.physical(r.source)
        if phys is not None:
            loc["physicalLocation"] = phys
        loc["logicalLocations"] = [{"name": ptr or "/", "fullyQualifiedName": f"{name}{ptr}", "kind": "object"}]
        # an id-less record is known by its place in its file; the same finding twice (a record given
        # twice) is numbered, so that no two results of a run share a fingerprint
        ident = r.record or f"{where(r.source)[0]}#{pointer(r)}"
        fp = fingerprint(ident, r.process, rule, path, evidence)
        self.prints[fp] += 1
        if self.prints[fp] > 1:
            fp = f"{fp}:{self.prints[fp]}"
        out: dict[str, Any] = {
            "ruleId": rule, "ruleIndex": idx, "level": LEVELS[severity],
            "message": {"text": f"{name}: {message}"},
            "locations": [loc],
            "partialFingerprints": {FINGERPRINT_KEY: fp},
            "properties": {"record": r.record, "process": r.process, "version": r.version, "pointer": ptr,
                           "severity": severity, **props},
        }
        rule_loc = self.rules.locator.physical(info.source) if info is not None else None
        if info is not None and rule_loc is not None:
            out["relatedLocations"] = [{"id": 1, "physicalLocation": rule_loc,
                                        "message": {"text": f"rule {info.id} is defined here"}}]
        self.found.append((-SEVERITY_RANK[severity], len(self.found), out))

    def to_sarif(self, driver: dict[str, Any], cap: int, stdin_used: bool, srcroot: Path | None) -> dict[str, Any]:
        ranked = sorted(self.found, key=lambda x: (x[0], x[1]))
        kept, dropped = ranked[:cap], ranked[cap:]
        invocation: dict[str, Any] = {"executionSuccessful": True}
        if dropped:
            by_sev = Counter(res["properties"]["severity"] for _, _, res in dropped)
            parts = ", ".join(f"{by_sev[s]} {s}" for s in ("error", "warning", "info") if by_sev[s])
            invocation["toolExecutionNotifications"] = [{
                "descriptor": {"id": CAPPED}, "level": "warning",
                "message": {"text": f"{len(dropped)} of {len(ranked)} results left out ({parts}): --max-results {cap} "
                                    f"keeps the most severe. Every finding is in --format json."},
                "properties": {"left_out": len(dropped), "total": len(ranked), "left_out_by_severity": dict(by_sev)}}]
        run: dict[str, Any] = {
            "tool": {"driver": {**driver, "rules": self.rules.descriptors}},
            "automationDetails": {"id": f"sopengine/{self.category}/",
                                  "description": {"text": f"sopengine findings on {self.category} records"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": [res for _, _, res in kept],
        }
        if srcroot is not None:
            run["originalUriBaseIds"] = {SRCROOT: {"uri": srcroot.resolve().as_uri() + "/",
                                                   "description": {"text": "the source root (--srcroot)"}}}
        if stdin_used:
            run["artifacts"] = [{"location": {"uri": "stdin"}, "roles": ["analysisTarget"],
                                 "description": {"text": "records read from standard input"}}]
        return run


@register("sarif")
def write_sarif(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    index = RuleIndex(opts.engine)
    known = set(opts.engine.process_ids) if opts.engine is not None else None
    locator = Locator(opts.srcroot)
    runs: dict[str, _Run] = {}
    stdin_used: set[str] = set()
    for r in results:
        s.add(r)
        category = r.process if r.process and (known is None or r.process in known) else UNKNOWN_PROCESS
        if category not in runs:
            runs[category] = _Run(category, _Rules(index, locator))
        run = runs[category]
        if r.source is not None and r.source.file == STDIN:
            stdin_used.add(category)
        if r.error is not None:
            run.add(r, EVALUATION_ERROR, "error", r.error, "", {"error": r.error}, {"error": r.error})
        for v in r.violations:
            run.add(r, v.rule, v.severity, v.messages.get(opts.lang), v.path, dict(v.evidence),
                    {"clauses": list(v.clauses), "evidence": dict(v.evidence)})
        for u in r.unverified:  # not checked: SARIF's notApplicable, whose level must be "none" (SARIF 2.1.0 3.27.9)
            run.add(r, u.rule, "info", f"not checked: the record lacks {', '.join(u.needs)}, optional data the shop does "
                    "not declare it records", "", {"needs": list(u.needs)}, {"clauses": list(u.clauses), "needs": list(u.needs)})
            _, arrival, res = run.found[-1]
            res.update(kind="notApplicable", level="none")
            run.found[-1] = (0, arrival, res)  # ranked after every finding: --max-results drops these first
    if not runs:  # no record at all: one empty run, so that the log still says what ran
        runs[NO_RECORDS] = _Run(NO_RECORDS, _Rules(index, locator))
    driver: dict[str, Any] = {"name": "sopengine"}
    if opts.tool_version:
        driver["version"] = driver["semanticVersion"] = opts.tool_version
    log = {"$schema": SCHEMA_URI, "version": "2.1.0",
           "runs": [runs[c].to_sarif(driver, opts.max_results, c in stdin_used, opts.srcroot) for c in runs]}
    json.dump(log, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
    return s

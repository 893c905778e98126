"""Rules-tree findings (``sopengine validate``) as CI formats: SARIF and GitHub annotations.

A rule author's CI wants a schema error or a lint finding where it is, on the
YAML line, like any other code-scanning alert: a SARIF run of its own category
(``sopengine/validate/``) whose rules are the kinds of finding (``schema``,
``unknown-role`` ...), each result fingerprinted by file, JSON Pointer, kind
and message (a rules file has no record id; the pointer is stable while lines
move), or GitHub annotations on those lines, the most severe first.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ..errors import Finding
from .fingerprint import FINGERPRINT_KEY, fingerprint
from .github import PER_KIND, command
from .locate import LEVELS, shown_file
from .sarif import SCHEMA_URI, SRCROOT, Locator

_RANK = {"error": 2, "warning": 1, "info": 0}


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: -_RANK[f.severity])  # stable: file order within a severity


def write_findings_sarif(findings: Sequence[Finding], out: IO[str], srcroot: Path | None, tool_version: str) -> None:
    locator = Locator(srcroot)
    index: dict[str, int] = {}
    rules: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    prints: Counter[str] = Counter()
    for f in _ordered(findings):
        code = f"sopengine.rules.{f.code or 'finding'}"
        if code not in index:
            index[code] = len(rules)
            rules.append({"id": code, "name": code, "shortDescription": {"text": f"rules tree: {f.code or 'finding'}"},
                          "defaultConfiguration": {"level": LEVELS[f.severity]},
                          "properties": {"tags": ["sopengine", "rules"]}})
        loc = locator.physical(f.source)
        fp = fingerprint(None, "rules", code, f.source.pointer, {"file": shown_file(f.source.file, srcroot),
                                                                "message": f.message})
        prints[fp] += 1
        res: dict[str, object] = {
            "ruleId": code, "ruleIndex": index[code], "level": LEVELS[f.severity],
            "message": {"text": f.message + (f" (hint: {f.hint})" if f.hint else "")},
            "partialFingerprints": {FINGERPRINT_KEY: fp if prints[fp] == 1 else f"{fp}:{prints[fp]}"},
            "properties": {"pointer": f.source.pointer, "code": f.code},
        }
        if loc is not None:
            res["locations"] = [{"physicalLocation": loc}]
        results.append(res)
    driver: dict[str, object] = {"name": "sopengine", "rules": rules}
    if tool_version:
        driver["version"] = driver["semanticVersion"] = tool_version
    run: dict[str, object] = {"tool": {"driver": driver}, "automationDetails": {"id": "sopengine/validate/"},
                              "columnKind": "unicodeCodePoints", "invocations": [{"executionSuccessful": True}],
                              "results": results}
    if srcroot is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": srcroot.resolve().as_uri() + "/"}}
    json.dump({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_findings_github(findings: Sequence[Finding], out: IO[str], srcroot: Path | None) -> None:
    shown: Counter[str] = Counter()
    for f in _ordered(findings):
        file = shown_file(f.source.file, srcroot)
        title = f"sopengine validate: {f.code or 'finding'}"
        message = f.message + (f" [at {f.source.pointer}]" if f.source.pointer else "") + (f" (hint: {f.hint})" if f.hint else "")
        if shown[f.severity] < PER_KIND:
            shown[f.severity] += 1
            out.write(command(f.severity, file, f.source.line, f.source.column, title, message) + "\n")
        else:
            out.write(f"{f.source}: {f.severity}: {message}".replace("\n", " ") + "\n")

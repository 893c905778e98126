"""JUnit XML, as Jenkins (junit plugin) and GitLab (``artifacts:reports:junit``) read it.

One test suite per input file, one test case per record: a record passes when
it has no violation at or above the ``--fail-on`` severity; each such violation
is a ``<failure>`` (type = rule id, message = the violation's message), an
evaluation error is an ``<error>``, and what is below the threshold (lesser
violations, next actions) goes to the case's ``<system-out>`` so that nothing
the text report says is lost. Built with ElementTree, so every value is escaped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import IO, Iterable

from ..results import SEVERITY_RANK, Result
from . import ReportOptions, Summary, register
from .locate import pointer, record_name, where

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: object) -> str:
    """XML 1.0 cannot hold control characters at all, escaped or not; a record may contain them."""
    return _NOT_XML.sub("\ufffd", str(text))


def _case(r: Result, opts: ReportOptions, threshold: int | None) -> tuple[ET.Element, str | None]:
    file, line, _col = where(r.source)
    case = ET.Element("testcase", {"classname": _x(f"sopengine.{r.process or 'unknown'}"), "name": _x(record_name(r)),
                                   "file": _x(file), "time": "0"})
    if line:
        case.set("line", str(line))
    outcome = None
    if r.error is not None:
        err = ET.SubElement(case, "error", {"type": "evaluation-error", "message": _x(r.error)})
        err.text = _x(f"{file}:{line or ''} {record_name(r)}: {r.error}")
        outcome = "error"
    rest = []
    for v in r.violations:
        msg = v.messages.get(opts.lang)
        detail = (f"{v.severity} {v.rule} [{', '.join(v.clauses)}]\n{msg}\nat {file}:{line or ''} pointer {pointer(r, v) or '/'}\n"
                  f"evidence: {json.dumps(dict(v.evidence), ensure_ascii=False, default=str)}")
        if threshold is not None and SEVERITY_RANK[v.severity] >= threshold:
            f = ET.SubElement(case, "failure", {"type": _x(v.rule), "message": _x(f"{v.rule}: {msg}")})
            f.text = _x(detail)
            outcome = outcome or "failure"
        else:
            rest.append(detail)
    for a in r.next_actions:
        rest.append(f"next {a.action} ({a.role}) due {a.due or '-'}{' OVERDUE' if a.overdue else ''}: {a.title.get(opts.lang)}")
    if rest:
        ET.SubElement(case, "system-out").text = _x("\n".join(rest))
    return case, outcome


@register("junit")
def write_junit(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    threshold = None if opts.fail_on == "never" else SEVERITY_RANK[opts.fail_on]
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        s.add(r)
        file = where(r.source)[0]
        if file not in suites:
            suites[file] = ET.Element("testsuite", {"name": _x(file)})
            counts[file] = {"tests": 0, "failures": 0, "errors": 0}
        case, outcome = _case(r, opts, threshold)
        suites[file].append(case)
        counts[file]["tests"] += 1
        if outcome == "failure":
            counts[file]["failures"] += 1
        elif outcome == "error":
            counts[file]["errors"] += 1
    root = ET.Element("testsuites", {"name": "sopengine"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, suite in suites.items():
        for k, n in counts[file].items():
            suite.set(k, str(n))
            totals[k] += n
        suite.set("skipped", "0")
        suite.set("time", "0")
        root.append(suite)
    for k, n in totals.items():
        root.set(k, str(n))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
    return s

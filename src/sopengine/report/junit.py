"""JUnit XML, as Jenkins (junit plugin, its junit-10 schema) and GitLab (``artifacts:reports:junit``) read it.

Both show one ``<failure>`` per test case; a case with several lost all but one
(26 of 91 violations of the examples vanished). So ``check`` writes, per input
file a test suite, and in it per record:

- one case named by the record: it passes, or holds the ``<error>`` when the
  record could not be evaluated; its ``<system-out>`` has the next actions;
- one case per rule the record broke (``<record> <rule>``): one ``<failure>``
  when any of that rule's violations reaches ``--fail-on`` (three banned words
  in one title: one failure listing all three), else it passes with them in
  ``<system-out>``, so nothing the text report says is lost.

The attributes are those junit-10 allows (``file`` and ``line`` only on the suite,
not on a case: the record's place is in the failure's text), and every count
agrees with the cases. ``JUnitReport`` is also what ``sopengine test`` writes.
Built with ElementTree, so every value is escaped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from ..results import SEVERITY_RANK, Result, Violation
from .base import ReportOptions, Summary, register
from .locate import pointer, record_name, shown_file, where

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: object) -> str:
    """XML 1.0 cannot hold control characters at all, escaped or not; a record may contain them."""
    return _NOT_XML.sub("\ufffd", str(text))


@dataclass
class _Suite:
    element: ET.Element
    counts: dict[str, int] = field(default_factory=lambda: {"tests": 0, "failures": 0, "errors": 0, "skipped": 0})


class JUnitReport:
    """Suites of test cases, each case with at most one outcome element, counted as it is added."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.suites: dict[str, _Suite] = {}

    def case(self, suite: str, classname: str, name: str, outcome: str | None = None, kind: str = "",
             message: str = "", text: str = "", output: str = "") -> None:
        """Add a case; ``outcome`` is None (passed), "failure", "error" or "skipped"."""
        if suite not in self.suites:
            self.suites[suite] = _Suite(ET.Element("testsuite", {"name": _x(suite), "file": _x(suite)}))
        s = self.suites[suite]
        el = ET.SubElement(s.element, "testcase", {"classname": _x(classname), "name": _x(name), "time": "0"})
        s.counts["tests"] += 1
        if outcome is not None:
            child = ET.SubElement(el, outcome, {"type": _x(kind), "message": _x(message)})
            child.text = _x(text) if text else None
            s.counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
        if output:
            ET.SubElement(el, "system-out").text = _x(output)

    def write(self, out: IO[str]) -> None:
        root = ET.Element("testsuites", {"name": _x(self.name)})
        totals = {"tests": 0, "failures": 0, "errors": 0}  # junit-10 has no "skipped" on <testsuites>
        for s in self.suites.values():
            for k, n in s.counts.items():
                s.element.set(k, str(n))
                if k in totals:
                    totals[k] += n
            s.element.set("time", "0")
            root.append(s.element)
        for k, n in totals.items():
            root.set(k, str(n))
        root.set("time", "0")
        ET.indent(root)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(ET.tostring(root, encoding="unicode"))
        out.write("\n")


def _detail(r: Result, v: Violation, opts: ReportOptions, file: str, line: int | None) -> str:
    return (f"{v.severity} {v.rule} [{', '.join(v.clauses)}]\n{v.messages.get(opts.lang)}\n"
            f"at {file}:{line or ''} pointer {pointer(r, v) or '/'}\n"
            f"evidence: {json.dumps(dict(v.evidence), ensure_ascii=False, default=str)}")


def _add_record(doc: JUnitReport, r: Result, opts: ReportOptions, threshold: int | None) -> None:
    file, line, _col = where(r.source)
    file = shown_file(file, opts.srcroot)
    name, classname = record_name(r), f"sopengine.{r.process or 'unknown'}"
    at = f"{file}:{line}" if line else file
    state = f"state {r.state} ({r.process} {r.version})" if r.state else ""
    actions = [f"next {a.action} ({a.role}) due {a.due or '-'}{' OVERDUE' if a.overdue else ''}: {a.title.get(opts.lang)}"
               for a in r.next_actions]
    output = "\n".join(x for x in (at, state, *actions) if x)
    if r.error is not None:
        doc.case(file, classname, name, "error", "evaluation-error", r.error, f"{at} {name}: {r.error}", output)
    else:
        doc.case(file, classname, name, output=output)
    by_rule: dict[str, list[Violation]] = {}
    for v in r.violations:
        by_rule.setdefault(v.rule, []).append(v)
    for rule, vs in by_rule.items():
        details = "\n\n".join(_detail(r, v, opts, file, line) for v in vs)
        failing = [v for v in vs if threshold is not None and SEVERITY_RANK[v.severity] >= threshold]
        if failing:
            more = f" (+{len(vs) - 1} more)" if len(vs) > 1 else ""
            doc.case(file, classname, f"{name} {rule}", "failure", rule,
                     f"{rule}: {failing[0].messages.get(opts.lang)}{more}", details)
        else:
            doc.case(file, classname, f"{name} {rule}", output=details)
    for u in r.unverified:  # could not be checked: a skipped case saying what it needed
        doc.case(file, classname, f"{name} {u.rule}", "skipped", u.rule,
                 f"{u.rule}: not checked: the record lacks {', '.join(u.needs)}, optional data the shop does not declare "
                 "it records", f"unverified {u.rule} [{', '.join(u.clauses)}] needs: {', '.join(u.needs)}")


@register("junit")
def write_junit(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    threshold = None if opts.fail_on == "never" else SEVERITY_RANK[opts.fail_on]
    doc = JUnitReport("sopengine")
    for r in results:
        s.add(r)
        _add_record(doc, r, opts, threshold)
    doc.write(out)
    return s

"""What Jenkins' junit-10 schema and GitLab's JUnit reader require of a report, checked element
by element: the allowed elements and attributes at each level, one outcome per test case
(both show only one), and counts on every suite and on the root that agree with the cases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

ROOT_ATTRS = {"name", "time", "tests", "failures", "errors"}
SUITE_ATTRS = {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id",
               "package", "file", "log", "url"}
SUITE_REQUIRED = {"name", "tests", "failures", "errors"}
SUITE_CHILDREN = {"testsuite", "properties", "testcase", "system-out", "system-err"}
CASE_ATTRS = {"name", "time", "classname", "group"}
OUTCOMES = {"failure", "error", "skipped"}
CASE_CHILDREN = OUTCOMES | {"rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"}
SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")


def problems(xml_text: str) -> list[str]:
    """Every way ``xml_text`` breaks the rules above; [] for a report both readers take whole."""
    assert xml_text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml_text.split("\n", 1)[1])
    found: list[str] = []
    if root.tag != "testsuites":
        return [f"root is <{root.tag}>"]
    found += [f"<testsuites {a}>" for a in set(root.attrib) - ROOT_ATTRS]
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        if suite.tag != "testsuite":
            found.append(f"<{suite.tag}> in <testsuites>")
            continue
        name = suite.get("name")
        found += [f"suite {name}: attribute {a}" for a in set(suite.attrib) - SUITE_ATTRS]
        found += [f"suite {name}: no {a}" for a in SUITE_REQUIRED - set(suite.attrib)]
        if "time" in suite.attrib and not SUREFIRE_TIME.fullmatch(suite.get("time", "")):
            found.append(f"suite {name}: time {suite.get('time')!r}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            if case.tag not in SUITE_CHILDREN:
                found.append(f"suite {name}: <{case.tag}>")
            if case.tag != "testcase":
                continue
            counts["tests"] += 1
            label = f"case {case.get('name')!r}"
            if not case.get("name"):
                found.append(f"suite {name}: a case without a name")
            found += [f"{label}: attribute {a}" for a in set(case.attrib) - CASE_ATTRS]
            outcomes = [c for c in case if c.tag in OUTCOMES]
            found += [f"{label}: <{c.tag}>" for c in case if c.tag not in CASE_CHILDREN]
            if len(outcomes) > 1:
                found.append(f"{label}: {len(outcomes)} outcomes ({', '.join(c.tag for c in outcomes)}); readers show one")
            for c in outcomes:
                found += [f"{label}: <{c.tag} {a}>" for a in set(c.attrib) - {"type", "message"}]
                found += [f"{label}: <{c.tag}> holds <{g.tag}>" for g in c]
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[c.tag]] += 1
        for k, n in counts.items():
            if k in suite.attrib and suite.get(k) != str(n):
                found.append(f"suite {name}: {k}={suite.get(k)} but {n} cases")
            if k in totals:
                totals[k] += n
    for k, n in totals.items():
        if root.get(k) != str(n):
            found.append(f"<testsuites {k}={root.get(k)}> but {n} in the suites")
    return found


def cases(xml_text: str) -> list[ET.Element]:
    return ET.fromstring(xml_text.split("\n", 1)[1]).findall("./testsuite/testcase")

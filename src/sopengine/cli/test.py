"""``sopengine test [--rules DIR]``: run the RuleTests beside the rules; optionally measure coverage.

Exit 0 all passed (and coverage at or above --min-coverage), 1 a case failed, no
case ran, or coverage fell short, 2 a case could not be judged (bad record_ref,
unknown rule or state in an expectation, no ``now``) or the rules do not load.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..tools.ruletests import CaseOutcome

from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_rules_arg

KIND_NAMES = {"check": "checks", "step": "steps", "rule": "step rules", "clause": "clauses"}
WHY = {"check": "never both fires and passes in a test", "rule": "never both fires and passes in a test",
       "step": "no test performs it", "clause": "no test both cites it in a violation and passes without it"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("test", help="run the rule tests (kind RuleTests) beside the rules",
                       description="Run every RuleTests case of the rules tree; a failing case shows expected against actual. "
                                   "Exit 0 pass, 1 failures or coverage below --min-coverage, 2 bad test input.")
    add_rules_arg(p, positional=True)
    p.add_argument("-k", dest="select", metavar="TEXT", help="run only cases whose suite id or name contains TEXT")
    p.add_argument("--coverage", action="store_true",
                   help="report the checks, steps, step rules and clauses that no test exercises")
    p.add_argument("--min-coverage", type=float, metavar="P", help="fail when coverage is below P percent (implies --coverage)")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    p.add_argument("--format", choices=["text", "json", "junit"], default="text",
                   help="text (default); json (every case); junit (a test case per rule test, for Jenkins and GitLab)")
    p.set_defaults(run=run)


def _case_dict(o: CaseOutcome) -> dict[str, Any]:
    return {"suite": o.suite, "name": o.name, **o.source.to_dict(), "process": o.process, "now": o.now,
            "record": o.result.record if o.result is not None else None,
            "outcome": "passed" if o.passed else "could-not-run" if o.problems else "failed",
            "failures": list(o.failures), "problems": list(o.problems)}


def _write_junit(outcomes: list[CaseOutcome]) -> None:
    """A JUnit case per rule test: a failure holds every unmet expectation, a case that could
    not be judged is an error, one outcome per case as Jenkins and GitLab show it."""
    from ..report.junit import JUnitReport

    doc = JUnitReport("sopengine test")
    for o in outcomes:
        where = f"{o.source.file}:{o.source.line}"
        classname = f"sopengine.tests.{o.suite}"
        if o.problems:
            doc.case(o.source.file, classname, o.name, "error", "could-not-run", o.problems[0],
                     "\n".join(o.describe()), where)
        elif o.failures:
            more = f" (+{len(o.failures) - 1} more)" if len(o.failures) > 1 else ""
            doc.case(o.source.file, classname, o.name, "failure", "expectation", o.failures[0].split("\n")[0] + more,
                     "\n".join(o.describe()), where)
        else:
            doc.case(o.source.file, classname, o.name, output=where)
    doc.write(sys.stdout)


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..tools.firings import Evidence, observe, rule_coverage
    from ..tools.ruletests import duplicate_names, run_tests

    engine = load(args.rules, profile="full")  # rule tests exercise every rule: all optional data recorded
    dups = duplicate_names(engine)
    for d in dups:
        print(d, file=sys.stderr)
    result = run_tests(engine, args.select)
    n = len(result.outcomes)
    failed, broken = len(result.failed), len(result.broken)
    line = f"{n} case(s): {n - failed - broken} passed, {failed} failed, {broken} could not run"
    if args.format == "json":
        json.dump({"cases": [_case_dict(o) for o in result.outcomes],
                   "summary": {"cases": n, "passed": n - failed - broken, "failed": failed, "could_not_run": broken}},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        print(line, file=sys.stderr)
    elif args.format == "junit":
        _write_junit(result.outcomes)
        print(line, file=sys.stderr)
    else:
        for o in result.outcomes:
            if not o.passed:
                print("\n".join(o.describe()))
            elif args.verbose:
                print(f"ok    {o.source.file}:{o.source.line}: {o.suite} / {o.name}")
        print(line)
    code = EXIT_USAGE if broken or dups else EXIT_FINDINGS if failed or not n else EXIT_OK
    if not n:
        print("sopengine: no test cases found" + (f" matching {args.select!r}" if args.select else
                                                  " (write kind: RuleTests files beside the rules)"), file=sys.stderr)
    if args.coverage or args.min_coverage is not None:
        say = print if args.format == "text" else partial(print, file=sys.stderr)  # machine output stays parseable
        ev = Evidence(observe(o.result, o.label) for o in result.outcomes if o.result is not None)
        cov = rule_coverage(engine, ev)
        parts = ", ".join(f"{KIND_NAMES[k]} {c}/{t}" for k, (c, t) in cov.by_kind().items())
        say(f"coverage: {cov.percent:.1f}% ({len(cov.covered)} of {len(cov.units)}): {parts}")
        for pid, (c, t) in cov.by_process().items():
            say(f"  {pid}: {100.0 * c / t:.1f}% ({c} of {t})")
        missing = cov.missing()
        if missing:
            say("not exercised:")
        for u in missing:
            where = f"{u.source}: " if u.source else ""
            say(f"  {where}{u.process} {u.kind} {u.id}: {WHY[u.kind]}")
        if args.min_coverage is not None and cov.percent < args.min_coverage:
            print(f"sopengine: coverage {cov.percent:.1f}% is below --min-coverage {args.min_coverage:g}%", file=sys.stderr)
            code = max(code, EXIT_FINDINGS)
    return code

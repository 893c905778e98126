"""``sopengine test [RULES]``: run the RuleTests beside the rules; optionally measure coverage.

Exit 0 all passed (and coverage at or above --min-coverage), 1 a case failed, no
case ran, or coverage fell short, 2 a case could not be judged (bad record_ref,
unknown rule or state in an expectation, no ``now``) or the rules do not load.
"""

from __future__ import annotations

import argparse
import sys

from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

KIND_NAMES = {"check": "checks", "step": "steps", "rule": "step rules", "clause": "clauses"}
WHY = {"check": "never both fires and passes in a test", "rule": "never both fires and passes in a test",
       "step": "no test performs it", "clause": "no test both cites it in a violation and passes without it"}


def add_parser(sub) -> None:
    p = sub.add_parser("test", help="run the rule tests (kind RuleTests) beside the rules",
                       description="Run every RuleTests case of the rules tree; a failing case shows expected against actual. "
                                   "Exit 0 pass, 1 failures or coverage below --min-coverage, 2 bad test input.")
    p.add_argument("rules", nargs="?", metavar="RULES", help="rules tree (default: ./rules or the bundled rules)")
    p.add_argument("-k", dest="select", metavar="TEXT", help="run only cases whose suite id or name contains TEXT")
    p.add_argument("--coverage", action="store_true",
                   help="report the checks, steps, step rules and clauses that no test exercises")
    p.add_argument("--min-coverage", type=float, metavar="P", help="fail when coverage is below P percent (implies --coverage)")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..tools.firings import Evidence, observe, rule_coverage
    from ..tools.ruletests import duplicate_names, run_tests

    engine = load(args.rules)
    dups = duplicate_names(engine)
    for d in dups:
        print(d, file=sys.stderr)
    result = run_tests(engine, args.select)
    for o in result.outcomes:
        if not o.passed:
            print("\n".join(o.describe()))
        elif args.verbose:
            print(f"ok    {o.source.file}:{o.source.line}: {o.suite} / {o.name}")
    n = len(result.outcomes)
    failed, broken = len(result.failed), len(result.broken)
    print(f"{n} case(s): {n - failed - broken} passed, {failed} failed, {broken} could not run")
    code = EXIT_USAGE if broken or dups else EXIT_FINDINGS if failed or not n else EXIT_OK
    if not n:
        print("sopengine: no test cases found" + (f" matching {args.select!r}" if args.select else
                                                  " (write kind: RuleTests files beside the rules)"), file=sys.stderr)
    if args.coverage or args.min_coverage is not None:
        ev = Evidence(observe(o.result, o.label) for o in result.outcomes if o.result is not None)
        cov = rule_coverage(engine, ev)
        parts = ", ".join(f"{KIND_NAMES[k]} {c}/{t}" for k, (c, t) in cov.by_kind().items())
        print(f"coverage: {cov.percent:.1f}% ({len(cov.covered)} of {len(cov.units)}): {parts}")
        for pid, (c, t) in cov.by_process().items():
            print(f"  {pid}: {100.0 * c / t:.1f}% ({c} of {t})")
        missing = cov.missing()
        if missing:
            print("not exercised:")
        for u in missing:
            where = f"{u.source}: " if u.source else ""
            print(f"  {where}{u.process} {u.kind} {u.id}: {WHY[u.kind]}")
        if args.min_coverage is not None and cov.percent < args.min_coverage:
            print(f"sopengine: coverage {cov.percent:.1f}% is below --min-coverage {args.min_coverage:g}%", file=sys.stderr)
            code = max(code, EXIT_FINDINGS)
    return code

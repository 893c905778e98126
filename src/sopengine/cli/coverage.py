"""``sopengine coverage [--rules DIR]``: every clause of the manual, what checks it, and the proof.

Evidence comes from the RuleTests of the tree and from example records
(``--examples``, default ``examples/`` beside the rules tree). Exit 0 when every
clause is accounted for (a rule cites it, or it is marked ``checkable: false``
with a reason), 1 when some clause is not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_rules_arg, instant_arg


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("coverage", help="which rules, tests and examples cover each clause of the manual",
                       description="For every clause of the manual: the steps, SLAs and checks that cite it, the test "
                                   "cases and example records that make each of those rules fire and pass, or the "
                                   "stated reason it cannot be checked. Exit 1 when a clause is unaccounted for.")
    add_rules_arg(p, positional=True)
    p.add_argument("--examples", action="append", metavar="PATH",
                   help="example records (file or directory; repeatable; default: examples/ beside the rules tree)")
    p.add_argument("--now", help="evaluation instant for the example records, RFC 3339 with offset (default: now)")
    p.add_argument("--clause", metavar="PREFIX", help="only clauses whose id starts with PREFIX, e.g. ORD or ORD-06")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of clause texts and reasons")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..engine import resolve_rules_dir
    from ..tools.coverage import example_evidence, measure, render_text, summary
    from ..tools.firings import Evidence, observe
    from ..tools.ruletests import run_tests

    now = instant_arg(args.now)
    root = resolve_rules_dir(args.rules)
    engine = load(root, profile="full")  # coverage of the rules as the tests and examples exercise them
    ev = Evidence()
    tests = run_tests(engine)
    for o in tests.outcomes:
        if o.result is not None:
            ev.add(observe(o.result, o.label))
    examples = [Path(p) for p in args.examples] if args.examples else (
        [root.parent / "examples"] if (root.parent / "examples").is_dir() else [])
    n_examples = example_evidence(engine, examples, now, ev) if examples else 0
    try:
        clauses = measure(engine, ev, args.lang)
    except LookupError as exc:
        print(f"sopengine: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.clause:
        clauses = [c for c in clauses if c.id.startswith(args.clause)]
    counts = summary(clauses)
    if args.format == "json":
        doc = {"clauses": [c.to_dict() for c in clauses], "summary": counts,
               "evidence": {"test_cases": len(tests.outcomes), "example_records": n_examples}}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(render_text(clauses)))
        print(f"\n{len(clauses)} clauses: {counts['tested']} tested, {counts['untested']} implemented without a test "
              f"that makes them fire and pass, {counts['not-checkable']} not checkable, {counts['unaccounted']} unaccounted for "
              f"(evidence: {len(tests.outcomes)} test cases, {n_examples} example records)")
        if counts["unaccounted"]:
            print("an unaccounted clause needs a rule that cites it, or `checkable: false` and a `reason` in the manual")
    return EXIT_FINDINGS if counts["unaccounted"] else EXIT_OK

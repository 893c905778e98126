"""``sopengine diff OLD NEW``: semantic changes between two rules trees or two versions of a process.

OLD and NEW are both rules directories, or both ``PROCESS@VERSION`` within one
tree (``--rules``). ``--records`` evaluates records with both sides and shows
which gain or lose which violations. Exit 0 no change, 1 changes, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ReadTally,
    add_rules_arg,
    instant_arg,
)

_REF = re.compile(r"^([a-z][a-z0-9_]*)@(\S+)$")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("diff", help="semantic changes between two versions of the rules, and their impact on records",
                       description="Compare two rules trees (OLD and NEW directories) or two versions of one process "
                                   "(order@1.0.0 order@1.1.0, within --rules): states, steps, SLAs, checks, thresholds, "
                                   "vocabularies, calendars. Exit 0 no change, 1 changes, 2 bad input.")
    p.add_argument("old", metavar="OLD", help="rules directory, or PROCESS@VERSION")
    p.add_argument("new", metavar="NEW", help="rules directory, or PROCESS@VERSION")
    add_rules_arg(p)
    p.add_argument("--records", action="append", metavar="FILE", help="records to evaluate with both sides (repeatable)")
    p.add_argument("--now", help="evaluation instant for --records, RFC 3339 with offset (default: now)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run)


def _usage(msg: str) -> int:
    print(f"sopengine: {msg}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..inputs.records import read_records
    from ..tools.diff import (
        RecordImpact,
        compare_processes,
        compare_trees,
        impact,
        render_changes,
        render_impact,
    )

    now = instant_arg(args.now)
    dirs = [Path(x).is_dir() for x in (args.old, args.new)]
    refs = [_REF.match(x) for x in (args.old, args.new)]
    pins: tuple[str | None, str | None] = (None, None)
    process: str | None = None
    if all(dirs):
        old, new = load(args.old), load(args.new)
        changes = compare_trees(old, new)
    elif (ra := refs[0]) and (rb := refs[1]):
        (pa, va), (pb, vb) = ra.groups(), rb.groups()
        if pa != pb:
            return _usage(f"compare two versions of one process, not {pa} with {pb}")
        old = new = load(args.rules)
        try:
            a, b = old.process(pa, va), new.process(pb, vb)
        except LookupError as exc:
            return _usage(str(exc.args[0] if exc.args else exc))
        changes = compare_processes(a, b)
        pins, process = (va, vb), pa
    else:
        bad = [x for x, d, r in zip((args.old, args.new), dirs, refs) if not d and not r]
        if bad:
            return _usage(f"{bad[0]!r} is neither a rules directory nor PROCESS@VERSION")
        return _usage("OLD and NEW must both be directories or both PROCESS@VERSION")
    n = 0
    impacts: list[RecordImpact] = []
    tally = ReadTally()
    if args.records:
        n, impacts = impact(old, new, tally.watch(read_records(*args.records)), now, pins, process)
    if args.format == "json":
        doc = {"old": args.old, "new": args.new, "changes": [c.to_dict() for c in changes]}
        if args.records:
            doc["records"] = {"evaluated": n, "changed": [i.to_dict() for i in impacts]}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        lines = render_changes(changes) or [f"no semantic change between {args.old} and {args.new}"]
        if args.records:
            lines += [""] + render_impact(n, impacts)
        print("\n".join(lines))
    return tally.exit_code(EXIT_FINDINGS if changes or impacts else EXIT_OK)

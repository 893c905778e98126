"""``sopengine graph PROCESS``: the process's state machine as Mermaid or Graphviz DOT."""

from __future__ import annotations

import argparse
import sys

from . import EXIT_OK, EXIT_USAGE, add_rules_arg, add_process_version_arg


def add_parser(sub) -> None:
    p = sub.add_parser("graph", help="draw a process's state machine (mermaid, dot)",
                       description="Draw PROCESS from its compiled state machine: every transition labelled with its "
                                   "event, the roles allowed and the SLA. Mermaid renders in GitHub Markdown; DOT is for Graphviz.")
    p.add_argument("process", metavar="PROCESS")
    add_rules_arg(p)
    add_process_version_arg(p, "which version (default: the latest)")
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of state titles and tooltips")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..tools.graph import FORMATS

    engine = load(args.rules)
    try:
        proc = engine.process(args.process, args.pin)
    except LookupError as exc:
        print(f"sopengine: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(FORMATS[args.format](proc, args.lang))
    return EXIT_OK

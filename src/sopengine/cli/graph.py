"""``sopengine graph PROCESS``: the process's state machine as Mermaid, Graphviz DOT, SVG or an HTML page."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from .common import EXIT_OK, EXIT_USAGE, add_process_version_arg, add_rules_arg


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("graph", help="draw a process's state machine (mermaid, dot, svg, html)",
                       description="Draw PROCESS from its compiled state machine: every transition labelled with its "
                                   "event, the roles allowed and the SLA. Mermaid renders in GitHub Markdown; DOT is for "
                                   "Graphviz; svg and html are drawn by sopengine itself (no Graphviz needed) and, with "
                                   "--results, coloured by how the records of a batch went.")
    p.add_argument("process", metavar="PROCESS")
    add_rules_arg(p)
    add_process_version_arg(p, "which version (default: the latest; with --results, the one that judged most of them)")
    p.add_argument("--format", choices=["mermaid", "dot", "svg", "html"], default="mermaid")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of state titles and tooltips")
    p.add_argument("--results", metavar="FILE",
                   help="JSON results (check --format json/jsonl; with --explain to count edges): colour each edge by "
                        "the records that took it, each state by the records stuck there, both by rules broken there")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import load
    from ..tools import graph, graph_svg
    from ..tools.graph_counts import flow_of, read_results

    if args.results and args.format not in graph_svg.FORMATS:
        raise UsageError(f"--results needs --format svg or html (not {args.format})")
    engine = load(args.rules)
    if args.results and args.pin is None:  # draw the version that judged most of these records
        from collections import Counter

        seen = Counter(r.get("version") for r in read_results(args.results) if r.get("process") == args.process)
        args.pin = seen.most_common(1)[0][0] if seen else None
    try:
        proc = engine.process(args.process, args.pin)
    except LookupError as exc:
        print(f"sopengine: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.format in graph_svg.FORMATS:
        flow = flow_of(proc, read_results(args.results)) if args.results else None
        sys.stdout.write(graph_svg.FORMATS[args.format](proc, args.lang, flow))
    else:
        sys.stdout.write(graph.FORMATS[args.format](proc, args.lang))
    return EXIT_OK

"""``sopengine check INPUT...``: evaluate records, report, exit by --fail-on."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from ..errors import UsageError
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ReadTally,
    add_process_version_arg,
    add_rules_arg,
    add_srcroot_arg,
    parse_now,
    srcroot_arg,
)
from .output import open_output, output_problem
from .shop import add_shop_args, shop_engine

if TYPE_CHECKING:  # pragma: no cover
    from ..inputs.price_log import PriceTable
    from ..parallel import Judged
    from ..report.base import Summary
    from ..report.baseline import BaselineRun
    from ..results import Result



def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..report import FORMATS

    p = sub.add_parser("check", help="evaluate records against the rules",
                       description="Evaluate records (JSON, JSON Lines, YAML; '-' for stdin; directories recursively).")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    add_rules_arg(p)
    add_shop_args(p)
    p.add_argument("--baseline", metavar="FILE",
                   help="report only findings not in this baseline; say how many were suppressed and which were fixed")
    p.add_argument("--write-baseline", metavar="FILE", help="write today's findings as a baseline (atomically)")
    p.add_argument("--now", help="evaluation instant, RFC 3339 with offset (default: the current time)")
    p.add_argument("--format", default="text", choices=sorted(FORMATS), help="report format (default: text)")
    p.add_argument("--fail-on", default="error", choices=["error", "warning", "info", "never"],
                   help="exit 1 when a violation reaches this severity (default: error)")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of messages (default: en)")
    add_process_version_arg(p, "judge every record by this version of its process")
    p.add_argument("--input-format", choices=["json", "jsonl", "yaml", "parquet"], help="override detection by file extension")
    p.add_argument("--explain", action="store_true", help="include the trace: version chosen and why, each event replayed")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    p.add_argument("--jobs", default="1", type=jobs_arg, metavar="N|auto",
                   help="judge records in N worker processes (auto: one per available core); "
                        "output identical to --jobs 1, in input order (default: 1)")
    p.add_argument("--table", action="append", default=[], metavar="NAME=FILE",
                   help="reference table for the rules (CSV or JSON Lines of sku,date,price), e.g. prices=price_log.csv; "
                        "repeatable")
    add_srcroot_arg(p)
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the text report: auto (default) on a terminal unless NO_COLOR is set")
    p.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                   help="progress bar on stderr: auto (default) when stderr is a terminal the report is not printed to")
    p.add_argument("--max-results", type=int, default=5000, metavar="N",
                   help="SARIF: keep the N most severe results of each process (default: 5000, what GitHub shows; "
                        "it rejects runs over 25000); the run's notifications count what was left out")
    p.set_defaults(run=run)


def jobs_arg(text: str) -> int:
    from ..parallel import cores

    if text == "auto":
        return cores()
    if text.isdigit() and 1 <= int(text) <= 256:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1-256) or 'auto'")


def read_tables(specs: list[str]) -> dict[str, PriceTable]:
    """``--table NAME=FILE`` options as the engine's reference tables; a name given twice is an error."""
    from ..inputs.price_log import TableError, load_price_table, parse_table_option

    tables: dict[str, PriceTable] = {}
    for spec in specs:
        name, path = parse_table_option(spec)
        if name in tables:
            raise TableError(f"--table {name!r} is given twice")
        tables[name] = load_price_table(path)
    return tables


def run(args: argparse.Namespace) -> int:
    from ..inputs.records import expand
    from ..report import FORMATS, ReportOptions

    now = parse_now(args.now)
    tables = read_tables(args.table)
    if args.max_results < 1:
        raise UsageError(f"--max-results must be at least 1, not {args.max_results}")
    srcroot = srcroot_arg(args)
    engine, _cfg = shop_engine(args, tables)
    expand(args.inputs)  # a missing input is a usage error before any output is written
    if args.output and (problem := output_problem(Path(args.output))):
        print(f"sopengine: error: -o {args.output}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from ..report.baseline import BaselineRun, read_baseline

    base = BaselineRun(read_baseline(Path(args.baseline)) if args.baseline else {})  # a bad file: exit 2 before any work
    if args.write_baseline and (problem := output_problem(Path(args.write_baseline))):
        raise UsageError(f"--write-baseline {args.write_baseline}: {problem}")
    from .. import __version__
    from ..inputs.slices import cut
    from ..parallel import Judge, judge_slices
    from ..report.jsonout import FRAMES, write_parts
    from .console import (
        Clock,
        ColorLines,
        count_records,
        progress,
        show_progress,
        use_color,
    )

    clock = Clock()
    tally = ReadTally()
    opts = ReportOptions(lang=args.lang, trace=args.explain, engine=engine, tool_version=__version__, fail_on=args.fail_on,
                         srcroot=srcroot, max_results=args.max_results, now=now)
    # JSON and JSON Lines are written where the records are judged (a --jobs worker), as bytes; a
    # baseline needs the results themselves, as every other format does
    frame = FRAMES.get(args.format) if not (args.baseline or args.write_baseline) else None
    judged = judge_slices(Judge(engine, now, args.pin, frame, opts), cut(args.inputs, args.input_format), args.jobs)
    judged = _tallied(judged, tally)
    if show_progress(args.progress, report_to_stdout=not args.output):
        judged = progress(judged, count_records(expand(args.inputs)), True, lambda j: j.summary.records)
    if frame is not None:
        parts = ((j.summary, j.data) for j in judged)

        def report(out: IO[str]) -> Summary:
            return write_parts(frame, parts, out)
    else:
        results: Iterator[Result] = (r for j in judged for r in j.results)
        if args.baseline or args.write_baseline:
            results = base.filter(results)

        def report(out: IO[str]) -> Summary:
            return FORMATS[args.format](results, out, opts)
    if args.output:
        with open_output(args.output) as out:
            summary = report(out)
    else:
        wrapper = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=False) if hasattr(sys.stdout, "buffer") else None
        out = wrapper if wrapper is not None else sys.stdout
        # ColorLines has the write and flush of IO[str], all that a report format calls
        painted = cast(IO[str], ColorLines(out)) if args.format == "text" and use_color(args.color, sys.stdout) else out
        summary = report(painted)
        painted.flush()
        out.flush()
        if wrapper is not None:
            wrapper.detach()
    if args.output or args.format != "text":  # the text report on stdout ends with this line already
        print(clock.closing_line(summary.records, summary.by_severity, summary.errors), file=sys.stderr)
    report_baseline(args, base)
    return tally.exit_code(EXIT_FINDINGS if summary.fails(args.fail_on) else EXIT_OK)


def _tallied(judged: Iterator[Judged], tally: ReadTally) -> Iterator[Judged]:
    for j in judged:
        tally.add(j.unreadable)
        yield j


def report_baseline(args: argparse.Namespace, base: BaselineRun) -> None:
    """On stderr, so that the report itself stays one format: what the baseline hid, and what no longer occurs."""
    from ..report.baseline import write_baseline

    if args.baseline:
        fixed = base.fixed()
        print(f"sopengine: baseline {args.baseline}: {base.suppressed} known finding(s) suppressed, "
              f"{len(fixed)} fixed (no longer found)", file=sys.stderr)
        for e in fixed:
            print(f"  fixed   {e.get('record')} {e.get('rule')} {e.get('path') or ''}".rstrip(), file=sys.stderr)
    if args.write_baseline:
        n = write_baseline(Path(args.write_baseline), base.current)
        print(f"sopengine: wrote {n} finding(s) to baseline {args.write_baseline}", file=sys.stderr)

"""``sopengine agenda INPUT...``: every open next action across the records, by role, soonest due first."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC

from ..errors import UsageError
from ..text.controls import SafeText
from .common import EXIT_OK, ReadTally, add_rules_arg
from .shop import add_shop_args, shop_engine


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..tools.agenda import DEFAULT_LIMIT
    from ..tools.agenda_out import WRITERS

    p = sub.add_parser("agenda", help="who must do what, by when: open next actions by role",
                       description="Evaluate records and list every open next action, grouped by the responsible role, "
                                   "overdue first (with how late), then by due time. Streams: memory stays flat in the "
                                   "number of records; at most --limit items are kept per role.")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    add_rules_arg(p)
    add_shop_args(p)
    p.add_argument("--now", help="evaluation instant, RFC 3339 with offset (default: the current time)")
    p.add_argument("--role", action="append", default=[], metavar="ROLE",
                   help="only actions whose responsible role is ROLE (repeatable)")
    p.add_argument("--within", metavar="DURATION",
                   help="only actions overdue or due within DURATION of --now (e.g. 4h, 2d); drops those without a due time")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                   help=f"keep the N most urgent actions per role (default {DEFAULT_LIMIT}; 0 keeps all, "
                        "with memory growing with them); what is left out is counted")
    p.add_argument("--format", default="text", choices=sorted(WRITERS), help="output format (default: text)")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of titles and messages (default: en)")
    p.add_argument("--input-format", choices=["json", "jsonl", "yaml"], help="override detection by file extension")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime

    from ..chrono.instants import ValueProblem, parse_duration
    from ..inputs.records import expand, read_inputs
    from ..tools.agenda import Agenda
    from ..tools.agenda_out import WRITERS
    from .common import instant_arg

    now = instant_arg(args.now) or datetime.now(UTC).astimezone()
    try:
        within = parse_duration(args.within) if args.within is not None else None
    except ValueProblem as exc:
        raise UsageError(f"--within: {exc}") from None
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or positive")
    engine, _cfg = shop_engine(args)
    expand(args.inputs)  # a missing input is a usage error before any output is written
    agenda = Agenda(now, lang=args.lang, roles=args.role, within=within, limit=args.limit)
    tally = ReadTally()
    for result in engine.evaluate_many(tally.watch(read_inputs(args.inputs, args.input_format)), now):
        agenda.add(result)
    if hasattr(sys.stdout, "buffer"):  # UTF-8 and CRLF (ics, csv) as written, whatever the locale
        wrapper = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        # text and JSON through the escaping stream as every format; csv and ics escape their fields
        # themselves, since their CR LF line ends are the format's own
        WRITERS[args.format](agenda, SafeText(wrapper) if args.format in ("text", "json") else wrapper)  # type: ignore[arg-type]  # SafeText passes the rest of IO[str] through
        wrapper.flush()
        wrapper.detach()
    else:
        WRITERS[args.format](agenda, sys.stdout)
    if args.format != "text":  # the text format says it inline; tools reading JSON/CSV/ICS get it on stderr
        for role, n in sorted(agenda.left_out.items()):
            print(f"sopengine: agenda: {n} action(s) of role {role} left out (--limit {args.limit})", file=sys.stderr)
    return tally.exit_code(EXIT_OK)

"""What the subcommands share: exit codes and the options several of them take."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class ReadTally:
    """Counts the inputs that could not be read while they stream past: they are reported in
    place, and the run then exits 2 whatever ``--fail-on`` says (a gate must not pass on
    input it never saw)."""

    def __init__(self) -> None:
        self.unreadable = 0

    def watch(self, items: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
        from ..inputs.unreadable import Unreadable

        for rec, src in items:
            if isinstance(rec, Unreadable):
                self.unreadable += 1
            yield rec, src

    def add(self, n: int) -> None:
        """``n`` more inputs that could not be read (counted where they were read: a --jobs worker)."""
        self.unreadable += n

    def exit_code(self, code: int) -> int:
        if not self.unreadable:
            return code
        print(f"sopengine: error: {self.unreadable} input(s) could not be read (each is in the report)", file=sys.stderr)
        return EXIT_USAGE


def add_rules_arg(p: argparse.ArgumentParser, positional: bool = False) -> None:
    """``--rules DIR``, the one spelling of every command; ``positional`` keeps the old ``RULES``
    argument of validate, test and coverage for one release, hidden, with a deprecation warning."""
    p.add_argument("--rules", metavar="DIR", help="rules tree (default: ./rules if it exists, else the bundled rules)")
    if positional:
        p.add_argument("rules_positional", nargs="?", metavar="RULES", help=argparse.SUPPRESS)


def add_process_version_arg(p: argparse.ArgumentParser, help: str) -> None:
    """``--process-version V``; the old ``--version V`` of check and graph (which read as the
    program's version) is kept for one release, hidden, with a deprecation warning."""
    p.add_argument("--process-version", dest="pin", metavar="VERSION", help=help)
    p.add_argument("--version", dest="pin_deprecated", metavar="VERSION", help=argparse.SUPPRESS)


def add_srcroot_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--srcroot", metavar="DIR",
                   help="SARIF and GitHub formats: file paths relative to DIR (default: the git repository around the "
                        "working directory, else the working directory)")


def srcroot_arg(args: argparse.Namespace) -> Path:
    """``--srcroot``, checked, or the default: the repository around the working directory."""
    from ..report.locate import find_srcroot

    if args.srcroot is None:
        return find_srcroot()
    if not Path(args.srcroot).is_dir():
        raise UsageError(f"--srcroot {args.srcroot}: not a directory")
    return Path(args.srcroot)


def deprecated(old: str, new: str) -> None:
    print(f"sopengine: warning: {old} is deprecated and will be removed in the next release; use {new}", file=sys.stderr)


def settle_args(args: argparse.Namespace) -> None:
    """Old spellings mapped onto the new ones (a warning each; both at once is a usage error), and
    the command line's default rules tree: ./rules if there is one (``load()`` alone takes the bundled)."""
    old = getattr(args, "rules_positional", None)
    if old is not None:
        if args.rules is not None and args.rules != old:
            raise UsageError(f"the rules tree is given twice ({old!r} and --rules {args.rules!r}); give --rules only")
        deprecated(f"the rules tree as an argument ('sopengine {args.command} {old}')", f"--rules {old}")
        args.rules = old
    pin = getattr(args, "pin_deprecated", None)
    if pin is not None:
        if args.pin is not None and args.pin != pin:
            raise UsageError(f"the process version is given twice ({pin!r} and --process-version {args.pin!r})")
        deprecated(f"'sopengine {args.command} --version {pin}'", f"--process-version {pin}")
        args.pin = pin
    if "rules" in vars(args):
        # a shop's sopengine.yaml may name the tree too; only a tree named here outranks it
        args.rules_given = args.rules is not None
        if args.rules is None:
            from ..engine import resolve_rules_dir

            args.rules = str(resolve_rules_dir(None))


def parse_now(text: str | None) -> datetime | None:
    """``--now``: an aware RFC 3339 instant; anything else is a UsageError (exit 2)."""
    from ..chrono.instants import ValueProblem, check_instant

    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--now {text!r} is not an RFC 3339 timestamp") from None
    if dt.tzinfo is None:
        raise UsageError(f"--now {text!r} needs an offset, e.g. 2023-06-03T12:00:00+08:00")
    try:
        return check_instant(dt, text)
    except ValueProblem as exc:
        raise UsageError(f"--now: {exc}") from None


def instant_arg(text: str | None) -> datetime | None:
    """``--now`` of the commands other than check: a bad value is a usage error (exit 2) like any other."""
    return parse_now(text)

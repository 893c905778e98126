"""The ``sopengine`` command. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or definition error.

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args) -> int``;
``COMMANDS`` lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..errors import DefinitionError, InputError, OutputError, TableError, UsageError
from ..text.controls import SafeText

COMMANDS = ["check", "agenda", "validate", "test", "coverage", "graph", "diff", "calendar", "completion"]
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 as well; keep its message short and ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"sopengine: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = _Parser(prog="sopengine", description="Executable, versioned rules for the e-commerce operations manual.")
    p.add_argument("--version", action="version", version=f"sopengine {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        import_module(f".{name}", __name__).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Everything it prints passes through ``SafeText``: control and bidi
    characters from data are escaped, and messages on stderr are masked (CS-10)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(out), SafeText(err, mask=True)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settle_args(args)
        code = int(args.run(args))
        sys.stdout.flush()  # a write error must surface here, not in the interpreter's exit
        return code
    except DefinitionError as exc:
        for f in exc.findings:
            print(str(f), file=sys.stderr)
        print(f"sopengine: {sum(f.severity == 'error' for f in exc.findings)} error(s) in the rules", file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, TableError, OutputError) as exc:
        print(f"sopengine: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"sopengine: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `sopengine check ... | head`
        return EXIT_OK
    except OSError as exc:  # `> /dev/full`: what was printed is lost, and the run must not look clean
        _discard_stdout()
        print(f"sopengine: error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what could not be written
    does not fail again (and change the exit code to 120) after the error has been reported."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def instant_arg(text: str | None):
    """``--now`` of the commands other than check: a bad value is a usage error (exit 2) like any other."""
    from .check import parse_now

    return parse_now(text)


class ReadTally:
    """Counts the inputs that could not be read while they stream past: they are reported in
    place, and the run then exits 2 whatever ``--fail-on`` says (a gate must not pass on
    input it never saw)."""

    def __init__(self) -> None:
        self.unreadable = 0

    def watch(self, items: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
        from ..inputs.records import Unreadable

        for rec, src in items:
            if isinstance(rec, Unreadable):
                self.unreadable += 1
            yield rec, src

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
    if "rules" in vars(args) and args.rules is None:
        from ..engine import resolve_rules_dir

        args.rules = str(resolve_rules_dir(None))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

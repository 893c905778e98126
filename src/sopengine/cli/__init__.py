"""The ``sopengine`` command. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or definition error.

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args) -> int``;
``COMMANDS`` lists them in the order ``--help`` shows them. What they share (exit
codes, the --rules and --now options) is in ``common.py``, never imported from here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from ..errors import (
    ConfigError,
    DefinitionError,
    InputError,
    OutputError,
    TableError,
    UsageError,
)
from ..text.controls import SafeText
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ReadTally,
    add_process_version_arg,
    add_rules_arg,
    add_srcroot_arg,
    deprecated,
    instant_arg,
    settle_args,
    srcroot_arg,
)

__all__ = [
    "COMMANDS",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "ReadTally",
    "add_process_version_arg",
    "add_rules_arg",
    "add_srcroot_arg",
    "build_parser",
    "deprecated",
    "instant_arg",
    "main",
    "settle_args",
    "srcroot_arg",
]

COMMANDS = ["check", "agenda", "config", "validate", "test", "coverage", "graph", "diff", "calendar", "completion"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 as well; keep its message short and ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"sopengine: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; given a ``command`` of COMMANDS, of that one alone, which parses a run
    of it the same (a subcommand takes every argument after its name) without importing and building
    the others (~9 ms of a cold check). Anything else (no command, ``--help``, a typo) gets them all."""
    from .. import __version__

    p = _Parser(prog="sopengine", description="Executable, versioned rules for the e-commerce operations manual.")
    p.add_argument("--version", action="version", version=f"sopengine {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in [command] if command in COMMANDS else COMMANDS:
        import_module(f".{name}", __name__).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Everything it prints passes through ``SafeText``: control and bidi
    characters from data are escaped, and messages on stderr are masked (CS-10)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(out), SafeText(err, mask=True)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0] if words else None).parse_args(words)
    try:
        settle_args(args)
        code = int(args.run(args))
        sys.stdout.flush()  # a write error must surface here, not in the interpreter's exit
        return code
    except DefinitionError as exc:
        for f in exc.findings:
            print(str(f), file=sys.stderr)
        what = "configuration" if isinstance(exc, ConfigError) else "rules"
        print(f"sopengine: {sum(f.severity == 'error' for f in exc.findings)} error(s) in the {what}", file=sys.stderr)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

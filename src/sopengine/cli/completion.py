"""``sopengine completion bash|zsh|fish``: a shell completion script, generated from the parser.

shtab turns the argparse parser itself into the script, so every command, option
and choice (``--format``, ``--lang`` ...) completes as it is defined, and a new
option needs no edit here; paths complete as files or directories by metavar.

    sopengine completion bash > ~/.local/share/bash-completion/completions/sopengine
    sopengine completion zsh  > "${fpath[1]}/_sopengine"
    sopengine completion fish > ~/.config/fish/completions/sopengine.fish
"""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
DIRECTORIES = {"DIR", "RULES"}
FILES = {"FILE", "INPUT", "PATH", "NAME=FILE", "OLD", "NEW"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("completion", help="print a shell completion script (bash, zsh, fish)",
                       description="Print the completion script for SHELL on stdout; see the module's docstring for "
                                   "where each shell looks for it.")
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(run=run)


def _mark_paths(parser: argparse.ArgumentParser) -> None:
    """Tell shtab which arguments are paths (by metavar), in every subcommand."""
    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_paths(child)
        elif action.metavar in DIRECTORIES:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shtab's documented hook on an Action
        elif action.metavar in FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab's documented hook on an Action


def script(shell: str) -> str:
    import shtab

    from . import build_parser

    parser = build_parser()
    _mark_paths(parser)
    return str(shtab.complete(parser, shell=shell))


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return EXIT_OK

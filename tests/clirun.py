"""Running the console command in-process for the CLI tests: exit code, stdout, stderr."""

from __future__ import annotations

from sopengine.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err

"""Running the console command in-process for the CLI tests: exit code, stdout, stderr."""

from __future__ import annotations

from sopengine.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def only_summary(err: str) -> bool:
    """stderr of `check` with a machine format held nothing but its closing summary line."""
    lines = err.splitlines()
    return len(lines) == 1 and lines[0].startswith("sopengine: ") and " records, " in lines[0] and lines[0].endswith(" records/s)")

"""What a person at a terminal sees besides the report: a progress bar, colour, the closing summary.

All of it goes to stderr or is decided for a terminal only, so a report on stdout
(JSON, SARIF, JUnit, a pipe, a file) is byte for byte what it would be without:

- the progress bar (tqdm: records done, records/s, and time left when the number
  of records is known up front, i.e. every input is a JSON Lines file) shows only
  when stderr is a terminal and the report is not printed to that terminal;
- colour in the text report only on a terminal, never when ``NO_COLOR`` is set
  (https://no-color.org), ``--color always|never`` to decide otherwise;
- one summary line on stderr at the end, in every format (the text report on the
  terminal ends with the same line, so it is not repeated there).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")
COUNTABLE = {".jsonl", ".ndjson"}  # one record a line: counted before the run, cheaply
MAX_COUNT_BYTES = 1 << 32  # count lines of at most this much input; beyond, no estimate


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def use_color(choice: str, stream: IO[str] | None, env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    if choice == "always":
        return True
    if choice == "never" or env.get("NO_COLOR", ""):
        return False
    return _isatty(stream) and env.get("TERM") != "dumb"


def count_records(files: list[str]) -> int | None:
    """The number of records when every input is a JSON Lines file (its non-blank lines), else None."""
    total, size = 0, 0
    for f in files:
        p = Path(f)
        if f == "-" or p.suffix.lower() not in COUNTABLE or not p.is_file():
            return None
        size += p.stat().st_size
        if size > MAX_COUNT_BYTES:
            return None
        with open(p, "rb") as fh:
            total += sum(1 for line in fh if line.strip())
    return total


class _Bytes:
    """stderr beneath sopengine's escaping wrapper: the bar's carriage returns must reach the terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self._buffer = getattr(stream, "buffer", None)
        self._stream = stream

    def write(self, s: str) -> int:
        if self._buffer is None:
            return self._stream.write(s)
        self._buffer.write(s.encode("utf-8", "replace"))
        return len(s)

    def flush(self) -> None:
        (self._buffer or self._stream).flush()


def progress(items: Iterable[T], total: int | None, enabled: bool, size: Callable[[T], int] | None = None) -> Iterator[T]:
    """``items``, with a bar on stderr while they are consumed (when ``enabled`` and tqdm is installed);
    ``size(item)``: how many records an item stands for (a slice of them), else one each."""
    if not enabled:
        yield from items
        return
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience: without tqdm the run is the same, silent
        yield from items
        return
    bar = tqdm(items if size is None else None, total=total, unit=" records", file=_Bytes(sys.stderr),
               dynamic_ncols=True, mininterval=0.5, leave=False, desc="sopengine check")
    try:
        if size is None:
            yield from bar
        else:
            for item in items:
                yield item
                bar.update(size(item))
    finally:
        bar.close()


def show_progress(choice: str, report_to_stdout: bool) -> bool:
    if choice != "auto":
        return choice == "always"
    return _isatty(sys.stderr) and not (report_to_stdout and _isatty(sys.stdout))


_LABEL = re.compile(r"^  (error|warning|info|next|错误|待办)(?= )")
_PAINT = {"error": "1;31", "错误": "1;31", "warning": "33", "info": "36", "next": "32", "待办": "32"}


class ColorLines:
    """Colours the text report line by line as it passes to the terminal: the severity label that
    starts a finding's line, and the record's heading in bold. It colours by a line's position
    only, after the report escaped every control character of the data, so no record can colour
    (or forge) anything."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._pending = ""

    def write(self, s: str) -> int:
        self._pending += s
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._out.write(self._paint(line) + "\n")
        return len(s)

    @staticmethod
    def _paint(line: str) -> str:
        m = _LABEL.match(line)
        if m:
            return f"  \x1b[{_PAINT[m.group(1)]}m{m.group(1)}\x1b[0m{line[m.end():]}"
        if line and not line.startswith(" "):
            return f"\x1b[1m{line}\x1b[0m"
        return line

    def flush(self) -> None:
        if self._pending:
            self._out.write(self._paint(self._pending))
            self._pending = ""
        self._out.flush()


class Clock:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def closing_line(self, records: int, by_severity: dict[str, int], errors: int) -> str:
        secs = max(time.monotonic() - self.start, 1e-9)
        sev = by_severity
        return (f"sopengine: {records} records, {sum(sev.values())} violations (error {sev['error']}, warning "
                f"{sev['warning']}, info {sev['info']}), {errors} evaluation errors in {secs:.1f} s "
                f"({records / secs:,.0f} records/s)")

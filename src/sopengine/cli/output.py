"""Where a command's report goes: ``-o FILE`` or stdout, never half-written, never changing a path's kind.

A regular file is replaced atomically (a temporary file in the same directory,
renamed over it), so a reader never sees half a report. Anything else that
already exists at the path (``/dev/null``, ``/dev/full``, a named pipe, a
terminal) is written in place: renaming over it would turn a device node into
a regular file, which is what ``-o /dev/full`` run as root used to do. A
symbolic link stays a link: the file it points to is what is replaced. A write
that fails (a full disk or device, an I/O error) is ``OutputError``, exit 2,
and the target keeps what it held.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import OutputError

__all__ = ["open_output", "output_problem"]


def output_problem(target: Path) -> str | None:
    """Why ``-o`` cannot be written, found before any record is evaluated."""
    real = Path(os.path.realpath(target))
    if real.is_dir():
        return "is a directory"
    if real.exists() and not real.is_file():
        kind = os.stat(real).st_mode
        if stat.S_ISSOCK(kind):
            return "is a socket"
        return None  # a device or a named pipe: written in place
    if not real.parent.is_dir():
        return f"no such directory {str(real.parent)!r}"
    if not os.access(real.parent, os.W_OK | os.X_OK):
        return f"cannot write in {str(real.parent)!r}"
    return None


def _mode(target: Path) -> int:
    """The permissions of the report: those of the report it replaces, else what the umask gives a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """A UTF-8 text stream for the report at ``path``; see the module docstring for what happens to it."""
    real = Path(os.path.realpath(path))  # a link stays a link: replace what it points to
    if real.exists() and not real.is_file():
        try:
            with open(real, "w", encoding="utf-8") as out:
                yield out
        except OSError as exc:
            raise OutputError(f"-o {path}: cannot write: {exc.strerror or exc}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    except OSError as exc:
        raise OutputError(f"-o {path}: cannot write in {str(real.parent)!r}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, _mode(real))  # mkstemp makes it 0600: the report would be unreadable to others
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
        os.replace(tmp, real)  # readers never see a half-written report
    except OSError as exc:
        os.unlink(tmp)
        raise OutputError(f"-o {path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        os.unlink(tmp)
        raise

"""Opening and reading input files that may be anything: a regular file, a device, a pipe.

Shared by every reader of user files (records, ``--table`` price logs), so that
each gets the same guarantees: a named pipe with no writer is an error at once
(opening it the ordinary way waits forever), and a whole-file read stops at a
byte limit (a link to ``/dev/zero`` would otherwise fill the memory and end in a
MemoryError). Devices, pipes and process substitutions (``<(zcat x.gz)``) are
read like files within those limits.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import stat
from pathlib import Path
from typing import IO

from ..errors import SopError

__all__ = ["NoWriter", "open_input", "read_limited", "regular_size"]


class NoWriter(SopError, OSError):
    """A named pipe that nobody writes to: reading it would wait forever."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ENODATA, "a named pipe with no writer (nothing to read)", str(path))


class _Prefixed(io.RawIOBase):
    """A file descriptor whose first bytes were already read (to find out whether a pipe has a writer)."""

    def __init__(self, head: bytes, fd: int) -> None:
        self._head, self._fd = head, fd

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]  # what io passes; typeshed's Buffer has no len or slicing
        if self._head:
            n = min(len(buf), len(self._head))
            buf[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return os.readv(self._fd, [buf])

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def open_input(path: Path) -> IO[bytes]:
    """``path`` opened for binary reading. A FIFO is opened without blocking and probed: with no
    writer it raises NoWriter; with one, it is read like any stream. OSError for the rest."""
    try:
        is_fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        is_fifo = False  # open() below says why
    if not is_fifo:
        return path.open("rb")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        head = os.read(fd, 1 << 16)
    except BlockingIOError:  # a writer is there, with nothing written yet
        head = b""
    else:
        if not head:
            os.close(fd)
            raise NoWriter(path)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return io.BufferedReader(_Prefixed(head, fd))


def regular_size(stream: IO[bytes]) -> int:
    """The size of a regular file behind ``stream``; 0 when it is a pipe, a device or has no file."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


def read_limited(stream: IO[bytes], limit: int, first: bytes = b"") -> bytes | None:
    """The rest of ``stream`` after ``first``, or None when the whole would exceed ``limit`` bytes
    (a regular file says so before it is read; anything else is read up to the limit only)."""
    if len(first) > limit or regular_size(stream) > limit:
        return None
    raw = first + stream.read(limit + 1 - len(first))
    return None if len(raw) > limit else raw

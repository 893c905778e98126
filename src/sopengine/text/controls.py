"""Control characters from data, written as visible escapes in everything sopengine prints.

A record's id, an event type or a quoted text reaches reports, CI logs and
terminals. Left raw, ESC and BEL drive the terminal or the CI log (colour,
window titles, hidden text), a line break forges a report line, and a bidi
override (U+202E) reorders what a reviewer reads. Every C0 and C1 control, DEL,
the Unicode line and paragraph separators and the bidi controls are written as
``\\u202e``: visible, and in JSON the very same string once parsed.

``escape_controls`` is for one field that must stay on one line (line breaks
escaped too); ``SafeText`` wraps an output stream and escapes everything but the
line feeds, tabs and CRLF line ends the writer itself lays out with, so no format can forget it.
"""

from __future__ import annotations

import re
from typing import IO, Any

from .masking import mask_text

__all__ = ["CONTROLS", "SafeText", "escape_controls", "escape_unsafe"]

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# all but \t, \n and the \r of a CRLF line end (iCalendar and CSV are written with CRLF)
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]|\r(?!\n)")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _NAMED.get(c) or f"\\u{ord(c):04x}"


def escape_controls(text: object) -> str:
    """``text`` as one line with no control character left in it."""
    s = str(text)
    return CONTROLS.sub(_escape, s) if CONTROLS.search(s) else s


def escape_unsafe(text: str) -> str:
    """``text`` as ``SafeText`` writes it: every control but line feed, tab and CRLF escaped."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


class SafeText:
    """A text stream that escapes control characters (except line feed, tab, CRLF) as they are written;
    with ``mask``, also masks private data (CS-10) in each write (for messages, never for JSON)."""

    def __init__(self, out: IO[str], mask: bool = False) -> None:
        self._out = out
        self._mask = mask

    def write(self, s: str) -> int:
        self._out.write(escape_unsafe(mask_text(s) if self._mask else s))
        return len(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding, ... of the wrapped stream
        return getattr(self._out, name)

"""Span parsers beyond plain durations (working days, working hours, review batches).

Each parser takes the SLA's ``within`` text and the process calendar and returns
a span object (with ``add(start) -> due`` and ``__str__``), or None when the text
is not its kind. Plain durations are the fallback in ``sla.parse_span``.
"""

from __future__ import annotations

from typing import Any, Callable

SPAN_PARSERS: list[Callable[[str, Any], Any]] = []

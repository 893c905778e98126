"""The evidence of a hit as JSON: it is quoted in messages and written in every report format."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any


def jsonable(v: Any) -> Any:
    """Evidence must be JSON: Decimals as their exact text, dates and instants as ISO 8601."""
    t = type(v)
    if t is str or t is int or t is float or t is bool or v is None:  # the common case, before the ABC checks
        return v
    if t is dict:
        return {str(k): jsonable(x) for k, x in v.items()}
    if t is list:
        return [jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v

"""Masking of customer private data (CS-10) in everything sopengine writes out.

Results and reports quote evidence from records; a mainland mobile number in a
chat message must not travel on into CI logs. Every text a result carries goes
through ``mask_value``.
"""

from __future__ import annotations

import re
from typing import Any

# Mainland mobile numbers: 1[3-9]x xxxx xxxx, optionally +86/86, with spaces or dashes.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value

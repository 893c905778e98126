"""A finding's message from its rule's template: ``{name}`` and ``{name.sub}`` filled from its evidence.

Rule text is data, never format code, so a template is split (once, by ``TEMPLATE``) into
text and placeholders, and each placeholder is looked up in the evidence; one that
names nothing there is printed as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .typecheck import TEMPLATE

__all__ = ["render"]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``{name}`` and ``{name.sub}`` from evidence, nothing else: rule text is data, never format code."""
    parts = _TEMPLATES.get(template)
    if parts is None:
        parts = _template_parts(template)
        if len(_TEMPLATES) < 4096:  # (a check may word a message from the record: never an unbounded table)
            _TEMPLATES[template] = parts
    if len(parts) == 1:
        return template
    return "".join([p if type(p) is str else _filled(p, values) for p in parts])  # type: ignore[arg-type]


_TEMPLATES: dict[str, tuple[str | tuple[str, tuple[str, ...]], ...]] = {}  # a rule's messages, split once


def _template_parts(template: str) -> tuple[str | tuple[str, tuple[str, ...]], ...]:
    """Text and placeholders in turn (placeholder, its dotted path), as ``TEMPLATE`` finds them."""
    out: list[str | tuple[str, tuple[str, ...]]] = []
    pos = 0
    for m in TEMPLATE.finditer(template):
        out += [template[pos:m.start()], (m.group(0), tuple(m.group(1).split(".")))]
        pos = m.end()
    out.append(template[pos:])
    return tuple(out)


def _filled(placeholder: tuple[str, tuple[str, ...]], values: Mapping[str, Any]) -> str:
    cur: Any = values
    for part in placeholder[1]:
        if type(cur) is dict:  # evidence is a dict (an ABC isinstance test costs more than the rest)
            if part not in cur:
                return placeholder[0]  # printed as written
            cur = cur[part]
        elif isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return placeholder[0]  # printed as written
    if type(cur) is str:  # what str() gives back
        return cur
    if isinstance(cur, float) and cur.is_integer():
        cur = int(cur)
    if isinstance(cur, list):
        return "、".join([str(x) for x in cur])
    return str(cur)

"""A finding's message from its rule's template: ``{name}`` and ``{name.sub}`` filled from its evidence.

Rule text is data, never format code, so a template is split (once, by ``TEMPLATE``) into
text and placeholders, and each placeholder is looked up in the evidence; one that
names nothing there is printed as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .typecheck import TEMPLATE

__all__ = ["render", "render_all"]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``{name}`` and ``{name.sub}`` from evidence, nothing else: rule text is data, never format code."""
    return render_all((template,), values)[0]


def render_all(templates: tuple[str, ...], values: Mapping[str, Any]) -> list[str]:
    """Each of ``templates`` filled from ``values``, as ``render`` fills one: a finding's message in both its
    languages in one call, a placeholder the two share formatted once."""
    splits = _TEMPLATES.get(templates)
    if splits is None:
        splits = tuple(_split(t) for t in templates)
        if len(_TEMPLATES) < 4096:  # (a check may word a message from the record: never an unbounded table)
            _TEMPLATES[templates] = splits
    plain = type(values) is dict
    texts: list[str] = []
    done: dict[str, str] | None = None  # a placeholder as written -> its text, for one not read in place
    for head, placeholders in splits:
        if not placeholders:
            texts.append(head)
            continue
        out = [head]
        for p in placeholders:  # (a loop here, not a call per placeholder: one of one key, holding text or an int, as
            key = p[2]  # most do, is read in place)
            if plain and key is not None:
                v = values.get(key, _NONE)
                t = type(v)
                if t is str:
                    out += (v, p[3])
                    continue
                if t is int:  # (not bool, whose type is bool)
                    out += (str(v), p[3])
                    continue
            if done is None:
                done = {}
            shown = done.get(p[0])
            if shown is None:
                shown = done[p[0]] = _filled(p, values)
            out += (shown, p[3])
        texts.append("".join(out))
    return texts


_NONE: Any = object()
Placeholder = tuple[str, tuple[str, ...], str | None, str]  # as written, its dotted path, its key if one, the text after it
Split = tuple[str, tuple[Placeholder, ...]]  # the text before the first placeholder, each placeholder
_TEMPLATES: dict[tuple[str, ...], tuple[Split, ...]] = {}  # a rule's messages (zh, en), split once


def _split(template: str) -> Split:
    """The text before the first placeholder, then each placeholder with the text after it, as ``TEMPLATE``
    finds them."""
    found = list(TEMPLATE.finditer(template))
    if not found:
        return template, ()
    placeholders = []
    for m, after in zip(found, [*found[1:], None], strict=True):
        path = tuple(m.group(1).split("."))
        placeholders.append((m.group(0), path, path[0] if len(path) == 1 else None,
                             template[m.end():after.start() if after is not None else len(template)]))
    return template[:found[0].start()], tuple(placeholders)


def _filled(placeholder: Placeholder, values: Mapping[str, Any]) -> str:
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

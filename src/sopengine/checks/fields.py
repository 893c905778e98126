"""Field paths into the raw record: where a check that judges money or dates reads.

Checks that judge money or dates read the record as given (``ctx.record``), not
CEL's view of it, because the view turns money into floats; a ``FieldPath``
says where to read and is parsed once, at compile time, so a malformed path is
a load error at its line. Record-level paths are also compiled as CEL
(``record.a.b``) purely so that the schema lint catches a misspelt field name:
a path that never resolves would otherwise be a rule that silently never fires.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..loader import escape
from .base import CheckConfigError, CompileEnv

MISSING: Any = object()  # what FieldPath.get gives for an absent key
_KEY = re.compile(r"^[^.\[\]]+(\[\])?$")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


class FieldPath:
    """``a.b`` reads a nested key; ``a[].b`` reads ``b`` of every element of the list ``a``.

    A JSON Pointer (``/detail/text``, ``/items/0/sku``) is accepted too, the way
    the ``banned_words`` check names fields.
    """

    __slots__ = ("_escaped", "_pointer", "iterates", "key", "steps", "text")

    def __init__(self, text: str, pointer: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise CheckConfigError("a field path must be a non-empty string such as `items` or `messages[].text`", pointer)
        t = text.strip()
        steps: list[tuple[str, bool]] = []
        if t.startswith("/"):
            steps = [(tok.replace("~1", "/").replace("~0", "~"), False) for tok in t[1:].split("/")]
            if any(not k for k, _ in steps):
                raise CheckConfigError(f"field {text!r} has an empty step", pointer)
        else:
            for part in t.split("."):
                if not _KEY.match(part):
                    raise CheckConfigError(f"{text!r} is not a field path (write keys separated by dots, `[]` after a "
                                           "list, or a JSON Pointer)", pointer)
                steps.append((part.removesuffix("[]"), part.endswith("[]")))
        self.text = t
        self.steps = tuple(steps)
        self._escaped = tuple(escape(k) for k, _ in steps)  # each key as a JSON Pointer token, once
        self.iterates = any(each for _, each in steps)
        self._pointer = "".join(f"/{e}" for e in self._escaped)
        self.key = steps[0][0] if len(steps) == 1 and not self.iterates else None  # a path of one key: that key

    @property
    def pointer(self) -> str:
        """The path as a JSON Pointer relative to where it is read (for a path without ``[]``)."""
        return self._pointer

    def values(self, data: Any, base: str = "") -> Iterable[tuple[str, Any]]:
        """(JSON Pointer, value) of every value the path reaches; absent keys and non-lists yield nothing."""
        if self.key is not None and type(data) is dict:  # one key of an object (read per record): no generator
            v = data.get(self.key, MISSING)
            return () if v is MISSING else ((base + self._pointer, v),)
        return self._walk(data, base, 0)

    def _walk(self, cur: Any, ptr: str, i: int) -> Iterator[tuple[str, Any]]:
        if i == len(self.steps):
            yield ptr, cur
            return
        key, each = self.steps[i]
        nxt = _step(cur, key)
        if nxt is MISSING:
            return
        ptr = f"{ptr}/{self._escaped[i]}"
        if not each:
            yield from self._walk(nxt, ptr, i + 1)
        elif isinstance(nxt, list):
            for j, el in enumerate(nxt):
                yield from self._walk(el, f"{ptr}/{j}", i + 1)

    def get(self, data: Any, base: str = "") -> tuple[str, Any]:
        """The single value of a path without ``[]``: (pointer, value or MISSING)."""
        if self.iterates:
            for ptr, v in self.values(data, base):
                return ptr, v
            return base + self.pointer, MISSING
        cur = data  # the common case, read every record: a loop, not a chain of generators
        for key, _ in self.steps:
            cur = _step(cur, key)
            if cur is MISSING:
                return base + self.pointer, MISSING
        return base + self._pointer, cur

    def value(self, data: Any) -> Any:
        """``get(data)``'s value alone (MISSING if absent): a one-key path on a dict is one lookup."""
        if self.key is not None and type(data) is dict:
            return data.get(self.key, MISSING)
        return self.get(data)[1]

    def lint(self, env: CompileEnv, pointer: str) -> None:
        """Let the schema lint see the record-level prefix of the path (up to the first list)."""
        keys = []
        for key, each in self.steps:
            if not _IDENT.match(key):
                break
            keys.append(key)
            if each:
                break
        if keys:
            env.compile_expr("record." + ".".join(keys), pointer)


def _step(cur: Any, key: str) -> Any:
    """``cur[key]`` for an object, ``cur[int(key)]`` for a list and a digit key; MISSING otherwise."""
    if type(cur) is dict or (not isinstance(cur, list) and isinstance(cur, Mapping)):  # exact type first: ABCs are slow
        return cur.get(key, MISSING)
    if isinstance(cur, list) and key.isdigit() and int(key) < len(cur):
        return cur[int(key)]
    return MISSING


def field_paths(given: Mapping[str, Any] | None, defaults: Mapping[str, Any], pointer: str) -> dict[str, FieldPath]:
    """Named single-value paths of a check: the rule's over the check's defaults; a null leaves one out."""
    out = {}
    for k, v in {**defaults, **(given or {})}.items():
        if v is None:
            continue
        p = FieldPath(v, f"{pointer}/{k}")
        if p.iterates:
            raise CheckConfigError(f"{pointer[1:]}.{k}: write the list's name without []", f"{pointer}/{k}")
        out[k] = p
    return out


def strings_under(value: Any, pointer: str, depth: int = 0) -> list[tuple[str, str]]:
    """(JSON Pointer, text) of every string in ``value``, in document order (lists and objects walked)."""
    if type(value) is str:  # a field that is one text: the common case
        return [(pointer, value)]
    out: list[tuple[str, str]] = []
    _strings(value, pointer, depth, out)
    return out


def _strings(value: Any, pointer: str, depth: int, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        out.append((pointer, value))
    elif depth < 64 and isinstance(value, list):
        for j, x in enumerate(value):
            if type(x) is str:  # (a list of tags: no call per tag)
                out.append((f"{pointer}/{j}", x))
            else:
                _strings(x, f"{pointer}/{j}", depth + 1, out)
    elif depth < 64 and isinstance(value, Mapping):
        for k, x in value.items():
            key = k if type(k) is str and "~" not in k and "/" not in k else escape(str(k))  # (a key as it is: most)
            if type(x) is str:  # (a field of text: no call for it)
                out.append((f"{pointer}/{key}", x))
            else:
                _strings(x, f"{pointer}/{key}", depth + 1, out)

"""Reading records: JSON (one object or a list), JSON Lines, YAML, stdin, directories.

Every record comes with where it was read (file, line, JSON Pointer) so a report
can point a CI annotation at it. A record that cannot be parsed still yields an
``Unreadable`` in its place: the batch goes on and no input is silently lost.
JSON Lines stream, so a multi-gigabyte export never sits in memory at once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import InputError
from .loader import parse_yaml
from .model import SourceRef

try:  # measured several times faster than the stdlib on our records; optional
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a whole-document JSON or YAML; JSON Lines have no total limit
MAX_LINE_BYTES = 16 * 1024 * 1024
SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml"}


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a record that could not be parsed; evaluates to an error result."""

    message: str


def loads(text: str | bytes) -> Any:
    return _orjson.loads(text) if _orjson is not None else json.loads(text)


def _json_document(text: str, name: str) -> Iterator[tuple[Any, SourceRef]]:
    """A JSON object or array; array elements are decoded one by one to know their lines."""
    dec = json.JSONDecoder()
    i = len(text) - len(text.lstrip())
    if i < len(text) and text[i] == "[":
        pos, k = i + 1, 0
        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == "]" and k == 0:
                return
            line = text.count("\n", 0, pos) + 1
            try:
                obj, end = dec.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield Unreadable(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"), SourceRef(name, exc.lineno, exc.colno, f"/{k}")
                return
            except RecursionError:
                yield Unreadable("JSON nested too deeply"), SourceRef(name, line, 1, f"/{k}")
                return
            yield obj, SourceRef(name, line, pos - (text.rfind("\n", 0, pos) + 1) + 1, f"/{k}")
            k += 1
            pos = end
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                return
            ln = text.count("\n", 0, pos) + 1
            yield Unreadable(f"invalid JSON: expected ',' or ']' at line {ln}"), SourceRef(name, ln, 1)
            return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Unreadable(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"), SourceRef(name, exc.lineno, exc.colno)
        return
    except RecursionError:
        yield Unreadable("JSON nested too deeply"), SourceRef(name, 1, 1)
        return
    yield obj, SourceRef(name, 1, 1, "")


def _jsonl(stream: IO[bytes], name: str) -> Iterator[tuple[Any, SourceRef]]:
    for n, raw in enumerate(stream, 1):
        if len(raw) > MAX_LINE_BYTES:
            yield Unreadable(f"line longer than {MAX_LINE_BYTES} bytes"), SourceRef(name, n, 1)
            continue
        if not raw.strip():
            continue
        try:
            yield loads(raw), SourceRef(name, n, 1)
        except (ValueError, RecursionError) as exc:
            msg = str(exc).split("\n")[0] if not isinstance(exc, RecursionError) else "nested too deeply"
            yield Unreadable(f"invalid JSON on line {n}: {msg}"), SourceRef(name, n, 1)


def _yaml(text: str, name: str) -> Iterator[tuple[Any, SourceRef]]:
    doc, findings = parse_yaml(text, name)
    if doc is None or findings:
        f = findings[0]
        yield Unreadable(f.message), f.source
        return
    items = doc.data if isinstance(doc.data, list) else [doc.data]
    for k, rec in enumerate(items):
        ptr = f"/{k}" if isinstance(doc.data, list) else ""
        yield rec, doc.where(ptr)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", SourceRef(name)) from None


def _sniff(text: str) -> str:
    s = text.lstrip()
    if s.startswith("["):
        return "json"
    if s.startswith("{"):
        first = s.split("\n", 1)[0].strip()
        try:
            json.loads(first)
            return "jsonl"
        except ValueError:
            return "json"
    return "yaml"


def read_file(path: Path, fmt: str | None = None, name: str | None = None) -> Iterator[tuple[Any, SourceRef]]:
    name = name or str(path)
    fmt = fmt or SUFFIXES.get(path.suffix.lower())
    if fmt == "jsonl":
        with path.open("rb") as fh:
            yield from _jsonl(fh, name)
        return
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(f"{size} bytes is over the {MAX_DOCUMENT_BYTES} byte limit for a whole-document file; use JSON Lines",
                         SourceRef(name))
    text = _decode(path.read_bytes(), name)
    fmt = fmt or _sniff(text)
    yield from (_json_document(text, name) if fmt == "json" else _yaml(text, name))


def read_stdin(fmt: str | None = None) -> Iterator[tuple[Any, SourceRef]]:
    raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError("standard input is over the size limit; pass a JSON Lines file instead", SourceRef("<stdin>"))
    text = _decode(raw, "<stdin>")
    fmt = fmt or _sniff(text)
    if fmt == "jsonl":
        import io

        yield from _jsonl(io.BytesIO(raw), "<stdin>")
    elif fmt == "json":
        yield from _json_document(text, "<stdin>")
    else:
        yield from _yaml(text, "<stdin>")


def expand(inputs: list[str]) -> list[str]:
    """Directories become their record files, sorted; a missing path is an InputError before any work."""
    out = []
    for item in inputs:
        if item == "-":
            out.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            out += [str(f) for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in SUFFIXES]
        elif p.is_file():
            out.append(item)
        else:
            raise InputError("no such file or directory", SourceRef(item))
    return out


def read_inputs(inputs: list[str], fmt: str | None = None) -> Iterator[tuple[Any, SourceRef]]:
    for item in expand(inputs):
        if item == "-":
            yield from read_stdin(fmt)
        else:
            yield from read_file(Path(item), fmt)

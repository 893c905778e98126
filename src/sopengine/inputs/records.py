"""Reading records: JSON (one object or a list), JSON Lines, YAML, stdin, directories.

Every record comes with where it was read (file, line, JSON Pointer) so a report
can point a CI annotation at it. A record that cannot be parsed still yields an
``Unreadable`` in its place: the batch goes on and no input is silently lost.
JSON Lines stream, so a multi-gigabyte export never sits in memory at once.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from ..errors import Finding, InputError
from ..loader import Document, parse_yaml_documents
from ..paths import shown, walk_files
from ..results import SourceRef, line_source
from .files import open_input, read_limited
from .json_data import MAX_RECORD_DEPTH
from .unreadable import Unreadable

_orjson: ModuleType | None
try:  # measured several times faster than the stdlib on our records; optional
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a whole-document JSON or YAML; JSON Lines have no total limit
MAX_LINE_BYTES = 16 * 1024 * 1024
SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml", ".parquet": "parquet"}


def loads(text: str | bytes) -> Any:
    return _orjson.loads(text) if _orjson is not None else json.loads(text)


def _json_document(text: str, name: str) -> Iterator[tuple[Any, SourceRef]]:
    """A JSON object or array; array elements are decoded one by one to know their lines.

    Line and column are tracked as the decoder moves on: counting from the start of
    the text for every element made a 3.5 MB one-line array take a minute.
    """
    if not text.strip():
        yield Unreadable("the file is empty"), SourceRef(name, 1, 1)
        return
    dec = json.JSONDecoder()
    i = len(text) - len(text.lstrip())
    if i < len(text) and text[i] == "[":
        pos, k = i + 1, 0
        line, line_start, seen = 1, 0, 0  # line of text[seen], and where that line starts

        def at(p: int) -> tuple[int, int]:
            nonlocal line, line_start, seen
            n = text.count("\n", seen, p)
            if n:
                line += n
                line_start = text.rfind("\n", seen, p) + 1
            seen = p
            return line, p - line_start + 1

        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == "]" and k == 0:
                return
            ln, col = at(pos)
            try:
                obj, end = dec.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield Unreadable(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"), SourceRef(name, exc.lineno, exc.colno, f"/{k}")
                return
            except RecursionError:
                yield Unreadable("JSON nested too deeply"), SourceRef(name, ln, col, f"/{k}")
                return
            except ValueError as exc:  # e.g. an integer of more than 4300 digits, which int() refuses
                yield Unreadable(f"invalid JSON: {_reason(exc)}"), SourceRef(name, ln, col, f"/{k}")
                return
            yield obj, SourceRef(name, ln, col, f"/{k}")
            k += 1
            pos = end
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                return
            ln, col = at(pos)
            yield Unreadable(f"invalid JSON: expected ',' or ']' at line {ln} column {col}"), SourceRef(name, ln, col)
            return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Unreadable(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"), SourceRef(name, exc.lineno, exc.colno)
        return
    except RecursionError:
        yield Unreadable("JSON nested too deeply"), SourceRef(name, 1, 1)
        return
    except ValueError as exc:
        yield Unreadable(f"invalid JSON: {_reason(exc)}"), SourceRef(name, 1, 1)
        return
    yield obj, SourceRef(name, 1, 1, "")


_BOM = b"\xef\xbb\xbf"
# orjson reads an integer beyond 64 bits as a rounded float; json keeps it. Lines with a run of 20
# digits go to json: found as a run of twenty "0" once every digit is "0" and every other byte a
# space, which costs a tenth of the regex search ``\d{20}`` (more than orjson's parse of the line).
# Opening brackets, "{" and "[", become "{", which ``plain_line`` counts
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x7B if b in b"{[" else 0x20 for b in range(256))
_TWENTY_DIGITS = b"0" * 20


def _reason(exc: Exception) -> str:
    """A parser's message, first line, without Python's advice on raising the integer digit limit."""
    return str(exc).split("\n")[0].split("; use sys.set_int_max_str_digits()")[0]


def _lines(stream: IO[bytes], head: Iterable[bytes] = ()) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) of a byte stream; None for a line over MAX_LINE_BYTES, which is
    skipped in chunks, never held: a 2 GB line without a newline must not sit in memory."""
    n = 0
    for run in line_runs(stream, head):
        for raw in run:
            n += 1
            yield n, raw


READ_BYTES = 1 << 16  # what line_runs reads at a time: a few hundred lines of a usual export, and memory flat


def line_runs(stream: IO[bytes], head: Iterable[bytes] = ()) -> Iterator[list[bytes | None]]:
    """The lines of a byte stream, in runs, each with its line feed as ``readline`` reads it; None for a
    line over MAX_LINE_BYTES (with its line feed, MAX_LINE_BYTES + 1), skipped, never held. ``head``: lines
    read already, each by ``readline(MAX_LINE_BYTES + 1)`` (``sniffed``). The rest is read a block at a
    time (what a pipe has, up to READ_BYTES) and split by ``BytesIO.readlines``, in C: a ``readline`` and a
    Python step a line cost more than the rest of cutting."""
    most = MAX_LINE_BYTES + 1  # the longest line kept, line feed included
    for raw in head:
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 16)
            yield [None]
        else:
            yield [raw]
    block = min(READ_BYTES, most)  # (so that no line inside a block can be over the limit)
    read: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read  # read1: a pipe's lines as they come
    parts: list[bytes] = []  # the line begun and not ended yet: its parts read so far (none when over the limit)
    held, over = 0, False
    while chunk := read(block):
        first = chunk.find(b"\n") + 1
        if not first:  # the line goes on
            held += len(chunk)
            if held > most:
                over, parts = True, []
            elif not over:
                parts.append(chunk)
            continue
        held += first
        run: list[bytes | None] = [None if over or held > most else b"".join((*parts, chunk[:first]))]
        more = io.BytesIO(chunk)
        more.seek(first)
        run += more.readlines()
        rest: Any = run.pop() if not chunk.endswith(b"\n") else b""  # a line begun: readlines gave it without its end
        yield run
        parts, held, over = [rest] if rest else [], len(rest), False
    if held:  # a last line without a line feed
        yield [None if over or held > MAX_LINE_BYTES else b"".join(parts)]


def _jsonl(stream: IO[bytes], name: str, head: Iterable[bytes] = ()) -> Iterator[tuple[Any, SourceRef]]:
    """One record a line, streamed; a line that cannot be read is an Unreadable at its line."""
    return jsonl_lines(_lines(stream, head), name)


def jsonl_lines(lines: Iterable[tuple[int, bytes | None]], name: str) -> Iterator[tuple[Any, SourceRef]]:
    """The records of numbered JSON Lines lines (from ``_lines``: None for one too long), wherever they
    were read: here, or by a ``check --jobs`` worker given a slice of the file (inputs/slices.py)."""
    return ((record, where) for record, where, _ in jsonl_records(lines, name))


def jsonl_records(lines: Iterable[tuple[int, bytes | None]], name: str) -> Iterator[tuple[Any, SourceRef, bool]]:
    """``jsonl_lines``, each record with whether its line shows it plain JSON data (``plain_line``)."""
    fast = _orjson.loads if _orjson is not None else json.loads
    for n, raw in lines:
        if raw is None:
            yield Unreadable(f"line {n} is longer than {MAX_LINE_BYTES} bytes"), SourceRef(name, n, 1), False
            continue
        if n == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        if not raw or raw.isspace():  # as ``not raw.strip()``, without copying the line
            continue
        try:
            digits = raw.translate(_DIGITS_AS_ZERO)
            wide = _NINETEEN_DIGITS in digits  # (twenty in a row are nineteen too: one search for most lines)
            if wide and _TWENTY_DIGITS in digits:
                yield json.loads(raw), line_source(name, n), False
            else:
                yield fast(raw), line_source(name, n), _orjson is not None and plain_line(digits, wide)
        except (ValueError, RecursionError) as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                msg = f"not UTF-8 (byte {bad.start + 1} of the line)"
            else:
                msg = _reason(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
            yield Unreadable(f"invalid JSON on line {n}: {msg}"), SourceRef(name, n, 1), False


_NINETEEN_DIGITS = b"0" * 19  # the shortest integer beyond int64 (2**63) has 19 digits


def plain_line(digits: bytes, wide: bool) -> bool:
    """Whether a line that orjson has read (``digits``: the line translated by _DIGITS_AS_ZERO; ``wide``:
    whether they hold _NINETEEN_DIGITS, which the reader has searched for already) holds a record that
    ``json_data.screen`` would find plain JSON data, so that its walk can be spared. orjson reads only
    dicts with text keys, lists, text, finite floats, ints, bools and None, and refuses NaN, Infinity,
    overflowing floats and lone surrogates (tests/test_plain_lines.py holds it to that); what it lets
    through and the screen refuses is a nesting deeper than MAX_RECORD_DEPTH, which needs more brackets
    than that, and an integer beyond int64, which needs 19 digits in a row. False when in doubt: the
    screen then decides, as for any record."""
    return not wide and digits.count(b"{") <= MAX_RECORD_DEPTH


def _yaml(text: str, name: str) -> Iterator[tuple[Any, SourceRef]]:
    """The records of a YAML file: one per document (``---``), a list's elements each. A problem
    inside one record (a duplicate key, a .nan) makes that record unreadable, not the file."""
    docs, fatal = parse_yaml_documents(text, name)
    if fatal:
        f = fatal[0]
        yield Unreadable(f"{f.message}" + (f" ({f.hint})" if f.hint else "")), f.source
        return
    if not docs:
        yield Unreadable("the file is empty"), SourceRef(name, 1, 1)
    for doc, findings in docs:
        if doc is None:
            yield Unreadable(findings[0].message), findings[0].source
        elif not isinstance(doc.data, list):
            yield (Unreadable(findings[0].message), findings[0].source) if findings else (doc.data, doc.where(""))
        else:
            yield from _yaml_list(doc, findings)


def _yaml_list(doc: Document, findings: list[Finding]) -> Iterator[tuple[Any, SourceRef]]:
    for k, rec in enumerate(doc.data):
        ptr = f"/{k}"
        bad = next((f for f in findings if f.source.pointer == ptr or f.source.pointer.startswith(ptr + "/")), None)
        if bad is not None:
            yield Unreadable(f"{bad.message} at line {bad.source.line}"), doc.where(ptr)
        else:
            yield rec, doc.where(ptr)


def _decode(raw: bytes, name: str) -> tuple[str | None, Unreadable | None, SourceRef]:
    """(text, None, where) or (None, what is wrong, the line of the first bad byte)."""
    try:
        return raw.decode("utf-8-sig"), None, SourceRef(name, 1, 1)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Unreadable(f"not UTF-8 (byte {exc.start + 1} of the file)"), SourceRef(name, line, column)


def _sniff(line: bytes) -> str:
    """json, jsonl or yaml, from the first line that is not blank."""
    s = line.removeprefix(_BOM).strip()
    if s.startswith(b"["):
        return "json"
    if s.startswith(b"{"):
        try:
            loads(s)
            return "jsonl"
        except ValueError:
            return "json"
    return "yaml"


def sniffed(stream: IO[bytes], fmt: str | None) -> tuple[str, list[bytes]]:
    """The format of a byte stream (``fmt`` if given, else sniffed from its first line that is not
    blank) and the lines read to find out, which come first when the stream is read on."""
    head: list[bytes] = []
    if fmt is None:
        while len(head) < 1000:  # blank lines before the first record
            line = stream.readline(MAX_LINE_BYTES + 1)
            head.append(line)
            if not line.strip() and line:
                continue
            break
        fmt = _sniff(head[-1])
    return fmt, head


def _read_stream(stream: IO[bytes], fmt: str | None, name: str) -> Iterator[tuple[Any, SourceRef]]:
    """Records of a byte stream (a file or stdin). JSON Lines stream line by line (also when
    only sniffed as such); a whole document is read up to MAX_DOCUMENT_BYTES."""
    fmt, head = sniffed(stream, fmt)
    if fmt == "jsonl":
        yield from _jsonl(stream, name, head)
        return
    yield from read_document(stream, fmt, name, head)


def read_document(stream: IO[bytes], fmt: str, name: str, head: list[bytes]) -> Iterator[tuple[Any, SourceRef]]:
    """The records of a whole JSON or YAML document, ``head`` being its lines already read."""
    first = b"".join(head)
    too_big = Unreadable(f"over the {MAX_DOCUMENT_BYTES} byte limit for a whole JSON or YAML document; "
                         "use JSON Lines, which streams")
    raw = read_limited(stream, MAX_DOCUMENT_BYTES, first)
    if raw is None:
        yield too_big, SourceRef(name)
        return
    text, problem, where = _decode(raw, name)
    if text is None:
        yield problem, where
        return
    yield from (_json_document(text, name) if fmt == "json" else _yaml(text, name))


def read_file(path: Path, fmt: str | None = None, name: str | None = None,
              zone_of: Any = None) -> Iterator[tuple[Any, SourceRef]]:
    """Records of one file; a file that cannot be read at all is one Unreadable naming it, so the
    rest of a batch goes on and the report is whole. ``zone_of(process)``: the zone that
    Parquet's aware timestamps are written in (see ``columnar.records``)."""
    name = shown(name or path)
    fmt = fmt or SUFFIXES.get(path.suffix.lower())
    if fmt == "parquet":
        yield from _parquet(path, name, zone_of)
        return
    try:
        with open_input(path) as fh:
            yield from _read_stream(fh, fmt, name)
    except OSError as exc:  # no permission, a broken link, a directory, a pipe with no writer, an I/O error half-way
        yield Unreadable(f"cannot read the file: {exc.strerror or exc}"), SourceRef(name)


def _parquet(path: Path, name: str, zone_of: Any) -> Iterator[tuple[Any, SourceRef]]:
    try:
        from ..columnar.parquet import read_parquet
    except ImportError:
        yield Unreadable("reading Parquet needs pyarrow: pip install 'sopengine[parquet]'"), SourceRef(name)
        return
    yield from read_parquet(path, name, zone_of)


def read_stdin(fmt: str | None = None) -> Iterator[tuple[Any, SourceRef]]:
    if fmt == "parquet":  # its footer is at the end: a reader must seek, which a pipe cannot
        yield Unreadable("Parquet cannot be read from standard input; name the file"), SourceRef("<stdin>")
        return
    yield from _read_stream(sys.stdin.buffer, fmt, "<stdin>")


def _entries(inputs: list[str]) -> list[tuple[str, str | None]]:
    """(path, why it cannot be read or None) of every input; directories become their record files.

    A missing path is an InputError before any work. Inside a directory, what cannot
    be read is an entry with its reason, never skipped: a subdirectory that cannot be
    listed, a broken link, a named pipe (opening it would wait forever).
    """
    out: list[tuple[str, str | None]] = []
    for item in inputs:
        if item == "-":
            out.append((item, None))
            continue
        p = Path(item)
        if p.is_dir():
            out += [(str(f), problem) for f, problem in walk_files(p, SUFFIXES)]
        elif p.exists():  # a file, or a named pipe such as <(zcat export.jsonl.gz)
            out.append((item, None))
        else:
            raise InputError("no such file or directory", SourceRef(item))
    return out


def expand(inputs: list[str]) -> list[str]:
    """Directories become their record files, sorted; a missing path is an InputError before any work."""
    return [path for path, _ in _entries(inputs)]


def read_records(*paths: str | Path, fmt: str | None = None) -> Iterator[tuple[Any, SourceRef]]:
    """The records of files, directories (their record files, sorted) and ``"-"`` (stdin), each with where it was read.

    JSON (an object or a list), JSON Lines, YAML, by suffix unless ``fmt`` says. A missing
    path is an ``InputError`` at once, before any record is read; a record (or a file)
    that cannot be read is an ``Unreadable`` in its place, which ``Engine.evaluate_many``
    turns into an error result, so nothing is silently lost. Lazy: JSON Lines stream.
    """
    inputs = [str(p) for p in paths]
    expand(inputs)
    return read_inputs(inputs, fmt)


def read_inputs(inputs: list[str], fmt: str | None = None, zone_of: Any = None) -> Iterator[tuple[Any, SourceRef]]:
    """Every record of ``inputs`` with where it was read, in input order (``check`` reads the same
    records through inputs/slices.py, in slices that --jobs workers parse)."""
    for item, problem in _entries(inputs):
        if problem is not None:
            yield Unreadable(problem), SourceRef(shown(item))
        elif item == "-":
            yield from read_stdin(fmt)
        else:
            yield from read_file(Path(item), fmt, zone_of=zone_of)

"""Stage 1, load: YAML with source positions, safely.

PyYAML's SafeLoader builds plain data but forgets where each value stood; rule
authors need ``file:line:column`` for every complaint. So we compose the node
graph (safe tags only) and build the data ourselves, recording the position of
every value and key under its JSON Pointer. Building it ourselves is also where
hostile input is stopped: duplicate keys (silently overwritten by PyYAML), alias
bombs (billion laughs), absurd nesting and oversized files all become findings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Finding
from .results import SourceRef

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NODES = 500_000  # after alias expansion
MAX_DEPTH = 128
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: dates stay strings, so JSON Schema
    sees what the author wrote and the engine parses instants in the process's zone."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        """libyaml's scanner and parser (~10x the pure-Python ones), the same resolvers and safe tags.

        Its nodes carry the same line/column marks and scalar styles. It is only the fast
        path: any YAML error is re-read by the pure-Python loader, whose messages are the
        ones the findings quote.
        """

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST: type | None = _CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST = None


def _compose(text: str) -> list[Any]:
    if _FAST is not None:
        try:
            return list(yaml.compose_all(text, Loader=_FAST))
        except (yaml.YAMLError, RecursionError, ValueError):
            pass  # the pure-Python loader says what and where
    return list(yaml.compose_all(text, Loader=_Loader))


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Document:
    """One parsed file: its data and where every JSON Pointer in it came from."""

    path: str
    data: Any
    text: str
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    key_positions: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    styles: dict[str, str] = field(default_factory=dict, repr=False)

    def where(self, pointer: str = "", *, key: bool = False) -> SourceRef:
        """The position of ``pointer``, or of its nearest ancestor that has one."""
        p = pointer
        while True:
            pos = (self.key_positions.get(p) if key else None) or self.positions.get(p)
            if pos is not None:
                return SourceRef(self.path, pos[0], pos[1], pointer)
            if not p:
                return SourceRef(self.path, 1, 1, pointer)
            p = p.rsplit("/", 1)[0]

    def where_inside(self, pointer: str, line: int, column: int) -> SourceRef:
        """Map a position inside a scalar (a CEL expression, 1-based) to the file, through the scalar's style."""
        base = self.where(pointer)
        style = self.styles.get(pointer)
        if style in (">", None):  # folded: the value's line breaks are not the file's
            found = self._unfolded(base, style, line, column)
            if found is not None:
                return SourceRef(self.path, found[0], found[1], pointer)
        if style in ("|", ">"):
            lines = self.text.splitlines()
            idx = min((base.line or 1) + line - 1, len(lines) - 1)  # content starts on the line after the indicator
            text = lines[idx] if 0 <= idx < len(lines) else ""
            return SourceRef(self.path, idx + 1, len(text) - len(text.lstrip()) + column, pointer)
        offset = 1 if style in ("'", '"') else 0
        return SourceRef(self.path, (base.line or 1) + line - 1,
                         (base.column or 1) + offset + column - 1 if line == 1 else column, pointer)


    def _unfolded(self, base: SourceRef, style: str | None, line: int, column: int) -> tuple[int, int] | None:
        """(line, column) in the file of a position in a folded (``>``) or multi-line plain scalar, or None.

        Folding joins the file's lines with a space (or keeps a break), so a position past the first
        line of the value is not on the first line of the file: each line of the file, its indentation
        cut, appears in the value in order, and the position is found in the one that holds it."""
        data: Any = self.data
        for key in base.pointer.split("/")[1:] if base.pointer else ():
            k = key.replace("~1", "/").replace("~0", "~")
            if isinstance(data, list):
                data = data[int(k)] if k.isdigit() and int(k) < len(data) else None
            else:
                data = data.get(k) if isinstance(data, dict) else None
        if not isinstance(data, str) or not base.line:
            return None
        value, lines = data, self.text.splitlines()
        parts = value.split("\n")
        if line > len(parts):
            return None
        want = sum(len(p) + 1 for p in parts[:line - 1]) + column - 1
        if style is None:  # plain: from the value's own column, then each following line stripped
            first = (lines[base.line - 1][(base.column or 1) - 1:] if base.line <= len(lines) else "").rstrip()
            if want < len(first):
                return None  # on the first line: the usual mapping holds
            segments = [(base.line, (base.column or 1) - 1, first)]
            segments += [(i + 1, len(t) - len(t.lstrip()), t.strip()) for i, t in enumerate(lines[base.line:], base.line)]
        else:
            body = lines[base.line:]
            indent = next((len(t) - len(t.lstrip()) for t in body if t.strip()), 0)
            segments = []
            for i, t in enumerate(body, base.line):
                if t.strip() and len(t) - len(t.lstrip()) < indent:
                    break
                segments.append((i + 1, indent, t[indent:].rstrip()))
        at = 0
        for number, col0, seg in segments:
            if not seg:
                continue
            start = value.find(seg, at)
            if start < 0:
                return None
            if want < start + len(seg):
                return number, col0 + max(want - start, 0) + 1
            at = start + len(seg)
            if at >= len(value):
                break
        return None


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[str, tuple[int, int]] = {}
        self.key_positions: dict[str, tuple[int, int]] = {}
        self.styles: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.count = 0
        self._scalar = _Loader("")  # only for its scalar constructors

    def _err(self, node: yaml.Node, msg: str, pointer: str, code: str) -> None:
        m = node.start_mark
        self.findings.append(Finding("error", msg, SourceRef(self.path, m.line + 1, m.column + 1, pointer), code))

    def _construct(self, node: yaml.Node) -> Any:
        """A scalar's value; PyYAML lets int()'s ValueError through (a number of more than 4300 digits)."""
        try:
            return self._scalar.construct_object(node, deep=True)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(None, None, f"unreadable value: {exc}".split(";")[0],
                                                    node.start_mark) from None

    def build(self, node: yaml.Node, pointer: str = "", depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node, f"more than {MAX_NODES} values (alias expansion?)")
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"nested deeper than {MAX_DEPTH} levels")
        m = node.start_mark
        self.positions.setdefault(pointer, (m.line + 1, m.column + 1))
        expected = _COLLECTION_TAGS.get(type(node))
        if expected is not None and node.tag != expected:
            raise yaml.constructor.ConstructorError(None, None, f"could not determine a constructor for the tag {node.tag!r}",
                                                    node.start_mark)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            explicit_count = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            self._scalar.flatten_mapping(node)
            merged = len(node.value) - explicit_count  # flatten_mapping puts merged (<<) pairs first
            explicit: set[str] = set()
            for i, (knode, vnode) in enumerate(node.value):
                if not isinstance(knode, yaml.ScalarNode):
                    self._err(knode, "a mapping key must be a plain value", pointer, "yaml")
                    continue
                key = self._construct(knode)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                child = f"{pointer}/{escape(key)}"
                if i >= merged:  # an explicit key may override a merged one, as YAML says; never another explicit one
                    if key in explicit:
                        self._err(knode, f"duplicate key {key!r} (the later value would silently win)", child, "duplicate-key")
                        continue
                    explicit.add(key)
                km = knode.start_mark
                self.key_positions[child] = (km.line + 1, km.column + 1)
                out[key] = self.build(vnode, child, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, f"{pointer}/{i}", depth + 1) for i, v in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.style:  # (what is left: a scalar)
            self.styles[pointer] = node.style
        value = self._construct(node)
        if isinstance(value, float) and math.isnan(value):  # .nan is YAML, never data we want
            self._err(node, "NaN is not a value rules can compare", pointer, "yaml")
        elif isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            # "\ud800" is a valid YAML escape, but no UTF-8 report can write a message that holds it
            self._err(node, "a lone surrogate (\\uD800-\\uDFFF) is not Unicode text", pointer, "yaml")
        return value


_COLLECTION_TAGS: dict[type[yaml.Node], str] = {yaml.MappingNode: "tag:yaml.org,2002:map",
                                                yaml.SequenceNode: "tag:yaml.org,2002:seq"}


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, msg: str) -> None:
        super().__init__(msg)
        self.node = node


def parse_yaml(text: str, path: str) -> tuple[Document | None, list[Finding]]:
    """Parse one YAML document (a rules file holds one definition); never raises for bad input,
    returns findings instead."""
    docs, findings = parse_yaml_documents(text, path)
    if findings and not docs:
        return None, findings
    if len(docs) != 1:
        what = "is empty" if not docs else f"holds {len(docs)} documents; put one definition per file"
        return None, [Finding("error", f"the file {what}", SourceRef(path, 1, 1), "yaml")]
    doc, found = docs[0]
    return doc, found


def parse_yaml_documents(text: str, path: str) -> tuple[list[tuple[Document | None, list[Finding]]], list[Finding]]:
    """Every document of a YAML stream (``---`` separated), each with its own findings; and the
    findings that stop the whole file (syntax, size). Records files may hold many documents."""
    if len(text) > MAX_FILE_BYTES:
        return [], [Finding("error", f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", SourceRef(path, 1, 1), "too-big")]
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_finding(exc, path)]
    except yaml.YAMLError as exc:
        return [], [Finding("error", f"YAML: {exc}", SourceRef(path, 1, 1), "yaml")]
    except RecursionError:
        return [], [Finding("error", "YAML nested too deeply", SourceRef(path, 1, 1), "too-big")]
    out: list[tuple[Document | None, list[Finding]]] = []
    for node in nodes:
        if node is not None:
            out.append(_document(node, text, path))
    return out, []


def _document(node: yaml.Node, text: str, path: str) -> tuple[Document | None, list[Finding]]:
    b = _Builder(path)
    try:
        data = b.build(node)
    except _TooBig as exc:
        m = exc.node.start_mark
        return None, [Finding("error", f"refused: {exc}", SourceRef(path, m.line + 1, m.column + 1), "too-big")]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Finding("error", f"YAML: {exc.problem}", SourceRef(path, line, col), "yaml")]
    return Document(path, data, text, b.positions, b.key_positions, b.styles), b.findings


def _syntax_finding(exc: yaml.MarkedYAMLError, path: str) -> Finding:
    """A syntax error at its line and column, with what to do about the common ones (PyYAML says
    only what it found: "mapping values are not allowed here")."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
    return Finding("error", f"YAML syntax: {msg}", SourceRef(path, line, col), "yaml", _syntax_hint(msg))


def _syntax_hint(msg: str) -> str:
    if "'\\t'" in msg or "tab" in msg:
        return "YAML indents with spaces only: replace the tab at this column with spaces"
    if "mapping values are not allowed" in msg:
        return ("a key at a deeper indentation than the line above, or a value with ': ' in it: align the key with "
                "its siblings, or quote the value")
    if "expected <block end>" in msg or "did not find expected key" in msg or "did not find expected '-'" in msg:
        return "the indentation of this line does not match the block it belongs to: indent it like its siblings"
    if "could not find expected ':'" in msg:
        return "a key without ': ', or a multi-line plain value: add ': ' after the key, or quote the value"
    if "found unexpected end of stream" in msg or "found unexpected end" in msg:
        return "a quote or bracket is not closed"
    return ""


def read_text(path: Path, display: str) -> tuple[str | None, list[Finding]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Finding("error", f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit", SourceRef(display), "too-big")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Finding("error", f"cannot read: {exc.strerror or exc}", SourceRef(display), "io")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Finding("error", f"not UTF-8 (byte {exc.start})", SourceRef(display, line, 1), "encoding")]


def load_file(path: Path, display: str | None = None) -> tuple[Document | None, list[Finding]]:
    display = display or str(path)
    text, findings = read_text(path, display)
    if text is None:
        return None, findings
    return parse_yaml(text, display)

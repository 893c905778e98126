"""JSON Schemas: the process format, the record contracts, and what they tell the engine.

The record schemas are the public contract (RECORDS.md); they are also read for
three engine purposes: validating records, knowing which values are timestamps
or money (``x-sop-type``) so the CEL view can normalise them, and resolving
field paths so that expression typos are caught at load time.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs

from .errors import Finding
from .loader import Document, escape
from .paths import bundled_schemas_dir, walk_files
from .results import SourceRef
from .schema_cases import as_cases
from .schema_fields import ViewPlan
from .schema_implied import without_implied

if TYPE_CHECKING:  # pragma: no cover
    import jsonschema
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

# what the compiler reads of a record schema lives in schema_fields.py; ViewPlan stays importable from here
__all__ = ["SCHEMA_BASE", "DocumentValidator", "RecordValidator", "SchemaStore", "ViewPlan", "default_schema_dirs",
           "doc_findings", "ecma_patterns", "ecma_regex", "readable", "record_errors"]

SCHEMA_BASE = "https://sopengine.dev/schemas/"
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


class SchemaStore:
    """Every ``*.json`` schema under the schemas directories, as one referencing Registry.

    Schemas are found by relative name (``records/order.schema.json``); relative
    ``$ref`` between them resolve through their ``$id``, never over the network.
    """

    def __init__(self, docs: Mapping[str, dict[str, Any]]) -> None:
        self.docs: dict[str, dict[str, Any]] = dict(docs)  # as written: what digests cover
        self.checked: dict[str, dict[str, Any]] = {rel: ecma_patterns(doc) for rel, doc in self.docs.items()}  # what validates
        self.findings: list[Finding] = []  # schema files that could not be read (from_dirs)
        self.dirs: list[str] = []  # where from_dirs looked, first wins: named when a schema is missing
        self._record_validators: dict[str, RecordValidator] = {}
        self._by_uri: dict[str, dict[str, Any]] = {}  # what the registry holds, by the URIs it holds them under
        for rel, doc in self.checked.items():
            self._by_uri[doc.get("$id") or SCHEMA_BASE + rel] = doc
            self._by_uri[SCHEMA_BASE + rel] = doc

    @functools.cached_property
    def registry(self) -> Registry:
        """Every schema as a referencing Registry, for the Python validator and the ``$ref`` that ``resolve``
        leaves to it. Built (and referencing imported, with attrs: ~15 ms) only when one of them asks."""
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resources = []
        for rel, doc in self.checked.items():
            uri = doc.get("$id") or SCHEMA_BASE + rel
            resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT202012)))
            if uri != SCHEMA_BASE + rel:
                resources.append((SCHEMA_BASE + rel, Resource.from_contents(doc, default_specification=DRAFT202012)))
        registry: Registry = Registry().with_resources(resources)
        return registry

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path]) -> SchemaStore:
        """Earlier directories override later ones (a rules repository's own schemas over the bundled)."""
        docs: dict[str, dict[str, Any]] = {}
        findings: list[Finding] = []
        for d in dirs:
            if not d.is_dir():
                continue
            for p, problem in walk_files(d, (".json",)):
                rel = p.relative_to(d).as_posix()
                if rel in docs:
                    continue
                doc, finding = _read_schema(p, problem)
                if finding is not None:  # a rules repository's broken schema is a finding, not a traceback
                    findings.append(finding)
                else:
                    docs[rel] = doc
        store = cls(docs)
        store.findings = findings
        store.dirs = [str(d) for d in dirs]
        return store

    def get(self, rel: str) -> dict[str, Any] | None:
        return self.docs.get(rel)

    def closure(self, rel: str) -> list[tuple[str, dict[str, Any]]]:
        """``rel`` and every schema it reaches through ``$ref``, sorted by name: all that
        decides whether a record is valid, hence all a result's digest must cover."""
        by_uri = {(doc.get("$id") or SCHEMA_BASE + name): name for name, doc in self.docs.items()}
        by_uri.update({SCHEMA_BASE + name: name for name in self.docs})
        seen, todo = {rel}, [rel]
        while todo:
            name = todo.pop()
            base = self.docs[name].get("$id") or SCHEMA_BASE + name
            for ref in _refs(self.docs[name]):
                target = by_uri.get(urljoin(base, ref).split("#", 1)[0])
                if target is not None and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return [(name, self.docs[name]) for name in sorted(seen)]

    def validator(self, rel: str) -> jsonschema.protocols.Validator:
        """The Python validator, whose findings name where and why. Imported here: a clean tree and a valid
        record never need it (the Rust validator answers "valid?"), and importing it was 30 ms of a cold start."""
        import jsonschema

        doc = self.checked[rel]
        cls = jsonschema.validators.validator_for(doc, default=jsonschema.Draft202012Validator)
        return cls(doc, registry=self.registry)

    def record_validator(self, rel: str) -> RecordValidator:
        """The validator of the records of ``rel``, one for every version that names it: building it from the
        schema is ~5 ms, what a cold check of an order paid twice (its two versions share their schema)."""
        found = self._record_validators.get(rel)
        if found is None:
            found = self._record_validators[rel] = RecordValidator(self, rel)
        return found

    def resolve(self, node: Mapping[str, Any], base: str) -> tuple[Mapping[str, Any], str]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, base
        found = self._pointed(ref, base)
        if found is not None:
            return found
        resolved = self.registry.resolver(base_uri=base).lookup(ref)
        return resolved.contents, resolved.resolver._base_uri

    def _pointed(self, ref: str, base: str) -> tuple[Mapping[str, Any], str] | None:
        """What the registry's resolver answers for ``ref``, when it is a plain JSON Pointer (or none) into a
        2020-12 schema of the store reached through no ``$id`` but its own, which is every ``$ref`` a compile
        reads in the bundled schemas: the node it points at and that schema's URI. None when anything could
        make the registry answer otherwise (an anchor, percent-encoding, a nested ``$id``, another dialect,
        a missing target), which then answers (or raises) as always (tests/test_schema_resolve.py)."""
        uri, fragment = (base, ref[1:]) if ref.startswith("#") else urldefrag(urljoin(base, ref))
        node: Any = self._by_uri.get(uri)
        if (node is None or node.get("$schema", _DRAFT_2020_12) != _DRAFT_2020_12 or node.get("$id", uri) != uri
                or (fragment and not fragment.startswith("/")) or "%" in fragment):
            return None
        for part in fragment.split("/")[1:]:
            if isinstance(node, dict):
                part = part.replace("~1", "/").replace("~0", "~")
                if part not in node:
                    return None
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and part.isascii() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
            if isinstance(node, dict) and "$id" in node:
                return None
        return (node, uri) if isinstance(node, dict) else None


_CLASS_ESCAPES = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}
_IN_CLASS = {"d": "0-9", "w": "A-Za-z0-9_"}


def ecma_regex(pattern: str) -> str:
    """``pattern`` with ECMA-262's meaning of ``\\d`` and ``\\w`` (ASCII), which JSON Schema's patterns have:
    Python's ``re`` and the Rust validator read ``\\d`` as any Unicode digit, so "１２" passed as money."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if in_class and nxt in _IN_CLASS:
                out.append(_IN_CLASS[nxt])
            elif not in_class and nxt in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[nxt])
            else:
                out.append(c + nxt)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            if pattern[i + 1:i + 2] == "]":  # "[]...]": a leading ] is a member
                out.append("[]")
                i += 2
                continue
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def ecma_patterns(node: Any) -> Any:
    """A copy of a schema whose ``pattern`` and ``patternProperties`` regexes mean what JSON Schema says."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                out[k] = ecma_regex(v)
            elif k == "patternProperties" and isinstance(v, Mapping):
                out[k] = {ecma_regex(p): ecma_patterns(sub) for p, sub in v.items()}
            else:
                out[k] = ecma_patterns(v)
        return out
    if isinstance(node, list):
        return [ecma_patterns(v) for v in node]
    return node


def _read_schema(path: Path, problem: str | None) -> tuple[Any, Finding | None]:
    """A schema file's JSON, or the finding (file, and line where there is one) that says why not."""
    if problem is not None:
        return None, Finding("error", problem, SourceRef(str(path)), "io")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        return None, Finding("error", f"cannot read: {exc.strerror or exc}", SourceRef(str(path)), "io")
    except UnicodeDecodeError as exc:
        return None, Finding("error", f"not UTF-8 (byte {exc.start})", SourceRef(str(path)), "encoding")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, Finding("error", f"invalid JSON: {exc.msg}", SourceRef(str(path), exc.lineno, exc.colno), "json")
    except (ValueError, RecursionError) as exc:
        return None, Finding("error", f"invalid JSON: {exc}", SourceRef(str(path)), "json")
    if not isinstance(doc, dict):
        return None, Finding("error", "a JSON Schema file must hold an object", SourceRef(str(path), 1, 1), "json")
    return doc, None


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _fmt_error(err: ValidationError) -> ValidationError:
    if err.context:
        from jsonschema.exceptions import best_match

        inner: ValidationError | None = best_match(err.context)
        if inner is not None:
            return inner
    return err


def doc_findings(doc: Document, validator: jsonschema.protocols.Validator, code: str = "schema") -> list[Finding]:
    """Schema errors of a YAML document, each at the line of the offending value (or key)."""
    out: list[Finding] = []
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path)):
        err = _fmt_error(err)
        pointer = "".join(f"/{escape(str(p))}" for p in err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            schema = err.schema if isinstance(err.schema, Mapping) else {}  # (it is: it has additionalProperties)
            allowed = list((schema.get("properties") or {}).keys())
            for extra in sorted(set(err.instance) - set(allowed)):
                close = difflib.get_close_matches(extra, allowed, n=1)
                out.append(Finding("error", f"unknown key {extra!r}", doc.where(f"{pointer}/{escape(extra)}", key=True),
                                   code, f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"))
            continue
        msg = err.message
        if len(msg) > 300:
            msg = msg[:300] + "…"
        out.append(Finding("error", msg, doc.where(pointer), code))
    return out


class DocumentValidator:
    """A rules file's schema check: the Rust validator answers "valid?" (the Python one was ~15 % of
    a cold start); only an invalid document pays for the Python validator's findings."""

    def __init__(self, store: SchemaStore, rel: str) -> None:
        self._store, self._rel = store, rel
        self._rs = _rs_validator(store, rel)

    @functools.cached_property
    def _py(self) -> jsonschema.protocols.Validator:
        return self._store.validator(self._rel)  # (two threads may both build it: the same validator)

    def findings(self, doc: Document, code: str = "schema") -> list[Finding]:
        if self._rs is not None:
            try:
                if self._rs.is_valid(doc.data):
                    return []
            except (ValueError, TypeError, OverflowError):
                pass  # e.g. an integer beyond 64 bits: the Python validator judges
        return doc_findings(doc, self._py, code)


class RecordValidator:
    """Records are validated on the hot path: the Rust validator answers "valid?" in
    microseconds (the Python one took ~3 ms per order, 70 % of evaluation); only an
    invalid record pays for the Python validator, whose messages and best_match we keep."""

    def __init__(self, store: SchemaStore, rel: str) -> None:
        self.rel = rel
        self._docs = store.docs
        self._store = store
        self._rs = _rs_validator(store, rel)

    @functools.cached_property
    def _py(self) -> jsonschema.protocols.Validator:
        return self._store.validator(self.rel)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_record_validator, (self._docs, self.rel))

    def errors(self, record: Any) -> list[str]:
        if self._rs is not None:
            try:
                if self._rs.is_valid(record):
                    return []
            except (ValueError, TypeError, OverflowError):
                pass  # e.g. an integer beyond 64 bits: let the Python validator judge
        return record_errors(self._py, record)


def _rebuild_record_validator(docs: Mapping[str, dict[str, Any]], rel: str) -> RecordValidator:
    return RecordValidator(SchemaStore(docs), rel)


def _rs_validator(store: SchemaStore, rel: str) -> jsonschema_rs.Validator | None:
    """The validator of "valid?": the Rust one, given ``rel`` without what it implies twice (schema_implied), its
    cases of one property asked as one ``anyOf`` (schema_cases)."""
    uri_of = {name: doc.get("$id") or SCHEMA_BASE + name for name, doc in store.checked.items()}
    by_uri = {uri_of[name]: doc for name, doc in store.checked.items()}
    reached = {uri_of[name]: store.checked[name] for name, _ in store.closure(rel)}  # all that decides validity
    top = store.checked[rel]
    try:
        registry = jsonschema_rs.Registry(list(by_uri.items()))
        base = top.get("$id") or SCHEMA_BASE + rel
        return jsonschema_rs.validator_for(as_cases(without_implied(top, base, reached), base), registry=registry)
    except Exception:  # noqa: BLE001 - a schema the Rust validator cannot compile, however it fails: the Python one still works
        return None


def record_errors(validator: jsonschema.protocols.Validator, record: Any, limit: int = 5) -> list[str]:
    errors: list[str] = []
    for err in validator.iter_errors(record):
        err = _fmt_error(err)
        pointer = "".join(f"/{escape(str(p))}" for p in err.absolute_path) or "/"
        msg = readable(err)
        msg = msg if len(msg) <= 200 else msg[:200] + "…"
        line = f"{pointer}: {msg}"
        if line in errors:  # the same fault seen through two subschemas (common event + process event)
            continue
        errors.append(line)
        if len(errors) >= limit:
            errors.append("…")
            break
    return sorted(errors)


_SHAPES = {"timestamp": "an RFC 3339 timestamp with ASCII digits, e.g. 2023-06-01T15:30:00+08:00",
           "date": "a YYYY-MM-DD day with ASCII digits, e.g. 2023-06-01",
           "until": "a YYYY-MM-DD day or an RFC 3339 timestamp with ASCII digits, e.g. 2026-05-01",
           "money": "an amount in ASCII digits with an optional decimal point, e.g. 299.00 (no sign, no unit)"}


def readable(err: ValidationError) -> str:
    """A record error as its reader can act on it: the shape expected instead of a raw regular
    expression, and the nearest allowed value for a misspelt one (``'shiped'`` → shipped)."""
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    kind = schema.get("x-sop-type")
    if err.validator == "pattern" and kind in _SHAPES:
        return f"{err.instance!r} is not {_SHAPES[kind]}"
    if err.validator in ("enum", "const") and isinstance(err.instance, str):
        allowed = [v for v in (schema.get("enum") or [schema.get("const")]) if isinstance(v, str)]
        close = difflib.get_close_matches(err.instance, allowed, n=1)
        if close:  # first: the list of allowed values may be cut short
            return f"{err.instance!r} is not one of the {len(allowed)} allowed values; did you mean {close[0]!r}?"
    return err.message


def default_schema_dirs(rules_dir: Path | None) -> list[Path]:
    dirs = []
    if rules_dir is not None:
        dirs += [rules_dir / "schemas", rules_dir.parent / "schemas"]
    dirs.append(bundled_schemas_dir())
    return dirs

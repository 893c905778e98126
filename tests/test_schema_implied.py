"""The Rust validator's copy of a record schema (schema_implied.without_implied) accepts exactly what the
schema as written accepts: compared on every example record and on records broken one field at a time,
and ``implies`` says False wherever a part says more than what it is compared with."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from sopengine.paths import bundled_schemas_dir
from sopengine.schema_implied import implies, without_implied
from sopengine.schemas import SCHEMA_BASE, SchemaStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STORE = SchemaStore.from_dirs([bundled_schemas_dir()])
BY_URI = {doc.get("$id") or SCHEMA_BASE + name: doc for name, doc in STORE.checked.items()}
REGISTRY = jsonschema_rs.Registry(list(BY_URI.items()))
RECORD_SCHEMAS = sorted(n for n in STORE.checked if n.startswith("records/") and n != "records/common.schema.json")


def _records() -> list[dict[str, Any]]:
    out = []
    for p in sorted(EXAMPLES.glob("*.jsonl")):
        out += [json.loads(line) for line in p.read_text("utf-8").splitlines() if line.strip()]
    return out


def _broken(rec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``rec`` broken one place at a time, where the schema as written and record_base both have a say."""
    for key, value in (("id", " "), ("id", ""), ("id", 7), ("process", "Order"), ("process", 1), ("events", {}),
                       ("events", [1]), ("events", [{}])):
        yield {**rec, key: value}
    changes: tuple[tuple[str, Any], ...] = (("at", "yesterday"), ("at", None), ("type", 1), ("type", "Not_a_type"),
                                            ("actor", ""), ("role", 5), ("note", 3), ("kind", "nothing"), ("carrier", ""))
    for i, _ in enumerate(rec.get("events") or []):
        for key, value in changes:
            bad = copy.deepcopy(rec)
            bad["events"][i][key] = value
            yield bad
        for key in ("at", "type"):
            bad = copy.deepcopy(rec)
            del bad["events"][i][key]
            yield bad


@pytest.mark.parametrize("rel", RECORD_SCHEMAS)
def test_the_reduced_schema_accepts_what_the_written_one_does(rel: str) -> None:
    top = STORE.checked[rel]
    reduced = without_implied(top, top.get("$id") or SCHEMA_BASE + rel, BY_URI)
    assert reduced is not top  # every record schema repeats record_base's events: left out
    full, fast = (jsonschema_rs.validator_for(s, registry=REGISTRY) for s in (top, reduced))
    process = rel.removeprefix("records/").removesuffix(".schema.json")
    records = [r for r in _records() if r.get("process") == process]
    assert records
    verdicts = []
    for rec in records:
        for candidate in (rec, *_broken(rec)):
            verdicts.append(full.is_valid(candidate))
            assert fast.is_valid(candidate) == verdicts[-1], candidate
    assert True in verdicts and False in verdicts  # (both answers were asked for)


def test_what_is_left_out_is_only_what_the_process_schema_says_again() -> None:
    top = STORE.checked["records/order.schema.json"]
    reduced = without_implied(top, top["$id"], BY_URI)
    base = reduced["allOf"][0]
    # process: const "order" implies the pattern only by what the text means, which implies() does not read;
    # id: minLength 1 does not imply the pattern \S
    assert sorted(base["properties"]) == ["id", "process"]
    assert base["properties"]["id"]["pattern"] == "\\S"
    assert "$ref" not in json.dumps(base) or "https://" in json.dumps(base)  # (refs made absolute)


A = "https://example.test/a.json"
DOCS: dict[str, dict[str, Any]] = {A: {"$defs": {"e": {"type": "object", "required": ["at"]}}}}


@pytest.mark.parametrize(("a", "b", "expected"), [
    ({"type": "array", "items": {"allOf": [{"$ref": "#/$defs/e"}, {"required": ["x"]}]}},
     {"type": "array", "items": {"$ref": "a.json#/$defs/e"}}, True),
    ({"type": "array", "items": {"$ref": "#/$defs/e"}}, {"type": "array", "items": {"$ref": "#/$defs/e"}, "minItems": 1}, False),
    ({"type": "array"}, {"type": "array", "items": {"$ref": "#/$defs/e"}}, False),
    ({"items": {"type": "string"}, "prefixItems": [{"type": "integer"}]}, {"items": {"type": "string"}}, False),
    ({"items": {"type": "string"}}, {"items": {"type": "string"}, "prefixItems": [{"type": "integer"}]}, False),
    ({"properties": {"description": {"type": "string"}}}, {"properties": {"description": {"type": "integer"}}}, False),
    ({"const": {"$ref": "#/x", "description": 1}}, {"const": {"$ref": "#/x"}}, False),
    ({"type": "string", "description": "one"}, {"type": "string", "description": "two", "x-sop-type": "t"}, True),
    ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"then": {"required": ["b"]}}, False),
    ({"minLength": 1}, {"minLength": 1, "pattern": "\\S"}, False),
    ({"$ref": "#/$defs/e"}, {"required": ["at"]}, True),
    ({"$ref": "#/$defs/e"}, {"required": ["at", "type"]}, False),
])
def test_implies_only_what_it_can_tell(a: Any, b: Any, expected: bool) -> None:
    assert implies(a, A, b, A, DOCS) is expected


def test_nothing_is_left_out_beside_keywords_that_read_their_siblings() -> None:
    docs = {A: {"$defs": {"base": {"properties": {"e": {"type": "array"}}, "unevaluatedProperties": False}}}}
    top = {"allOf": [{"$ref": "#/$defs/base"}], "properties": {"e": {"type": "array"}}}
    assert without_implied(top, A, docs) is top
    docs = {A: {"$defs": {"base": {"properties": {"e": {"type": "array"}}, "additionalProperties": False}}}}
    assert without_implied(top, A, docs) is top
    docs = {A: {"$defs": {"base": {"properties": {"e": {"type": "array"}}}}}}
    assert without_implied(top, A, docs)["allOf"] == [{"properties": {}}]

"""SchemaStore.resolve answers a plain JSON Pointer ``$ref`` without referencing (which a cold check no
longer imports): the very answer the registry's resolver gives, node and base URI, for every ``$ref`` of the
bundled schemas, and for made-up ones it must leave to the registry (anchors, nested ``$id``, escapes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from referencing.exceptions import Unresolvable

from sopengine.schemas import SCHEMA_BASE, SchemaStore, default_schema_dirs

from .conftest import RULES


def _by_registry(store: SchemaStore, ref: str, base: str) -> tuple[Any, str]:
    resolved = store.registry.resolver(base_uri=base).lookup(ref)
    return resolved.contents, resolved.resolver._base_uri


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _same(store: SchemaStore, ref: str, base: str) -> None:
    try:
        want = _by_registry(store, ref, base)
    except Unresolvable as exc:
        with pytest.raises(type(exc)):
            store.resolve({"$ref": ref}, base)
        return
    got = store.resolve({"$ref": ref}, base)
    assert got[1] == want[1] and got[0] is want[0], (ref, base)


def test_every_ref_of_the_bundled_schemas_resolves_as_the_registry_does():
    store = SchemaStore.from_dirs(default_schema_dirs(RULES))
    seen = 0
    for rel, doc in store.checked.items():
        base = doc.get("$id") or SCHEMA_BASE + rel
        for ref in _refs(doc):
            assert store._pointed(ref, base) is not None, ref  # the quick way answers all of them
            _same(store, ref, base)
            seen += 1
    assert seen > 200


MADE_UP = {
    "a.schema.json": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "plain": {"type": "string"},
            "a/b": {"type": "integer"},
            "t~x": {"type": "number"},
            "t~1x": {"type": "array"},  # "~01" is "~1", not "/"
            "list": {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
            "nested": {"$id": "https://elsewhere.example/n.json", "$defs": {"in": {"type": "string"}}},
            "anchored": {"$anchor": "here", "type": "string"},
            "bool": True,
            "pct": {"type": "object"},
        },
    },
    "b.schema.json": {"$id": "https://other.example/b.json", "$defs": {"x": {"type": "string"}}},
    "c.schema.json": {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"x": {"type": "string"}}},
}


@pytest.mark.parametrize("ref", [
    "#/$defs/plain", "#/$defs/a~1b", "#/$defs/t~0x", "#/$defs/t~01x", "#/$defs/list/anyOf/1", "#/$defs/list/anyOf/01",
    "#/$defs/list/anyOf/9", "#/$defs/nested/$defs/in", "#here", "#/$defs/anchored", "#/$defs/bool",
    "#/$defs/p%63t", "#/$defs/missing", "#", "", "a.schema.json#/$defs/plain",
    SCHEMA_BASE + "b.schema.json#/$defs/x", "https://other.example/b.json#/$defs/x", "c.schema.json#/definitions/x",
    "nowhere.schema.json#/x",
])
def test_made_up_refs_resolve_as_the_registry_does(ref):
    store = SchemaStore(MADE_UP)
    _same(store, ref, SCHEMA_BASE + "a.schema.json")
    quick = ref in QUICK
    assert (store._pointed(ref, SCHEMA_BASE + "a.schema.json") is not None) == quick  # left to the registry or not


QUICK = {"#/$defs/plain", "#/$defs/a~1b", "#/$defs/t~0x", "#/$defs/t~01x", "#/$defs/list/anyOf/1", "#/$defs/anchored",
         "#/$defs/list/anyOf/01", "#", "", "a.schema.json#/$defs/plain", "https://other.example/b.json#/$defs/x"}


def test_the_versions_of_a_process_share_their_record_validator(engine):
    """Built once per record schema (a cold check of an order built the order schema's twice), and it
    judges each version's records as before: the bundled examples' results stay those of the golden runs."""
    first, second = engine.versions("order")
    assert first.record_schema == second.record_schema and first.validator is second.validator
    store = SchemaStore.from_dirs(default_schema_dirs(RULES))
    assert store.record_validator(first.record_schema) is store.record_validator(first.record_schema)

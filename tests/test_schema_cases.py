"""The Rust validator's copy of a record schema asks the cases of one property as one ``anyOf``
(schema_cases.as_cases) and accepts exactly what the schema as written accepts: on every example record,
on records broken one field at a time, with each event given every type of its process, and on a
schema made for it; where the cases may not be moved, the schema is left as written."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import jsonschema_rs
import pytest

from sopengine.schema_cases import as_cases
from sopengine.schema_implied import without_implied
from sopengine.schemas import SCHEMA_BASE

from .test_schema_implied import (
    BY_URI,
    RECORD_SCHEMAS,
    REGISTRY,
    STORE,
    _broken,
    _records,
)


def _retyped(rec: dict[str, Any], types: list[str]) -> list[dict[str, Any]]:
    """``rec`` with each event given each type, bare and with what a case asks for broken or given."""
    out = []
    for i, _ in enumerate(rec.get("events") or []):
        for t in types:
            for extra in ({}, {"kind": "lost"}, {"kind": "nothing"}, {"carrier": ""}, {"carrier": "SF"}, {"defects": [""]},
                          {"defects": ["破损"]}, {"reported_at": "soon"}, {"customer_informed": "yes"}):
                bad = copy.deepcopy(rec)
                bad["events"][i] = {**bad["events"][i], "type": t, **extra}
                out.append(bad)
    return out


@pytest.mark.parametrize("rel", RECORD_SCHEMAS)
def test_the_schema_with_cases_accepts_what_the_written_one_does(rel: str) -> None:
    top = STORE.checked[rel]
    base = top.get("$id") or SCHEMA_BASE + rel
    fast_schema = as_cases(without_implied(top, base, BY_URI), base)
    full, fast = (jsonschema_rs.validator_for(s, registry=REGISTRY) for s in (top, fast_schema))
    process = rel.removeprefix("records/").removesuffix(".schema.json")
    events = top["properties"].get("events", {}).get("items", {}).get("allOf", [])
    types = [t for m in events for t in m.get("properties", {}).get("type", {}).get("enum", [])] + ["zzz"]
    verdicts = []
    for rec in [r for r in _records() if r.get("process") == process]:
        for candidate in (rec, *_broken(rec), *_retyped(rec, types)):
            verdicts.append(full.is_valid(candidate))
            assert fast.is_valid(candidate) == verdicts[-1], candidate
    assert True in verdicts and False in verdicts


def test_an_order_event_is_asked_its_cases_as_one_any_of() -> None:
    top = STORE.checked["records/order.schema.json"]
    items = as_cases(top, top["$id"])["properties"]["events"]["items"]["allOf"]
    assert not any("if" in m for m in items)
    cases = items[-1]["anyOf"]
    assert [c["properties"]["type"]["const"] for c in cases[:-2]] == [
        "exception_raised", "shipped", "inspected", "carrier_contacted"]
    assert cases[-2] == {"type": "object", "not": {"required": ["type"], "properties": {"type": {"enum": [
        "exception_raised", "shipped", "inspected", "carrier_contacted"]}}}}
    assert cases[-1]["not"] == {"type": "object"} and len(cases[-1]["allOf"]) == 4  # anything else: every then


def _case(text: Any, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"required": ["t"], "properties": {"t": {"const": text}}}, "then": then}


BASE = "https://example.test/s.json"
SCHEMA = {"type": "object", "allOf": [{"required": ["t"]}, _case("a", {"required": ["x"]}),
                                      _case("b", {"properties": {"x": {"type": "integer"}}}), _case("c", {"not": {}})]}
INSTANCES = [1, "a", [], None, {}, *({"t": t, **x} for t, x in itertools.product(
    ["a", "b", "c", "d", 1, None], [{}, {"x": 1}, {"x": "1"}, {"x": None}]))]


@pytest.mark.parametrize("schema", [
    SCHEMA,
    # no type of its own: a value that is no object meets every if, and must meet every then
    {"allOf": [_case("a", {"type": "object"}), _case("b", {})]},
    {"allOf": [_case("a", {"type": ["object", "string"]}), _case("b", {"type": ["object", "integer"]})]},
])
def test_cases_of_a_made_up_schema_accept_what_its_ifs_accept(schema: dict[str, Any]) -> None:
    fast = as_cases(schema, BASE)
    assert fast is not schema and "anyOf" in fast["allOf"][-1]
    written, cases = jsonschema_rs.validator_for(schema), jsonschema_rs.validator_for(fast)
    assert [written.is_valid(i) for i in INSTANCES] == [cases.is_valid(i) for i in INSTANCES]
    assert {written.is_valid(i) for i in INSTANCES} == {True, False}


@pytest.mark.parametrize("schema", [
    {"allOf": [_case("a", {}), _case("a", {"required": ["x"]})]},  # the same text twice: both may apply
    {"allOf": [_case("a", {}), _case(1, {})]},  # not text (1 and 1.0 are one const)
    {"allOf": [_case("a", {}), {"if": {"required": ["u"], "properties": {"u": {"const": "b"}}}, "then": {}}]},  # two properties
    {"allOf": [_case("a", {}), _case("b", {})], "unevaluatedProperties": False},  # reads what the ifs evaluated
    {"allOf": [_case("a", {}), _case("b", {"$ref": "#/$defs/x"})], "$defs": {"x": {}}},  # a reference into itself
    {"allOf": [_case("a", {}), {**_case("b", {}), "else": {}}]},  # an else
    {"allOf": [_case("a", {})]},  # one case: nothing to gain
])
def test_cases_that_may_not_be_moved_are_left_as_written(schema: dict[str, Any]) -> None:
    assert as_cases(schema, BASE) is schema

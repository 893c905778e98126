"""The data contracts the engine loads: record schemas (schemas/records) and the manual (rules/manual.yaml).

Everything here is read from this repository; nothing from outside it, and no network:
relative ``$ref`` between the record schemas resolve through a local ``referencing``
registry built from the files on disk.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
RECORDS = SCHEMAS / "records"
MANUAL = ROOT / "rules" / "manual.yaml"
BASE = "https://sopengine.dev/schemas/records/"

PROCESSES = ["product", "order", "service_ticket", "campaign", "kpi_daily", "product_evaluation"]

# What a record cannot be judged without (see each schema's description for the reasons).
REQUIRED = {
    "product": {"process", "id", "status"},
    "order": {"process", "id", "placed_at"},
    "service_ticket": {"process", "id", "opened_at"},
    "campaign": {"process", "id", "starts_at", "ends_at"},
    "kpi_daily": {"process", "id", "date"},
    "product_evaluation": {"process", "id", "product_id"},
}

# Event types RECORDS.md gives per process (kpi_daily and product_evaluation: none) ...
RECORDS_MD_EVENTS = {
    "product": {"submitted", "reviewed", "listed", "delisted", "stock_reconciled"},
    "order": {"reviewed", "cross_checked", "exception_raised", "customer_contacted", "allocated", "packed", "shipped",
              "delivered", "receipt_confirmed", "reshipped", "refunded", "archived"},
    "service_ticket": {"responded", "escalated", "resolved", "rating_requested", "supervisor_contacted",
                       "improvement_logged"},
    "campaign": {"planned", "warmup_sent", "load_tested", "launched", "ended", "review_published"},
    "kpi_daily": set(),
    "product_evaluation": set(),
}
# ... and the steps the manual needs besides (documented in each schema's description).
ADDED_EVENTS = {
    "product": {"qualification_checked", "evaluated", "replenished", "clearance_started"},
    "order": {"inspected", "carrier_contacted"},
    "service_ticket": {"classified", "solution_offered"},
    "campaign": {"rules_published", "assets_delivered", "partner_confirmed"},
    "kpi_daily": {"collected", "cleaned", "reported", "archived"},
    "product_evaluation": {"sample_tested", "scored", "archived"},
}

# Every clause ID of the manual digest (DIGEST.md), written out so that a clause missing from
# rules/manual.yaml fails here.
EXPECTED_CLAUSES = (
    {"SCOPE-01", "SCOPE-02"}
    | {f"PRD-{i:02d}" for i in range(1, 15)}
    | {f"ORD-{i:02d}" for i in range(1, 14)}
    | {f"CS-{i:02d}" for i in range(1, 11)}
    | {f"MKT-{i:02d}" for i in range(1, 14)}
    | {f"DATA-{i:02d}" for i in range(1, 9)}
    | {f"TPL-{i:02d}" for i in range(1, 6)}
    | {f"GEN-{i:02d}" for i in range(1, 4)}
)
CLAUSE_PREFIX_ORDER = ["SCOPE", "PRD", "ORD", "CS", "MKT", "DATA", "TPL", "GEN"]
EXPECTED_ROLES = {"ops_manager", "buyer", "ops_specialist", "ops_supervisor", "warehouse", "cs_agent",
                  "cs_supervisor", "design", "tech", "ops_team", "system", "customer"}


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def registry() -> Registry:
    resources = []
    for path in sorted(RECORDS.glob("*.json")):
        doc = _load(path)
        resources.append((doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validator(name: str, registry: Registry) -> Draft202012Validator:
    return Draft202012Validator(_load(RECORDS / f"{name}.schema.json"), registry=registry)


def example(name: str) -> dict:
    return copy.deepcopy(_load(RECORDS / f"{name}.schema.json")["examples"][0])


# --------------------------------------------------------------------------- schemas are well-formed


def test_the_record_schemas_are_exactly_these():
    names = sorted(p.name for p in RECORDS.glob("*.json"))
    assert names == sorted(["common.schema.json"] + [f"{n}.schema.json" for n in PROCESSES])


@pytest.mark.parametrize("path", sorted(RECORDS.glob("*.json")) + [SCHEMAS / "manual.schema.json"],
                         ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path):
    doc = _load(path)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("path", sorted(RECORDS.glob("*.json")), ids=lambda p: p.name)
def test_id_matches_file(path):
    assert _load(path)["$id"] == BASE + path.name


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        yield pointer, node
        for k, v in node.items():
            if k in ("examples", "const", "enum"):
                continue
            yield from _walk(v, f"{pointer}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{pointer}/{i}")


@pytest.mark.parametrize("name", ["common"] + PROCESSES)
def test_every_ref_resolves_locally(name, registry):
    doc = _load(RECORDS / f"{name}.schema.json")
    resolver = registry.resolver(base_uri=doc["$id"])
    refs = [(ptr, n["$ref"]) for ptr, n in _walk(doc) if isinstance(n.get("$ref"), str)]
    assert refs, "expected references to the common definitions"
    for ptr, ref in refs:
        assert not ref.startswith(("http:", "https:")), f"{ptr}: use a relative $ref, not {ref}"
        resolver.lookup(ref)  # raises Unresolvable if the target does not exist


def test_common_types_carry_x_sop_type():
    defs = _load(RECORDS / "common.schema.json")["$defs"]
    assert defs["timestamp"]["x-sop-type"] == "timestamp"
    assert defs["date"]["x-sop-type"] == "date"
    assert defs["money"]["x-sop-type"] == "money"
    assert "x-sop-type" not in defs["rate"]
    assert "minimum" not in defs["rate"] and "maximum" not in defs["rate"]
    assert "format" not in defs["timestamp"]  # format date-time would demand an offset


@pytest.mark.parametrize("name", PROCESSES)
def test_process_schema_head(name):
    doc = _load(RECORDS / f"{name}.schema.json")
    assert doc["type"] == "object"
    assert doc["additionalProperties"] is True
    assert doc["properties"]["process"] == {"const": name, "description": f"Always `{name}`."}
    assert {"$ref": "common.schema.json#/$defs/record_base"} in doc["allOf"]
    assert set(doc["required"]) == REQUIRED[name]
    assert len(doc["required"]) == len(set(doc["required"]))
    for field in REQUIRED[name] - {"process", "id"}:
        assert field in doc["properties"]
        assert f"`{field}`" in doc["description"], "the description must explain the required fields"


@pytest.mark.parametrize("name", PROCESSES)
def test_event_types(name):
    items = _load(RECORDS / f"{name}.schema.json")["properties"]["events"]["items"]
    assert items["allOf"][0] == {"$ref": "common.schema.json#/$defs/event"}
    enum = items["allOf"][1]["properties"]["type"]["enum"]
    assert len(enum) == len(set(enum))
    assert set(enum) == RECORDS_MD_EVENTS[name] | ADDED_EVENTS[name]
    description = _load(RECORDS / f"{name}.schema.json")["description"]
    for added in ADDED_EVENTS[name]:
        assert f"`{added}`" in description, f"added event type {added!r} is not documented"


# --------------------------------------------------------------------------- typed fields

TIMESTAMP_NAMES = {"at", "placed_at", "opened_at", "starts_at", "ends_at", "listed_at", "last_sold_at",
                   "balance_due_at", "ships_by", "agreed_ship_by",
                   "delivered_at", "requested_at", "scheduled_at", "expected_delivery_at",
                   "reported_at"}
DATE_NAMES = {"date", "expires_on"}
UNTIL_NAMES = {"retain_until"}  # a day (kept through its end) or an instant
MONEY_NAMES = {"price", "cost_price", "deposit", "amount", "budget", "promo_price", "gmv", "aov", "cost", "fee"}


def _properties(node: Any, base: str, registry: Registry, path: str, seen: set) -> Iterator[tuple[str, str, dict]]:
    """(path, property name, resolved property schema parts) for every property at any depth."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        resolved = registry.resolver(base_uri=base).lookup(node["$ref"])
        key = (resolved.resolver._base_uri, node["$ref"], path)
        if key not in seen:
            seen.add(key)
            yield from _properties(resolved.contents, resolved.resolver._base_uri, registry, path, seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, ()):
            yield from _properties(sub, base, registry, path, seen)
    if "then" in node:
        yield from _properties(node["then"], base, registry, path, seen)
    if isinstance(node.get("items"), dict):
        yield from _properties(node["items"], base, registry, path + "[]", seen)
    for name, sub in (node.get("properties") or {}).items():
        yield path, name, _sop_type(sub, base, registry)
        yield from _properties(sub, base, registry, f"{path}/{name}", seen)


def _sop_type(node: dict, base: str, registry: Registry) -> str | None:
    if "x-sop-type" in node:
        return node["x-sop-type"]
    if "$ref" in node:
        resolved = registry.resolver(base_uri=base).lookup(node["$ref"])
        return _sop_type(resolved.contents, resolved.resolver._base_uri, registry)
    return None


@pytest.mark.parametrize("name", PROCESSES)
def test_every_timestamp_date_and_money_field_is_typed(name, registry):
    doc = _load(RECORDS / f"{name}.schema.json")
    found = list(_properties(doc, doc["$id"], registry, "", set()))
    assert found
    for path, prop, kind in found:
        where = f"{name}: {path}/{prop}"
        if prop in TIMESTAMP_NAMES:
            assert kind == "timestamp", where
        elif prop in DATE_NAMES:
            assert kind == "date", where
        elif prop in UNTIL_NAMES:
            assert kind == "until", where
        elif prop in MONEY_NAMES:
            assert kind == "money", where
        else:
            assert kind is None, f"{where} is typed {kind!r}: add its name to the lists above"


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("name", PROCESSES)
def test_examples_validate(name, registry):
    doc = _load(RECORDS / f"{name}.schema.json")
    assert doc["examples"], "each schema carries at least one realistic example"
    v = validator(name, registry)
    for rec in doc["examples"]:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(rec)]
        assert errors == []
        assert rec["process"] == name
        enum = set(doc["properties"]["events"]["items"]["allOf"][1]["properties"]["type"]["enum"])
        assert {e["type"] for e in rec.get("events", [])} <= enum


def test_examples_follow_the_manual_templates():
    order = example("order")
    assert (order["id"], order["customer_id"], order["placed_at"], order["amount"], order["payment_status"]) == (
        "DD20230601001", "C1001", "2023-06-01T15:30:00+08:00", "299.00", "paid")
    product = example("product")
    assert (product["id"], product["category"], product["cost_price"], product["price"]) == (
        "SP2023001", "女装-连衣裙", "158.00", "299.00")
    assert product["skus"][0] == {"sku": "SP2023001-S-蓝-M", "stock": 100, "safety_stock": 20}
    kpi = example("kpi_daily")
    assert [kpi[k] for k in ("date", "uv", "pv", "bounce_rate", "gmv", "aov", "conversion_rate", "new_users")] == [
        "2023-06-01", 12000, 36000, 0.45, 150000, 250, 0.035, 500]
    campaign = example("campaign")
    assert [campaign[k] for k in ("name", "impressions", "clicks", "conversion_rate", "gmv", "roi")] == [
        "618年中大促", 500000, 50000, 0.032, 160000, 3.2]
    evaluation = example("product_evaluation")
    assert evaluation["scores"] == {"market_demand": 4, "profit_margin": 5, "supply_stability": 3}
    assert evaluation["total_score"] == 12


# --------------------------------------------------------------------------- wrong shapes are rejected


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def mutate(rec: dict) -> None:
        node = rec
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return mutate


def _delete(path: tuple) -> Callable[[dict], None]:
    def mutate(rec: dict) -> None:
        node = rec
        for k in path[:-1]:
            node = node[k]
        del node[path[-1]]
    return mutate


def _event_index(name: str, type_: str) -> int:
    return next(i for i, e in enumerate(example(name)["events"]) if e["type"] == type_)


BAD = [
    # (process, case id, mutation, expected error path, expected failing keyword)
    ("order", "amount-not-a-number", _set(("amount",), "abc"), ("amount",), "pattern"),
    ("order", "amount-negative", _set(("amount",), -1), ("amount",), "minimum"),
    ("order", "amount-boolean", _set(("amount",), True), ("amount",), "type"),
    ("order", "amount-exponent-string", _set(("amount",), "1e3"), ("amount",), "pattern"),
    ("order", "amount-null", _set(("amount",), None), ("amount",), "type"),
    ("order", "amount-with-unit", _set(("amount",), "299元"), ("amount",), "pattern"),
    ("order", "amount-signed-string", _set(("amount",), "-299.00"), ("amount",), "pattern"),
    ("order", "placed_at-missing", _delete(("placed_at",)), (), "required"),
    ("order", "placed_at-date-only", _set(("placed_at",), "2023-06-01"), ("placed_at",), "pattern"),
    ("order", "placed_at-not-iso", _set(("placed_at",), "06/01/2023 15:30"), ("placed_at",), "pattern"),
    ("order", "placed_at-month-13", _set(("placed_at",), "2023-13-01T15:30:00+08:00"), ("placed_at",), "pattern"),
    ("order", "placed_at-number", _set(("placed_at",), 1685604600), ("placed_at",), "type"),
    ("order", "payment_status-unknown", _set(("payment_status",), "settled"), ("payment_status",), "enum"),
    ("order", "address-not-object", _set(("address",), "文三路90号"), ("address",), "type"),
    ("order", "remote-not-boolean", _set(("address", "remote"), "no"), ("address", "remote"), "type"),
    ("order", "items-not-list", _set(("items",), {"sku": "SP2023001-S-蓝-M"}), ("items",), "type"),
    ("order", "item-without-sku", _delete(("items", 0, "sku")), ("items", 0), "required"),
    ("order", "qty-zero", _set(("items", 0, "qty"), 0), ("items", 0, "qty"), "minimum"),
    ("order", "event-without-at", _delete(("events", 0, "at")), ("events", 0), "required"),
    ("order", "event-without-type", _delete(("events", 0, "type")), ("events", 0), "required"),
    ("order", "event-bad-at", _set(("events", 0, "at"), "yesterday"), ("events", 0, "at"), "pattern"),
    ("order", "event-type-unknown", _set(("events", 0, "type"), "placed"), ("events", 0, "type"), "enum"),
    ("order", "events-not-list", _set(("events",), {"type": "reviewed"}), ("events",), "type"),
    ("order", "exception-without-kind",
     _set(("events", 0), {"type": "exception_raised", "at": "2023-06-01T18:00:00+08:00"}), ("events", 0), "required"),
    ("order", "exception-kind-unknown",
     _set(("events", 0), {"type": "exception_raised", "at": "2023-06-01T18:00:00+08:00", "kind": "weather"}),
     ("events", 0, "kind"), "enum"),
    ("order", "shipped-tracking-no-not-string",
     _set(("events", _event_index("order", "shipped"), "tracking_no"), 1402867531048),
     ("events", _event_index("order", "shipped"), "tracking_no"), "type"),
    ("order", "process-mismatch", _set(("process",), "product"), ("process",), "const"),
    ("order", "id-empty", _set(("id",), ""), ("id",), "minLength"),
    ("order", "id-blank", _set(("id",), "   "), ("id",), "pattern"),
    ("order", "id-missing", _delete(("id",)), (), "required"),
    ("product", "main_images-not-list", _set(("main_images",), "https://img.example.com/a.jpg"), ("main_images",),
     "type"),
    ("product", "main_image-without-url", _delete(("main_images", 0, "url")), ("main_images", 0), "required"),
    ("product", "watermark-not-boolean", _set(("main_images", 0, "watermark"), "no"), ("main_images", 0, "watermark"),
     "type"),
    ("product", "status-missing", _delete(("status",)), (), "required"),
    ("product", "status-unknown", _set(("status",), "on_sale"), ("status",), "enum"),
    ("product", "stock-not-integer", _set(("skus", 0, "stock"), "100"), ("skus", 0, "stock"), "type"),
    ("product", "expires_on-wrong-format", _set(("qualifications", 0, "expires_on"), "2024/05/31"),
     ("qualifications", 0, "expires_on"), "pattern"),
    ("product", "presale-deposit-not-money", _set(("presale",), {"deposit": "fifty"}), ("presale", "deposit"), "pattern"),
    ("product", "reviewed-without-outcome", _delete(("events", _event_index("product", "reviewed"), "outcome")),
     ("events", _event_index("product", "reviewed")), "required"),
    ("product", "reviewed-outcome-unknown", _set(("events", _event_index("product", "reviewed"), "outcome"), "ok"),
     ("events", _event_index("product", "reviewed"), "outcome"), "enum"),
    ("product", "tags-not-strings", _set(("tags",), [1, 2]), ("tags", 0), "type"),
    ("service_ticket", "opened_at-missing", _delete(("opened_at",)), (), "required"),
    ("service_ticket", "channel-unknown", _set(("channel",), "email"), ("channel",), "enum"),
    ("service_ticket", "category-unknown", _set(("category",), "complaint"), ("category",), "enum"),
    ("service_ticket", "message-from-unknown", _set(("messages", 0, "from"), "bot"), ("messages", 0, "from"), "enum"),
    ("service_ticket", "message-without-at", _delete(("messages", 0, "at")), ("messages", 0), "required"),
    ("service_ticket", "stars-six", _set(("rating", "stars"), 6), ("rating", "stars"), "maximum"),
    ("service_ticket", "stars-fraction", _set(("rating", "stars"), 2.5), ("rating", "stars"), "type"),
    ("service_ticket", "complex-not-boolean", _set(("complex",), "yes"), ("complex",), "type"),
    ("campaign", "ends_at-missing", _delete(("ends_at",)), (), "required"),
    ("campaign", "price-history-date", _set(("items", 0, "price_history", 0, "date"), "2023-5-2"),
     ("items", 0, "price_history", 0, "date"), "pattern"),
    ("campaign", "price-history-without-price", _delete(("items", 0, "price_history", 0, "price")),
     ("items", 0, "price_history", 0), "required"),
    ("campaign", "promo_price-not-money", _set(("items", 0, "promo_price"), "259元"), ("items", 0, "promo_price"),
     "pattern"),
    ("campaign", "clicks-negative", _set(("clicks",), -5), ("clicks",), "minimum"),
    ("campaign", "big_promotion-not-boolean", _set(("big_promotion",), 1), ("big_promotion",), "type"),
    ("kpi_daily", "date-missing", _delete(("date",)), (), "required"),
    ("kpi_daily", "date-with-time", _set(("date",), "2023-06-01T00:00:00+08:00"), ("date",), "pattern"),
    ("kpi_daily", "uv-negative", _set(("uv",), -1), ("uv",), "minimum"),
    ("kpi_daily", "pv-fraction", _set(("pv",), 36000.5), ("pv",), "type"),
    ("kpi_daily", "rate-as-percent-string", _set(("bounce_rate",), "45%"), ("bounce_rate",), "type"),
    ("product_evaluation", "product_id-missing", _delete(("product_id",)), (), "required"),
    ("product_evaluation", "score-out-of-scale", _set(("scores", "market_demand"), 6), ("scores", "market_demand"),
     "maximum"),
    ("product_evaluation", "supplier_years-negative", _set(("supplier_years",), -1), ("supplier_years",), "minimum"),
]


@pytest.mark.parametrize("name,case,mutate,path,keyword", BAD, ids=[f"{b[0]}:{b[1]}" for b in BAD])
def test_wrong_shape_is_rejected_at_its_path(name, case, mutate, path, keyword, registry):
    rec = example(name)
    mutate(rec)
    errors = list(validator(name, registry).iter_errors(rec))
    assert errors, f"{case}: accepted"
    got = [(tuple(e.absolute_path), e.validator) for e in errors]
    assert (path, keyword) in got, f"{case}: expected {keyword} at {path}, got {got}"


# --------------------------------------------------------------------------- shapes, not business limits


GOOD = [
    ("order", "offset-less-timestamp", _set(("placed_at",), "2023-06-01T15:30:00")),
    ("order", "template-style-timestamp", _set(("placed_at",), "2023-06-01 15:30")),
    ("order", "utc-timestamp", _set(("placed_at",), "2023-06-01T07:30:00Z")),
    ("order", "fractional-seconds", _set(("placed_at",), "2023-06-01T15:30:00.125+08:00")),
    ("order", "money-as-number", _set(("amount",), 299)),
    ("order", "money-as-float", _set(("amount",), 299.5)),
    ("order", "money-integer-string", _set(("amount",), "299")),
    ("order", "extra-record-field", _set(("coupon_code",), "618-40")),
    ("order", "extra-event-field", _set(("events", 0, "batch"), "18:00")),
    ("order", "extra-nested-field", _set(("address", "province"), "浙江省")),
    ("order", "no-events", _delete(("events",))),
    ("order", "minimal", lambda r: [r.pop(k) for k in list(r) if k not in REQUIRED["order"]]),
    ("kpi_daily", "rate-above-one", _set(("bounce_rate",), 1.5)),
    ("kpi_daily", "negative-rate", _set(("conversion_rate",), -0.1)),
    ("kpi_daily", "pv-below-uv", _set(("pv",), 100)),
    ("product", "one-main-image", lambda r: r.update(main_images=r["main_images"][:1])),
    ("product", "watermarked-image", _set(("main_images", 0, "watermark"), True)),
    ("product", "superlative-title", _set(("title",), "最好看的连衣裙 全网第一")),
    ("product", "negative-book-stock", _set(("skus", 0, "stock"), -3)),
    ("product", "minimal", lambda r: [r.pop(k) for k in list(r) if k not in REQUIRED["product"]]),
    ("campaign", "promo-above-history", _set(("items", 0, "promo_price"), "399.00")),
    ("campaign", "ends-before-start", _set(("ends_at",), "2023-05-01T00:00:00+08:00")),
    ("service_ticket", "minimal", lambda r: [r.pop(k) for k in list(r) if k not in REQUIRED["service_ticket"]]),
    ("product_evaluation", "further-factor", _set(("return_rate",), 0.08)),
]


@pytest.mark.parametrize("name,case,mutate", GOOD, ids=[f"{g[0]}:{g[1]}" for g in GOOD])
def test_business_limits_are_left_to_rules(name, case, mutate, registry):
    rec = example(name)
    mutate(rec)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name, registry).iter_errors(rec)]
    assert errors == [], case


# --------------------------------------------------------------------------- the manual


@pytest.fixture(scope="module")
def manual() -> dict:
    return yaml.safe_load(MANUAL.read_text("utf-8"))


def test_manual_first_line_points_at_its_schema():
    first = MANUAL.read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/manual.schema.json"
    assert (MANUAL.parent / "../schemas/manual.schema.json").resolve().is_file()


def test_manual_validates(manual):
    v = Draft202012Validator(_load(SCHEMAS / "manual.schema.json"))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(manual)] == []
    assert (manual["apiVersion"], manual["kind"], manual["id"]) == ("sopengine/v1", "Manual", "ecommerce_sop")
    assert manual["source"]["title"] == "电子商务平台运营流程标准手册"
    assert manual["source"]["truncated"] is True


def test_manual_lists_every_clause(manual):
    ids = [c["id"] for c in manual["clauses"]]
    assert set(ids) == EXPECTED_CLAUSES, (
        f"missing: {sorted(EXPECTED_CLAUSES - set(ids))}, unknown: {sorted(set(ids) - EXPECTED_CLAUSES)}")


def test_clause_ids_are_unique(manual):
    dupes = [k for k, n in Counter(c["id"] for c in manual["clauses"]).items() if n > 1]
    assert dupes == []


def test_clauses_are_in_document_order(manual):
    keys = [(CLAUSE_PREFIX_ORDER.index(c["id"].split("-")[0]), int(c["id"].split("-")[1])) for c in manual["clauses"]]
    assert keys == sorted(keys)


def test_sections_are_consistent(manual):
    sections = {s["id"]: s for s in manual["sections"]}
    assert len(sections) == len(manual["sections"]), "section ids are unique"
    numbers = [s["number"] for s in manual["sections"]]
    assert len(numbers) == len(set(numbers)), "section numbers are unique"
    for s in manual["sections"]:
        if "parent" in s:
            parent = sections[s["parent"]]
            assert s["number"].rsplit(".", 1)[0] == parent["number"], s["id"]
        else:
            assert "." not in s["number"], s["id"]
    for c in manual["clauses"]:
        assert c["section"] in sections, f"{c['id']}: unknown section {c['section']!r}"
    used = {c["section"] for c in manual["clauses"]}
    leaves = {s["id"] for s in manual["sections"]} - {s["parent"] for s in manual["sections"] if "parent" in s}
    assert leaves <= used, f"sections without clauses: {sorted(leaves - used)}"


def test_section_of_each_clause_family(manual):
    expected = {"SCOPE-01": "1.1", "SCOPE-02": "1.2", "PRD": "2.1", "ORD": "2.2", "CS": "2.3", "MKT": "2.4",
                "DATA": "2.5", "TPL-01": "3.1", "TPL-02": "3.1", "TPL-03": "3.2", "TPL-04": "3.3", "TPL-05": "3.4",
                "GEN": "4.1"}
    number = {s["id"]: s["number"] for s in manual["sections"]}
    for c in manual["clauses"]:
        want = expected.get(c["id"]) or expected[c["id"].split("-")[0]]
        assert number[c["section"]] == want, c["id"]


def test_roles(manual):
    keys = [r["key"] for r in manual["roles"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == EXPECTED_ROLES
    for c in manual["clauses"]:
        assert set(c["roles"]) <= set(keys), f"{c['id']}: unknown roles {set(c['roles']) - set(keys)}"
    named = {r for c in manual["clauses"] for r in c["roles"]}
    assert named == EXPECTED_ROLES, f"roles no clause names: {EXPECTED_ROLES - named}"
    by_id = {c["id"]: set(c["roles"]) for c in manual["clauses"]}
    assert by_id["ORD-05"] == {"warehouse"}
    assert by_id["CS-07"] == {"cs_supervisor", "customer"}
    assert by_id["MKT-03"] == {"design", "tech"}
    assert by_id["MKT-09"] == {"ops_team"}


def test_clause_texts_are_single_lines_in_both_languages(manual):
    for c in manual["clauses"]:
        for lang in ("zh", "en"):
            text = c["text"][lang]
            assert text.strip() == text and "\n" not in text, f"{c['id']}.{lang}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c["text"]["zh"]), c["id"]


@pytest.mark.parametrize("mutate,path", [
    (lambda m: m.update(version="1.0"), ()),
    (lambda m: m["clauses"][0].update(source="x"), ("clauses", 0)),
    (lambda m: m["clauses"][0].update(id="ORD-6"), ("clauses", 0, "id")),
    (lambda m: m["clauses"][0]["text"].update(en="two\nlines"), ("clauses", 0, "text", "en")),
    (lambda m: m["clauses"][0]["text"].pop("zh"), ("clauses", 0, "text")),
    (lambda m: m["clauses"][0].pop("roles"), ("clauses", 0)),
    (lambda m: m["sections"][0].update(number="2.x"), ("sections", 0, "number")),
    (lambda m: m["roles"][0].update(key="Ops Manager"), ("roles", 0, "key")),
    (lambda m: m.update(kind="Process"), ("kind",)),
], ids=["unknown-top-key", "unknown-clause-key", "bad-clause-id", "multi-line-text", "missing-zh", "missing-roles",
        "bad-section-number", "bad-role-key", "wrong-kind"])
def test_manual_schema_is_strict(manual, mutate, path):
    m = copy.deepcopy(manual)
    mutate(m)
    got = [tuple(e.absolute_path) for e in Draft202012Validator(_load(SCHEMAS / "manual.schema.json")).iter_errors(m)]
    assert path in got, got


def _clause_index(manual: dict, cid: str) -> int:
    return next(i for i, c in enumerate(manual["clauses"]) if c["id"] == cid)


@pytest.mark.parametrize("cid,change,path", [
    ("PRD-02", {"checkable": False}, ()),                                               # false without a reason
    ("PRD-02", {"reason": {"zh": "理由", "en": "why"}}, ()),                             # a reason without false
    ("PRD-02", {"checkable": True, "reason": {"zh": "理由", "en": "why"}}, ()),         # a reason with true
    ("CS-08", {"checkable": "no"}, ("checkable",)),                                    # not a boolean
    ("CS-08", {"reason": {"zh": "理由"}}, ("reason",)),                                  # en missing
    ("CS-08", {"reason": {"zh": "理由", "en": "two\nlines"}}, ("reason", "en")),         # one line each
], ids=["false-without-reason", "reason-without-false", "reason-with-true", "not-boolean", "reason-missing-en",
        "reason-multi-line"])
def test_checkable_and_reason_are_strict(manual, cid, change, path):
    m = copy.deepcopy(manual)
    i = _clause_index(m, cid)
    m["clauses"][i].update(change)
    got = [tuple(e.absolute_path) for e in Draft202012Validator(_load(SCHEMAS / "manual.schema.json")).iter_errors(m)]
    assert ("clauses", i, *path) in got, got


def test_clauses_marked_not_checkable_say_why_in_both_languages(manual):
    marked = [c for c in manual["clauses"] if c.get("checkable") is False]
    assert marked, "some clauses of the manual need a person's judgement"
    for c in marked:
        assert set(c["reason"]) == {"zh", "en"}, c["id"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c["reason"]["zh"]), c["id"]
    assert all("reason" not in c for c in manual["clauses"] if c.get("checkable", True))

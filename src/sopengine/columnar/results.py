"""Results as Arrow rows whose layout is derived from ``schemas/result.schema.json``.

The Arrow (and so Spark, Dask and Parquet) schema is computed from the public JSON
Schema of a result, not written a second time by hand, so the two cannot drift: a
field the contract gains becomes a column. Objects with declared properties become
structs, arrays lists, and free-form objects (a violation's ``evidence``) a JSON
text column, which SQL reads with ``get_json_object`` / ``from_json``. One row per
record, violations and next actions as arrays of structs, so ``explode(violations)``
gives one row per violation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa

from ..paths import bundled_schemas_dir
from ..results import Result

__all__ = ["RESULT_SCHEMA", "result_schema", "results_to_batch", "row_to_result_dict"]

_SCALARS: dict[str, pa.DataType] = {"string": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(), "number": pa.float64()}


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"result schema: only local $refs are supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _types(node: Mapping[str, Any]) -> list[str]:
    t = node.get("type")
    if isinstance(t, list):
        return [x for x in t if x != "null"]
    if t is not None:
        return [t]
    if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
        return ["string"]
    return []


def _arrow_type(node: Mapping[str, Any], root: Mapping[str, Any], where: str) -> pa.DataType:
    node = _resolve(node, root)
    types = _types(node)
    if types == ["array"]:
        return pa.list_(_arrow_type(node.get("items", {}), root, where + "/items"))
    if types == ["object"]:
        props = node.get("properties")
        if not props:
            return pa.string()  # free-form: JSON text
        return pa.struct([pa.field(k, _arrow_type(v, root, f"{where}/{k}")) for k, v in props.items()])
    if len(types) == 1 and types[0] in _SCALARS:
        return _SCALARS[types[0]]
    raise ValueError(f"result schema at {where or '/'}: no columnar type for {types or 'an untyped value'}")


def _plan(node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """How to turn a ``to_dict`` value into a column value and back: a small tree of
    ('json' | 'list' | 'struct' | 'scalar', detail, nullable)."""
    node = _resolve(node, root)
    t = node.get("type")
    nullable = isinstance(t, list) and "null" in t
    types = _types(node)
    if types == ["array"]:
        return ("list", _plan(node.get("items", {}), root), nullable)
    if types == ["object"]:
        props = node.get("properties")
        if not props:
            return ("json", None, nullable)
        return ("struct", {k: _plan(v, root) for k, v in props.items()}, nullable)
    return ("scalar", None, nullable)


def _to_column(value: Any, plan: Any) -> Any:
    kind, detail, _ = plan
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if kind == "list":
        return [_to_column(v, detail) for v in value]
    if kind == "struct":
        return {k: _to_column(value.get(k), p) for k, p in detail.items()}
    return value


def _from_column(value: Any, plan: Any) -> Any:
    kind, detail, _ = plan
    if value is None:
        return None
    if kind == "json":
        return json.loads(value)
    if kind == "list":
        return [_from_column(v, detail) for v in value]
    if kind == "struct":
        out = {}
        for k, p in detail.items():
            v = value.get(k)
            if v is None and not p[2]:
                continue  # null where the contract admits no null: the field was absent
            out[k] = _from_column(v, p)
        return out
    return value


@lru_cache(maxsize=1)
def _contract() -> tuple[pa.Schema, Any]:
    doc = json.loads((bundled_schemas_dir() / "result.schema.json").read_text("utf-8"))
    root_type = _arrow_type(doc, doc, "")
    assert isinstance(root_type, pa.StructType), "a result is an object"
    return pa.schema(list(root_type)), _plan(doc, doc)


def result_schema(passthrough: pa.Schema | None = None) -> pa.Schema:
    """The result rows' schema; ``passthrough`` columns (from the input) follow the contract's."""
    base = _contract()[0]
    if passthrough is None or not len(passthrough):
        return base
    clash = [n for n in passthrough.names if n in base.names]
    if clash:
        raise ValueError(f"pass-through column(s) {', '.join(clash)} would hide result fields of the same name")
    return pa.schema([*base, *passthrough])


RESULT_SCHEMA = result_schema()


def results_to_batch(results: Iterable[Result], *, lang: str = "en", trace: bool = False,
                     passthrough: pa.RecordBatch | pa.Table | None = None) -> pa.RecordBatch:
    """One Arrow row per result, in order; ``passthrough`` (same number of rows) is appended as is."""
    schema, plan = _contract()
    rows = [_to_column(r.to_dict(lang, trace=trace), plan) for r in results]
    batch = pa.RecordBatch.from_pylist(rows, schema=schema)
    if passthrough is None or passthrough.num_columns == 0:
        return batch
    if passthrough.num_rows != batch.num_rows:
        raise ValueError(f"{passthrough.num_rows} pass-through rows for {batch.num_rows} results")
    # a Table's columns as one Array each (its first batch alone missed the rows of the later chunks)
    extra = (pa.RecordBatch.from_arrays([c.combine_chunks() for c in passthrough.columns], schema=passthrough.schema)
             if isinstance(passthrough, pa.Table) else passthrough)
    arrays = [*batch.columns, *(extra.column(i) for i in range(extra.num_columns))]
    return pa.RecordBatch.from_arrays(arrays, schema=result_schema(passthrough.schema))


def row_to_result_dict(row: Mapping[str, Any], names: Sequence[str] | None = None) -> dict[str, Any]:
    """A result row back in the JSON shape of ``Result.to_dict`` (only the contract's columns)."""
    _, plan = _contract()
    back: dict[str, Any] = _from_column({k: row.get(k) for k in (names or plan[1])}, plan)
    return back

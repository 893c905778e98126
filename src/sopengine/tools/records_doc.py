"""docs/records.md: the record contract, one table per process, generated from the schemas and rules.

For each process: every top-level field and every event type of its record
schema, what it means (the schema's description), which rules read it, and
whether it is **core** (RECORDS.md: every shop is assumed to record it) or
**optional** (listed in the schema's ``x-optional``: a rule that would fire on
its absence reports ``unverified`` unless the shop declares it records it).
Generated, never edited: ``python docs/_gen/records.py``; a test fails when the
committed page differs from what this renders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

HEAD = """# The record contract, process by process

Generated from `schemas/records/*.schema.json` and `rules/processes/*.yaml` by
`python docs/_gen/records.py` (a test fails when this page is out of date). **core**
data is what RECORDS.md names: every shop is assumed to record it, and a rule may
report a breach when it is absent. **optional** data is listed in the record
schema's `x-optional`: when a record lacks it, a rule that would fire on its
absence reports `unverified` instead, unless the shop declares in `sopengine.yaml`
(`records: {process: [name, ...]}`) or with `--profile full` that it records it.
"""


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _event_types_named(text: str) -> set[str]:
    """Event types an expression compares an event's type with (``e.type == 'x'``, ``e.type in ['x', 'y']``),
    so that a quoted value of a field (``payment_status in ['refunded']``) is not taken for an event."""
    named = set(re.findall(r"type\s*==\s*'([a-z_][a-z0-9_]*)'", text))
    for group in re.findall(r"type\s+in\s+\[([^\]]*)\]", text):
        named.update(re.findall(r"'([a-z_][a-z0-9_]*)'", group))
    return named


def _reads(doc: dict[str, Any]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """field -> rule ids whose text reads ``record.field``; event type -> rules naming it (steps by event)."""
    fields: dict[str, set[str]] = {}
    events: dict[str, set[str]] = {}
    for ck in doc.get("checks") or ():
        text = json.dumps([ck.get("params"), ck.get("when")], ensure_ascii=False)
        for f in re.findall(r"record\.([a-z_][a-z0-9_]*)", text):
            fields.setdefault(f, set()).add(ck["id"])
        for e in _event_types_named(text):
            events.setdefault(e, set()).add(ck["id"])
        for n in ck.get("needs") or ():
            (events if "." not in n else fields).setdefault(n.split(".")[0], set()).add(ck["id"])
    for st in doc.get("steps") or ():
        events.setdefault(st["event"], set()).add(f"step {st['id']}")
        # a step reads fields too: its guard, when it is expected, and its deadline (ORD-06's agreed dates)
        text = json.dumps([st.get("when"), st.get("expected_when"), st.get("sla")], ensure_ascii=False)
        for f in re.findall(r"record\.([a-z_][a-z0-9_]*)", text):
            fields.setdefault(f, set()).add(f"step {st['id']}")
    return fields, events


def render_process(pid: str, schema: dict[str, Any], docs: Iterable[dict[str, Any]], event_types: Iterable[str],
                   reads: Iterable[tuple[str, str]] = ()) -> str:
    """``reads``: (field, rule id) pairs that checks declare beyond their params' text (``CheckType.reads``)."""
    from ..contract import read_optional

    optional = read_optional(schema)
    opt_fields = {o.pointer[1:]: o for o in optional.values() if o.event is None and o.pointer.count("/") == 1}
    opt_parts = [o for o in optional.values() if o.event is None and o.pointer.count("/") > 1]
    core = schema.get("x-core") or {}
    core_fields, core_events = set(core.get("fields") or ()), set(core.get("events") or ())

    def kind(name: str, is_event: bool) -> str:
        if name in (opt_events if is_event else opt_fields):
            return "optional"
        if not core or name in (core_events if is_event else core_fields):
            return "core"
        return "optional, read only when present"
    opt_events = {o.event: o for o in optional.values() if o.event and not o.pointer}
    opt_event_fields = [o for o in optional.values() if o.event and o.pointer]
    fields: dict[str, set[str]] = {}
    events: dict[str, set[str]] = {}
    for d in docs:
        f, e = _reads(d)
        for k, v in f.items():
            fields.setdefault(k, set()).update(v)
        for k, v in e.items():
            events.setdefault(k, set()).update(v)
    for name, rule in reads:
        fields.setdefault(name, set()).add(rule)
    lines = [f"## {pid}", "", f"{_cell(schema.get('title', pid))}", "",
             "| field / event | meaning | read by | core or optional |", "|---|---|---|---|"]
    for name, prop in (schema.get("properties") or {}).items():
        if name == "events":
            continue
        desc = prop.get("description") or (opt_fields[name].description if name in opt_fields else "")
        lines.append(f"| `{name}` | {_cell(desc)} | {_cell(', '.join(sorted(fields.get(name, ()))) or '—')} | "
                     f"{kind(name, False)} |")
    for name, o in sorted(opt_fields.items()):
        if name not in (schema.get("properties") or {}):
            lines.append(f"| `{name}` | {_cell(o.description)} | {_cell(', '.join(sorted(fields.get(name, ()))) or '—')} "
                         "| optional |")
    for et in event_types:
        desc = opt_events[et].description if et in opt_events else ""
        lines.append(f"| event `{et}` | {_cell(desc)} | {_cell(', '.join(sorted(events.get(et, ()))) or '—')} | "
                     f"{kind(et, True)} |")
    for o in opt_parts:
        lines.append(f"| `{o.pointer[1:].replace('/', '.')}` | {_cell(o.description)} | "
                     f"{_cell(', '.join(sorted(r for r in fields.get(o.pointer.split('/')[1], set()))) or '—')} | optional |")
    for o in opt_event_fields:
        lines.append(f"| `{o.event}{o.pointer.replace('/', '.')}` (field of event `{o.event}`) | {_cell(o.description)} | "
                     f"{_cell(', '.join(sorted(r for r in fields.get(o.name.split('.')[0], set()))) or '—')} | optional |")
    return "\n".join(lines) + "\n"


def render(engine: Engine) -> str:
    from ..schema_fields import record_event_types

    parts = [HEAD]
    for pid in engine.process_ids:
        versions = engine.versions(pid)
        latest = versions[-1]
        schema = engine._store.get(latest.record_schema)
        assert schema is not None, "a process compiles only with its record schema"
        reads = [(f, ck.id) for p in versions for ck in p.checks for f in ck.impl.reads()]
        parts.append(render_process(pid, schema, [p.document.data for p in versions],
                                    sorted(record_event_types(schema) or ()), reads))
    return "\n".join(parts)


__all__ = ["render", "render_process"]

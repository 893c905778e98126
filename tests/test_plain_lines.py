"""A JSON Lines record that orjson has read is screened by its line, not walked again.

``check`` reads JSON Lines with orjson, which can only produce plain JSON data, and
``inputs.records.plain_line`` rules out from the line's bytes what orjson lets through and
the engine's screen refuses (nesting past MAX_RECORD_DEPTH, integers beyond int64); the
engine then spares the walk of ``inputs.json_data.screen``. This must never call a record
plain that the screen would not: every verdict is compared with the screen's, and the
results of ``check``'s loop with those of ``Engine.evaluate`` on the same records.
"""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopengine.inputs.json_data import MAX_RECORD_DEPTH, screen
from sopengine.inputs.records import jsonl_records
from sopengine.inputs.slices import Lines, records_of
from sopengine.parallel import Judge

from .conftest import EXAMPLES, NOW


@pytest.mark.parametrize("line", [b"NaN", b"[Infinity]", b"-Infinity", b"1e400", b"[-1e999]", b'"\\ud800"',
                                  b'"a\\udc00"', b'{"\\ud83d": 1}', b'"\xed\xa0\x80"', b'"\xff"'])
def test_orjson_refuses_what_the_screen_would_refuse(line):
    """What plain_line relies on: orjson reads no NaN, no infinity and no lone surrogate (text or key)."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(line)


def _verdicts(line: bytes) -> list[tuple[object, bool]]:
    return [(r, plain) for r, _, plain in jsonl_records([(1, line)], "x.jsonl")]


def _nested(depth: int) -> dict:
    value: object = 1
    for i in range(depth - 1):
        value = {"k": value} if i % 2 else [value]
    return {"process": "order", "deep": value}


@pytest.mark.parametrize("record, plain", [
    ({"process": "order", "n": 2**63 - 1, "m": -(2**63)}, False),  # 19 digits: left to the screen (which passes it)
    ({"process": "order", "n": 2**63}, False),
    ({"process": "order", "n": 2**64 - 1}, False),  # orjson reads it as an int, the screen refuses it as plain
    ({"process": "order", "n": 10**17, "x": 1.5e300, "s": "雪纺\u2028"}, True),
    (_nested(MAX_RECORD_DEPTH), True),
    (_nested(MAX_RECORD_DEPTH + 1), False),
])
def test_edges(record, plain):
    [(got, verdict)] = _verdicts(json.dumps(record).encode())
    assert verdict is plain
    if verdict:
        assert screen(got) == (None, True)


_scalars = (st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=8))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                               max_size=3), max_leaves=90)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json, chain=st.integers(0, 70), ascii_only=st.booleans())
def test_a_plain_verdict_is_the_screens(value, chain, ascii_only):
    for _ in range(chain):  # deep nesting, near the limit and past it
        value = [value]
    line = json.dumps({"process": "order", "v": value}, ensure_ascii=ascii_only).encode()
    [(record, verdict)] = _verdicts(line)
    if verdict:
        assert screen(record) == (None, True)


def test_check_loop_judges_as_evaluate_does(engine):
    """``check``'s loop (plain records unscreened) against ``Engine.evaluate`` (every record screened), on the
    examples and on lines the screen treats otherwise: too deep, integers past int64, a non-object."""
    lines = [x for x in (EXAMPLES / "orders.jsonl").read_bytes().splitlines() if x.strip()]
    seed = json.loads(lines[0])
    lines += [json.dumps({**seed, "id": "DEEP", "note": _nested(MAX_RECORD_DEPTH + 1)}).encode(),
              json.dumps({**seed, "id": "EDGE", "note": _nested(MAX_RECORD_DEPTH)}).encode(),
              json.dumps({**seed, "id": "WIDE", "amount": 2**64 - 1, "phone": 2**63}).encode(),
              b"[1, 2]", b"{not json"]
    s = Lines("in.jsonl", tuple(enumerate(lines, 1)))
    got = Judge(engine, NOW)(s).results
    want = [engine.evaluate(r, NOW, source=w) for r, w in records_of(s)]
    assert got == want
    assert any(r.error and "nested deeper" in r.error for r in got)

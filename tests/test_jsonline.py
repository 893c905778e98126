"""report/jsonline.py writes exactly what json.dumps(result.to_dict()) writes, and escapes exactly as SafeText."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.report.jsonline import encode, safe_bytes
from sopengine.results import NextAction, Result, SourceRef, Text, Unverified, Violation
from sopengine.text.controls import SafeText, escape_unsafe

from .conftest import EXAMPLES, NOW, read_jsonl


def _reference(r: Result, lang: str, trace: bool) -> str:
    return json.dumps(r.to_dict(lang, trace), ensure_ascii=False, sort_keys=False)


def _safe_reference(line: str) -> bytes:
    out = io.StringIO()
    SafeText(out).write(line)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonl")), ids=lambda p: Path(p).name)
def test_every_example_result_is_written_as_json_dumps_writes_it(engine, path):
    for i, rec in enumerate(read_jsonl(path)):
        r = engine.evaluate(rec, NOW, source=SourceRef(str(path), i + 1, 1))
        for lang in ("en", "zh"):
            for trace in (False, True):
                assert encode(r, lang, trace) == _reference(r, lang, trace)


text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # lone surrogates never reach a result
json_data = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | text
    | st.floats(allow_nan=True, allow_infinity=True) | st.floats(min_value=-1e-300, max_value=1e-300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)
maybe_text = st.none() | text
clauses = st.lists(text, max_size=3).map(tuple)
violations = st.builds(Violation, text, st.sampled_from(["error", "warning", "info"]), clauses,
                       st.builds(Text, text, text), text, st.dictionaries(text, json_data, max_size=3))
actions = st.builds(NextAction, text, text, maybe_text, clauses, st.builds(Text, text, text), maybe_text,
                    st.booleans(), st.lists(text, max_size=2).map(tuple))
sources = st.none() | st.builds(SourceRef, text, st.none() | st.integers(0, 10**12), st.none() | st.integers(0, 99), text)
results = st.builds(
    Result, maybe_text | st.integers(), maybe_text, maybe_text, maybe_text, st.lists(violations, max_size=3).map(tuple),
    st.lists(actions, max_size=2).map(tuple), maybe_text, maybe_text, sources, st.lists(text, max_size=3).map(tuple),
    st.lists(st.builds(Unverified, text, clauses, clauses), max_size=2).map(tuple))


@settings(max_examples=300, deadline=None)
@given(results, st.sampled_from(["en", "zh"]), st.booleans())
def test_any_result_is_written_as_json_dumps_writes_it(r, lang, trace):
    from sopengine.report import jsonline

    line = encode(r, lang, trace)
    assert line == _reference(r, lang, trace)
    assert safe_bytes(line) == _safe_reference(line)
    # the texts through json's own function (no orjson installed) write the very same bytes
    assert jsonline._by_json(r, lang, trace) == jsonline.line(r, lang, trace) == line.encode("utf-8")


def test_orjson_writes_every_code_point_as_json_dumps_writes_it():
    """What lets the line take each text from orjson: a string is written byte for byte as json.dumps
    (ensure_ascii=False) writes it, encoded, for every code point alone and in a run of all of them."""
    orjson = pytest.importorskip("orjson")
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for c in every[:0x800]:  # alone: everything JSON escapes, and every one- and two-byte UTF-8 character
        assert orjson.dumps(c) == json.dumps(c, ensure_ascii=False).encode("utf-8"), hex(ord(c))
    for i in range(0, len(every), 512):  # and all of them, in runs
        run = every[i:i + 512]
        assert orjson.dumps(run) == json.dumps(run, ensure_ascii=False).encode("utf-8"), hex(ord(run[0]))


def test_a_lone_surrogate_fails_as_encoding_the_line_always_did():
    """orjson refuses one; the line is then written with json's text function, which fails as the UTF-8
    encoding of the line did (a result never holds one: the screen refuses such records)."""
    from sopengine.report import jsonline

    r = Result("B\ud800", "order", "1.0.0", "created")
    with pytest.raises(UnicodeEncodeError):
        jsonline.line(r)


HOSTILE = "a\x7fb\x85c\x9b\u061c\u200e\u200f\u2028\u2029\u202a\u202e\u2066\u2069“—…·×"


@pytest.mark.parametrize("ch", list(HOSTILE))
def test_every_character_safetext_escapes_is_escaped_in_bytes_too(ch):
    r = Result(f"id{ch}", "order", None, None, error=None, source=SourceRef(f"in{ch}.jsonl", 1, 1))
    line = encode(r)
    assert safe_bytes(line) == _safe_reference(line)
    assert json.loads(safe_bytes(line))["record"] == f"id{ch}"


def test_the_escaping_covers_every_code_point_safetext_escapes():
    every = "".join(chr(c) for c in range(0x20, 0x110000) if not 0xD800 <= c < 0xE000)
    line = json.dumps({"t": every}, ensure_ascii=False)
    assert safe_bytes(line) == _safe_reference(line)


def test_each_code_point_alone_in_a_chinese_line_is_escaped_as_safetext_escapes_it():
    # safe_bytes searches a line only when its UTF-8 bytes have a lead byte such a character starts with
    # (after 0xE2, which Chinese quotation marks start with too, the next two bytes tell): each one alone
    # after a few quotation marks and after more of them than it looks at, then every other code point in
    # runs (which must come out as they went in)
    every = [chr(c) for c in range(0x20, 0x110000) if not 0xD800 <= c < 0xE000]
    escaped = [c for c in every if escape_unsafe(c) != c]  # what SafeText.write escapes
    assert len(escaped) > 40 and not any(c.isprintable() for c in escaped)
    for c in escaped:
        for before in ("步骤“发货”", "“”" * 9, ""):
            line = json.dumps({"zh": f"{before}{c}之后"}, ensure_ascii=False)
            assert safe_bytes(line) == _safe_reference(line) != line.encode("utf-8")
    for line in ("“" * 20, "中\u2000\u2027\u202f", "中\xe2"):  # near misses, and many marks with nothing to escape
        assert safe_bytes(line) == _safe_reference(line) == line.encode("utf-8")
    rest = "".join(c for c in every if c not in set(escaped))
    for i in range(0, len(rest), 4096):
        line = json.dumps({"zh": "中" + rest[i:i + 4096]}, ensure_ascii=False)
        assert safe_bytes(line) == _safe_reference(line) == line.encode("utf-8")


@pytest.mark.parametrize("c_encoder", [True, False], ids=["C encoder", "without it"])
def test_evidence_of_any_mapping_and_of_json_edge_values_is_written_as_json_dumps_writes_it(c_encoder, monkeypatch):
    from types import MappingProxyType

    from sopengine.report import jsonline

    if not c_encoder:
        monkeypatch.setattr(jsonline, "_chunks", None)

    ev = {"n": [2**70, -(2**63), 1e16, 1e-05, float("nan"), float("-inf"), True, None], "k": {"“\u202e": "x\x7f"}}
    for evidence in (ev, MappingProxyType(ev)):
        r = Result("B1", "order", "1.0.0", "created", (Violation("r", "error", ("ORD-01",), Text("中", "en"), "/a", evidence),))
        assert encode(r) == _reference(r, "en", False)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_framed_item_is_the_frame_around_the_line_written_through_safetext(engine, fmt):
    from sopengine.report.base import ReportOptions
    from sopengine.report.jsonout import FRAMES

    frame, opts = FRAMES[fmt], ReportOptions(lang="zh")
    for i, rec in enumerate(read_jsonl(EXAMPLES / "orders.jsonl")):
        r = engine.evaluate(rec, NOW, source=SourceRef("orders\u202e.jsonl", i + 1, 1))
        assert frame.item(r, opts) == _safe_reference(frame.before + _reference(r, "zh", False) + frame.after)


def test_what_is_written_once_for_many_results_is_told_apart_by_value_and_type():
    """The process and version, the digest and the file of a source are written once and then remembered:
    never for another value, even one equal to it in Python (1 == True), and a JSON Lines source's shape
    (line, column 1, no pointer) only for exactly that."""
    made = [Result("r", p, v, None, error=None, digest=d, source=s)
            for p, v, d, s in [(1, "1.0", "sha", SourceRef("a.jsonl", 1, 1)), (True, "1.0", "sha", SourceRef("a.jsonl", True, 1)),
                               ("order", 1.0, 1, SourceRef("a.jsonl", 2, True)), ("order", "1.0", "sha", SourceRef("a.jsonl", 3, 1, "/0")),
                               ("order", "1.0", True, SourceRef("a.jsonl", 4, 2)), ("order", "1.0", "sha", SourceRef("b.jsonl", 5, 1))]]
    for r in [*made, *reversed(made), *made]:
        assert encode(r) == _reference(r, "en", False)

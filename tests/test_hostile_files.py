"""Hostile files and command lines: every one gets a clear message naming the file (and line), and
the report stays whole.

Records files that cannot be read become error results in place, so the batch
goes on and every format still lists them, and the run exits 2 (whatever
``--fail-on`` says: a gate must not pass on input it never saw);
rules trees that cannot be used exit 2 with ``file:line`` findings; ``-o``
never leaves a half-written or temporary file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopengine
from sopengine.errors import DefinitionError
from sopengine.inputs import records
from sopengine.inputs.records import read_file, read_inputs

from .clirun import only_summary, run
from .conftest import EXAMPLES, NOW, RULES, SCHEMAS

T = "2023-06-03T12:00:00+08:00"
ORDER_LINES = (EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()
BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x, x]"]
                 + [f"{c}: &{c} [{', '.join(['*' + p] * 10)}]" for p, c in zip("abcdef", "bcdefg")]) + "\n"


pytestmark = pytest.mark.usefixtures("bundled_once")


def check(capsys, *args: str) -> tuple[int, list[dict], str]:
    code, out, err = run(capsys, "check", *args, "--now", T, "--format", "jsonl", "--rules", str(RULES))
    return code, [json.loads(line) for line in out.split("\n") if line], err


def errors(results: list[dict]) -> list[tuple[str, int | None, str]]:
    return [(Path(r["source"]["file"]).name, r["source"].get("line"), r["error"]) for r in results if r["error"]]


@pytest.fixture
def good(tmp_path) -> Path:
    p = tmp_path / "good.jsonl"
    p.write_text("\n".join(ORDER_LINES[:2]) + "\n", "utf-8")
    return p


# -- records files ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["bad.json", "bad.yaml", "bad.jsonl"])
def test_invalid_utf8_is_an_error_result_at_its_line_and_the_batch_goes_on(tmp_path, capsys, good, name):
    bad = tmp_path / name
    bad.write_bytes(b'{"process": "order",\n "id": "\xff\xfe"}\n' if name != "bad.jsonl" else b'{"id": "\xff"}\n')
    code, res, err = check(capsys, str(bad), str(good))  # used to raise InputError half-way: exit 2, JSON cut short
    assert code == 2 and "1 input(s) could not be read" in err
    assert [r["record"] for r in res] == [None, "DD20230601001", "DD20230601002"]
    ((file, line, msg),) = errors(res)
    assert file == name
    if name == "bad.jsonl":
        assert (line, msg) == (1, "invalid JSON on line 1: not UTF-8 (byte 9 of the line)")
    else:
        assert (line, msg) == (2, "not UTF-8 (byte 30 of the file)")


def test_json_nested_100k_deep_and_a_yaml_alias_bomb_are_refused_by_name(tmp_path, capsys, good):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    (tmp_path / "bomb.yaml").write_text(BOMB, "utf-8")
    code, res, _ = check(capsys, str(tmp_path / "deep.json"), str(tmp_path / "bomb.yaml"), str(good))
    assert code == 2 and len(res) == 4
    assert errors(res) == [("deep.json", 1, "JSON nested too deeply"),
                           ("bomb.yaml", 1, "refused: more than 500000 values (alias expansion?)")]


def test_empty_files(tmp_path, capsys):
    for name in ("e.json", "e.yaml", "e.jsonl"):
        (tmp_path / name).write_text("\n  \n", "utf-8")
    _code, res, _ = check(capsys, str(tmp_path))
    assert errors(res) == [("e.json", 1, "the file is empty"), ("e.yaml", 1, "the file is empty")]  # JSON Lines: no records


def test_a_directory_keeps_what_it_cannot_read(tmp_path, capsys, good, monkeypatch):
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "locked" / "x.jsonl").write_text(ORDER_LINES[0] + "\n", "utf-8")
    shutil.copy(good, d / "a.jsonl")
    shutil.copy(good, d / "denied.jsonl")
    (d / "dangling.jsonl").symlink_to(d / "nowhere.jsonl")
    (d / "loop.json").symlink_to(d / "loop.json")
    os.mkfifo(d / "pipe.jsonl")  # reading it would wait forever
    (d / "notes.txt").write_text("not records", "utf-8")
    real_scandir, real_open = os.scandir, Path.open

    def scandir(path="."):  # tests run as root here, so permissions are simulated
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def open_(self, *a, **kw):
        if self.name == "denied.jsonl":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **kw)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "open", open_)
    code, res, _ = check(capsys, str(d))
    assert code == 2
    assert [r["record"] for r in res if not r["error"]] == ["DD20230601001", "DD20230601002"]
    assert errors(res) == [("dangling.jsonl", None, "cannot read the file: a broken link (or a loop of links)"),
                           ("denied.jsonl", None, "cannot read the file: Permission denied"),
                           ("locked", None, "cannot list the directory: Permission denied"),
                           ("loop.json", None, "cannot read the file: a broken link (or a loop of links)"),
                           ("pipe.jsonl", None, "not a regular file")]


def test_coverage_and_diff_read_a_directory_with_a_broken_link(tmp_path, capsys, good):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(good, d / "a.jsonl")
    (d / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    code, out, err = run(capsys, "diff", "order@1.0.0", "order@1.1.0", "--records", str(d), "--now", T)
    assert code == 2 and "could not be read" in err and "records: 0 of 2 change" in out
    code, out, err = run(capsys, "coverage", "--examples", str(d), "--now", T)
    assert code in (0, 1) and err == "" and "3 example records" in out


@pytest.mark.parametrize("fmt", ["text", "jsonl", "json", "sarif", "junit", "github"])
def test_a_file_name_that_is_not_utf8_is_shown_not_a_crash_of_the_report(tmp_path, capsys, good, fmt):
    d = tmp_path / "in"
    d.mkdir()
    Path(os.fsdecode(bytes(d) + b"/caf\xe9.jsonl")).write_text(ORDER_LINES[3] + "\n", "utf-8")  # an old export tool
    code, out, err = run(capsys, "check", str(d), "--now", T, "--format", fmt)  # text and jsonl: UnicodeEncodeError
    assert code == 1 and (err == "" if fmt == "text" else only_summary(err)) and "caf\ufffd.jsonl" in out.replace("caf%EF%BF%BD", "caf\ufffd")


def test_a_yaml_record_with_a_duplicate_key_costs_that_record_only(tmp_path, capsys):
    import yaml

    recs = [json.loads(line) for line in ORDER_LINES[:3]]
    text = yaml.safe_dump(recs, allow_unicode=True, sort_keys=False)
    at = text.index("- process: order", 10)  # the second record
    text = text[:at] + "- id: twice\n  " + text[at + 2:]
    (tmp_path / "r.yaml").write_text(text, "utf-8")
    _code, res, _ = check(capsys, str(tmp_path / "r.yaml"))
    assert [r["record"] for r in res] == ["DD20230601001", None, "DD20230601003"]
    ((_, _, msg),) = errors(res)
    assert msg.startswith("duplicate key 'id' (the later value would silently win) at line ")


def test_numbers_that_cannot_be_read(tmp_path, capsys):
    digits = "9" * 5000  # int() refuses more than 4300 digits with a ValueError json and yaml let through
    (tmp_path / "a.json").write_text(f'{{"process": "order", "amount": {digits}}}', "utf-8")
    (tmp_path / "b.yaml").write_text(f"process: order\namount: {digits}\n", "utf-8")
    (tmp_path / "c.jsonl").write_text('{"process": "order", "n": 123456789012345678901234567890}\n', "utf-8")
    _code, res, _ = check(capsys, str(tmp_path))
    limit = "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"
    assert errors(res)[:2] == [("a.json", 1, f"invalid JSON: {limit}"), ("b.yaml", 2, f"YAML: unreadable value: {limit}")]
    # beyond 64 bits orjson rounds to a float; the record must keep every digit, as a .json file does
    (rec, _), = list(read_file(tmp_path / "c.jsonl"))
    assert rec["n"] == 123456789012345678901234567890


def test_a_bom_before_json_lines_is_not_an_error(tmp_path):
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + "\n".join(ORDER_LINES[:2]).encode())
    assert [r["id"] for r, _ in read_file(p)] == ["DD20230601001", "DD20230601002"]


def test_blank_lines_of_any_ascii_whitespace_and_a_lone_bom_are_skipped_at_their_line_numbers(tmp_path):
    p = tmp_path / "blank.jsonl"
    lines = [b"\xef\xbb\xbf", b"", b" \t\r", b"\x0b\x0c", ORDER_LINES[0].encode(), b"\xc2\xa0", ORDER_LINES[1].encode()]
    p.write_bytes(b"\n".join(lines) + b"\n")
    read = [(r["id"] if isinstance(r, dict) else r.message, where.line) for r, where in read_file(p)]
    # a non-breaking space is Unicode whitespace, not JSON's: that line is an error, as before
    assert read[0] == ("DD20230601001", 5) and read[1][1] == 6 and "invalid JSON on line 6" in read[1][0]
    assert read[2:] == [("DD20230601002", 7)]


def test_a_line_over_the_limit_is_reported_and_skipped_without_holding_it(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "MAX_LINE_BYTES", 64 * 1024)
    p = tmp_path / "long.jsonl"
    with p.open("w", encoding="utf-8") as fh:
        fh.write(ORDER_LINES[0] + "\n")
        fh.write('{"detail": "' + "x" * 20_000_000 + '"}\n')  # 20 MB, no record can be this
        fh.write(ORDER_LINES[1] + "\n")
    tracemalloc.start()
    got = list(read_file(p))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [r.get("id") if isinstance(r, dict) else r.message for r, _ in got] == [
        "DD20230601001", "line 2 is longer than 65536 bytes", "DD20230601002"]
    assert [s.line for _, s in got] == [1, 2, 3]
    assert peak < 2_000_000, peak  # read in chunks and dropped, not held (10 times less than the line)


def test_a_document_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", 1000)
    (tmp_path / "big.json").write_text(json.dumps([json.loads(line) for line in ORDER_LINES]), "utf-8")
    ((rec, src),) = list(read_file(tmp_path / "big.json"))
    assert rec.message == "over the 1000 byte limit for a whole JSON or YAML document; use JSON Lines, which streams"
    assert src.file.endswith("big.json")


def test_a_rule_test_names_why_its_record_file_is_unreadable(tree, capsys):
    from .test_ruletests import suite

    (tree.root.parent / "recs.json").write_bytes(b'[{"process": "order", "id": "R1"}]\n\xff')
    suite(tree, "- {name: ref, record_ref: {file: ../../recs.json, id: R1}, expect: {only: true}}")
    code, out, _ = run(capsys, "test", "--rules", tree.root)
    assert code == 2 and ("no record with id 'R1' in ../../recs.json; the file has unreadable parts: "
                          "not UTF-8 (byte 36 of the file) at ") in out


def test_a_multi_megabyte_listing_is_judged_and_its_findings_are_bounded(tmp_path, capsys):
    rec = json.loads((EXAMPLES / "products.jsonl").read_text("utf-8").splitlines()[1])
    rec["status"], rec["detail"] = "listed", "最佳" * 500_000  # a 3 MB line: one million banned words
    (tmp_path / "p.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    _code, res, _ = check(capsys, str(tmp_path / "p.jsonl"))  # was a 1 GB report from 5 GB of memory
    rules = [v["rule"] for v in res[0]["violations"]]
    assert rules.count("PRD-banned-words") == 100
    (more,) = [v for v in res[0]["violations"] if v["rule"] == "PRD-banned-words:unlisted"]
    assert more["evidence"] == {"rule": "PRD-banned-words", "unlisted": 499_900, "listed": 100, "limit": 100}
    assert more["severity"] == "error" and more["clauses"] == ["PRD-06", "GEN-02"]


def test_streaming_keeps_memory_flat(tmp_path):
    def peak(n: int) -> tuple[int, int]:
        p = tmp_path / f"{n}.jsonl"
        with p.open("w", encoding="utf-8") as fh:
            for i in range(n):
                fh.write(f'{{"process": "nope", "id": "R{i}", "pad": "{"x" * 40}"}}\n')
        engine = sopengine.load(RULES)
        tracemalloc.start()
        count = sum(1 for r in engine.evaluate_many(read_inputs([str(p)]), NOW) if r.error)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return count, top

    small, large = peak(2_000), peak(20_000)
    assert small[0] == 2_000 and large[0] == 20_000
    assert large[1] < small[1] * 1.5 + 200_000, (small, large)  # ten times the records, not ten times the memory


def test_a_200k_line_file_streams(tmp_path):
    p = tmp_path / "big.jsonl"
    with p.open("w", encoding="utf-8") as fh:
        for i in range(200_000):
            fh.write(f'{{"process": "order", "id": "R{i}"}}\n' if i % 1000 else "{oops\n")
    tracemalloc.start()
    n = bad = 0
    for rec, src in read_file(p):
        n += 1
        bad += isinstance(rec, records.Unreadable)
        assert src.line == n
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (n, bad) == (200_000, 200) and top < 1_000_000, top


class _Scanned(str):
    """A text that counts the characters its line and column bookkeeping scans."""

    scanned = 0

    def count(self, sub, start=0, end=None):  # type: ignore[override]
        _Scanned.scanned += (len(self) if end is None else end) - start
        return str.count(self, sub, start, end)

    def rfind(self, sub, start=0, end=None):  # type: ignore[override]
        _Scanned.scanned += (len(self) if end is None else end) - start
        return str.rfind(self, sub, start, end)


def test_a_one_line_json_array_is_read_in_linear_work():
    text = json.dumps([{"process": "nope", "id": str(i)} for i in range(60_000)])
    _Scanned.scanned = 0
    got = list(records._json_document(_Scanned(text), "arr.json"))
    assert _Scanned.scanned <= 2 * len(text)  # each element's column was found by scanning back to the start: 25 s
    assert len(got) == 60_000 and (got[-1][1].line, got[-1][1].pointer) == (1, "/59999")
    assert got[1][1].column == len('[{"process": "nope", "id": "0"}, ') + 1


def test_json_array_positions_across_lines(tmp_path):
    p = tmp_path / "arr.json"
    p.write_text('[\n  {"id": "a"},\n    {"id": "b"}, {"id": "c"}\n]', "utf-8")
    assert [(s.line, s.column, s.pointer) for _, s in read_file(p)] == [(2, 3, "/0"), (3, 5, "/1"), (3, 18, "/2")]


def test_stdin_streams_json_lines_and_names_bad_input(capsys, monkeypatch):
    import io

    def stdin(data: bytes):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    stdin(("\n\n" + "\n".join(ORDER_LINES[:3]) + "\n").encode())
    code, res, _ = check(capsys, "-")
    assert [r["record"] for r in res] == ["DD20230601001", "DD20230601002", "DD20230601003"]
    assert [r["source"]["line"] for r in res] == [3, 4, 5]
    stdin(b'[{"process": "order", "id": "\xff"}]')
    code, res, _ = check(capsys, "-")
    assert code == 2 and errors(res) == [("<stdin>", 1, "not UTF-8 (byte 30 of the file)")]
    stdin(b"")
    code, res, _ = check(capsys, "-")
    assert errors(res) == [("<stdin>", 1, "the file is empty")]


PIECES = [b"[", b"]", b"{", b"}", b",", b":", b'"', b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xff", b"- ", b"&a ", b"*a",
          b"!!binary ", b"!!python/object ", b"NaN", b"1e999", b"9" * 30, b'"process": "order"', b'"id": "x"', b"---\n",
          b"\x00", b'"\\ud800"', b"? ", b"<<: *a", b"!!set ", b"%YAML 1.1\n", b"{a: 1}"]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=8), max_size=30).map(b"".join),
       st.sampled_from([".json", ".jsonl", ".yaml", ".txt"]))
def test_any_bytes_in_a_records_file_give_records_or_errors(engine, tmp_path_factory, data, suffix):
    p = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    p.write_bytes(data)
    for r in engine.evaluate_many(read_file(p), NOW):
        assert not (r.error or "").startswith("internal error"), r.error
        assert r.source.file == str(p)
        json.dumps(r.to_dict(), ensure_ascii=False, allow_nan=False).encode("utf-8")


# -- rules trees -----------------------------------------------------------------------

@pytest.fixture
def rules(tmp_path) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    return tmp_path / "rules"


def test_a_rules_tree_of_hostile_files_is_refused_with_every_file_named(rules, capsys, good, tmp_path):
    procs = rules / "processes"
    (procs / "bomb.yaml").write_text(BOMB, "utf-8")
    (procs / "big.yaml").write_text("# " + "x" * (10 * 1024 * 1024) + "\n", "utf-8")
    (procs / "loop.yaml").symlink_to(procs / "loop.yaml")
    (procs / "gone.yaml").symlink_to(tmp_path / "elsewhere.yaml")  # a definition on a drive not mounted
    (procs / "sub").symlink_to(procs)  # a loop of directories is not followed
    (procs / "latin1.yaml").write_bytes("kind: Process\nid: 订单\n".encode("gb18030"))
    (procs / "surrogate.yaml").write_text('kind: Process\nid: "\\udc00"\n', "utf-8")  # every message would quote it
    (procs / "number.yaml").write_text("kind: Process\nid: x\nversion: " + "1" * 5000 + "\n", "utf-8")
    target = tmp_path / "report.json"
    target.write_text("previous", "utf-8")
    code, out, err = run(capsys, "check", str(good), "--now", T, "--rules", str(rules), "-o", str(target))
    assert code == 2 and out == ""
    shown = {line.split(": error: ")[0].replace(str(procs) + "/", ""): line.split(": error: ")[1]
             for line in err.splitlines() if ": error: " in line and "surrogate.yaml" not in line}
    assert shown == {
        "big.yaml": "file is 10485763 bytes, over the 8388608 byte limit",
        "bomb.yaml:1:32": "refused: more than 500000 values (alias expansion?)",
        "gone.yaml": "cannot read the file: a broken link (or a loop of links)",
        "latin1.yaml:2:1": "not UTF-8 (byte 18)",
        "loop.yaml": "cannot read the file: a broken link (or a loop of links)",
        "number.yaml:3:10": "YAML: unreadable value: Exceeds the limit (4300 digits) for integer string conversion: "
                            "value has 5000 digits",
    }
    assert f"{procs}/surrogate.yaml:2:5: error: a lone surrogate (\\uD800-\\uDFFF) is not Unicode text" in err
    assert target.read_text("utf-8") == "previous"
    assert sorted(os.listdir(tmp_path)) == ["good.jsonl", "report.json", "rules", "schemas"]


def test_a_broken_schema_file_is_a_finding_not_a_traceback(rules, capsys):
    (rules.parent / "schemas" / "records" / "order.schema.json").write_text('{"type": "object",\n "x": }', "utf-8")
    code, out, _ = run(capsys, "validate", "--rules", str(rules))
    assert code == 1 and f"{rules.parent}/schemas/records/order.schema.json:2:7: error: invalid JSON: Expecting value" in out
    with pytest.raises(DefinitionError, match=r"order.schema.json:2:7: error: invalid JSON: Expecting value"):
        sopengine.load(rules)


def _many_states(n: int) -> str:
    lines = ["apiVersion: sopengine/v1", "kind: Process", "id: kpi_daily", "version: 1.0.0", "title: {zh: 大, en: Big}",
             "record_schema: records/kpi_daily.schema.json", "roles: [ops_specialist]", "states:"]
    lines += [f"  - {{id: s{i}{', initial: true' if i == 0 else ', final: true' if i == n - 1 else ''}}}" for i in range(n)]
    lines += ["steps:"] + [f"  - {{id: step{i}, event: collected, from: s{i}, to: s{i + 1}, roles: [ops_specialist], "
                           f"clauses: [DATA-01]}}" for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def test_a_process_with_thousands_of_states_loads_in_linear_work_and_replays():
    from sopengine.engine import compile_tree
    from sopengine.schemas import SchemaStore

    from .workmeter import growth

    store = SchemaStore.from_dirs([SCHEMAS])
    manual = ("rules/manual.yaml", (RULES / "manual.yaml").read_text("utf-8"))

    def load(n: int):
        return lambda: compile_tree((manual, ("rules/processes/big.yaml", _many_states(n))), store)

    assert growth(load, 300) < 2.3  # twice the states, about twice the work (it was quadratic)
    engine, findings = load(3_000)()
    assert engine is not None, findings
    events = [{"type": "collected", "at": f"2023-06-01T09:{i:02d}:00+08:00", "role": "ops_specialist"} for i in range(50)]
    r = engine.evaluate({"process": "kpi_daily", "id": "K", "date": "2023-06-01", "events": events}, NOW)
    assert (r.error, r.state) == (None, "s50")


# -- the command line ------------------------------------------------------------------

@pytest.mark.parametrize("now, message", [
    ("9999-12-31T23:59:59+00:00", ("--now: timestamp '9999-12-31T23:59:59+00:00' is outside the supported range "
                                   "0001-01-02T00:00:00+00:00 to 9999-12-30T23:59:59+00:00")),
    ("0001-01-01T00:00:00+14:00", "--now: timestamp '0001-01-01T00:00:00+14:00' is outside the supported range"),
    ("2023-06-03T12:00:00", "--now '2023-06-03T12:00:00' needs an offset"),
    ("2023-06-31T12:00:00+08:00", "--now '2023-06-31T12:00:00+08:00' is not an RFC 3339 timestamp"),
    ("", "--now '' is not an RFC 3339 timestamp"),
])
def test_now_at_the_edges_is_a_usage_error(capsys, good, now, message):
    code, out, err = run(capsys, "check", str(good), "--now", now)  # the first two were internal errors per record
    assert (code, out) == (2, "") and f"sopengine: error: {message}" in err


def test_now_far_from_the_records_still_judges_them(capsys, good):
    for now in ("9999-12-30T23:59:59+00:00", "0001-01-02T00:00:00+00:00", "1970-01-01T00:00:00Z"):
        _code, out, err = run(capsys, "check", str(good), "--now", now, "--format", "jsonl")
        res = [json.loads(line) for line in out.splitlines()]
        assert only_summary(err) and len(res) == 2 and all(r["error"] is None for r in res), (now, res)


def test_output_file_problems_are_usage_errors_before_any_work(tmp_path, capsys, good):
    for target, why in ((tmp_path / "no" / "r.json", "no such directory"), (tmp_path, "is a directory")):
        code, out, err = run(capsys, "check", str(good), "--now", T, "-o", str(target))
        assert (code, out) == (2, "") and f"sopengine: error: -o {target}: {why}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.jsonl"]


def test_output_file_gets_the_permissions_of_a_report_not_of_a_temporary_file(tmp_path, capsys, good):
    target = tmp_path / "r.json"
    old = os.umask(0o022)
    try:
        run(capsys, "check", str(good), "--now", T, "-o", str(target))
        assert target.stat().st_mode & 0o777 == 0o644  # mkstemp's 0600 made CI artifacts unreadable
        target.chmod(0o640)
        run(capsys, "check", str(good), "--now", T, "-o", str(target))
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


@pytest.mark.parametrize("content, message", [
    ("[" * 100_000, "prices.jsonl:1: not JSON (nested too deeply)"),
    ('{"sku": "A", "date": "2023-05-01", "price": ' + "9" * 5000 + "}",
     "prices.jsonl:1: not JSON (Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits)"),
    ('{"sku": "A", "date": "2023-05-01", "price": "1"}\n{"sku": "B\u2028C", "date": "2023-05-0x", "price": "1"}',
     "prices.jsonl:2: date '2023-05-0x' is not a YYYY-MM-DD day"),  # U+2028 inside a string is not a line break
])
def test_bad_table_files_are_usage_errors_naming_file_and_line(tmp_path, capsys, content, message):
    (tmp_path / "prices.jsonl").write_text(content, "utf-8")
    code, out, err = run(capsys, "check", str(EXAMPLES / "campaigns.jsonl"), "--now", T,
                         "--table", f"price_history={tmp_path / 'prices.jsonl'}")
    assert (code, out) == (2, "") and err.strip() == f"sopengine: error: {tmp_path}/{message}"


def test_table_files_that_are_not_files_are_usage_errors_not_a_hang_or_a_crash(tmp_path, capsys, monkeypatch):
    from sopengine.inputs import price_log

    os.mkfifo(tmp_path / "fifo.csv")  # no writer: opening it the ordinary way waited forever
    (tmp_path / "zero.csv").symlink_to("/dev/zero")  # read whole: a MemoryError traceback
    monkeypatch.setattr(price_log, "MAX_TABLE_BYTES", 1 << 20)
    for name, message in (("fifo.csv", "cannot read (a named pipe with no writer (nothing to read))"),
                          ("zero.csv", f"over the {1 << 20} byte limit for a table")):
        code, out, err = run(capsys, "check", str(EXAMPLES / "campaigns.jsonl"), "--now", T,
                             "--table", f"price_history={tmp_path / name}")
        assert (code, out) == (2, "") and err.strip() == f"sopengine: error: {tmp_path / name}: {message}"


def test_a_named_pipe_of_records_with_no_writer_is_an_error_not_a_hang(tmp_path, capsys, good):
    os.mkfifo(tmp_path / "in.jsonl")
    _code, results, _ = check(capsys, str(tmp_path / "in.jsonl"), str(good))
    assert errors(results) == [("in.jsonl", None, "cannot read the file: a named pipe with no writer (nothing to read)")]
    assert len(results) == 3


def test_a_named_pipe_with_a_writer_is_read(tmp_path, capsys):
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{EXAMPLES / 'orders.jsonl'}' > '{fifo}'"])
    fd = os.open(fifo, os.O_RDONLY)  # wait for the writer to be there, keeping the pipe open meanwhile
    try:
        _code, results, _ = check(capsys, str(fifo))
    finally:
        os.close(fd)
        writer.wait(timeout=60)
    assert len(results) == len(ORDER_LINES) and not errors(results)


@pytest.fixture
def mixed(tmp_path, good) -> list[str]:
    (tmp_path / "bad.json").write_bytes(b"\xff")
    rec = json.loads(ORDER_LINES[0])
    rec["placed_at"] = "0001-01-01T00:00:00+08:00"
    (tmp_path / "odd.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    return [str(tmp_path / "bad.json"), str(tmp_path / "odd.jsonl"), str(good)]


def test_records_that_could_not_be_evaluated_appear_in_every_format(capsys, mixed):
    args = [*mixed, "--now", T, "--rules", str(RULES)]
    code, out, _ = run(capsys, "check", *args, "--format", "sarif")
    found = [res for run_ in json.loads(out)["runs"] for res in run_["results"]]  # one run per process
    errs = [r for r in found if r["ruleId"] == "sopengine.evaluation-error"]
    assert code == 2 and [e["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[1]
                          for e in errs] == ["bad.json", "odd.jsonl"]
    assert "not UTF-8" in errs[0]["message"]["text"] and "outside the supported range" in errs[1]["message"]["text"]
    code, out, _ = run(capsys, "check", *args, "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    assert (len(root.findall(".//testcase[error]")), root.get("errors")) == (2, "2")
    code, out, _ = run(capsys, "check", *args, "--format", "github")
    assert [line.split(",")[0] for line in out.splitlines() if line.startswith("::error")] == [
        f"::error file={mixed[0]}", f"::error file={mixed[1]}"]
    code, out, _ = run(capsys, "check", *args, "--lang", "zh")
    assert code == 2 and out.count("  错误    ") == 2 and "4 条记录" in out and "2 条无法评估" in out


def test_text_report_cannot_be_forged_by_a_record(tmp_path, capsys):
    rec = json.loads(ORDER_LINES[0])
    rec["id"] = "DD1\n  error   fake.rule [ORD-01] all fine\x1b[2J"
    (tmp_path / "r.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    _code, out, _ = run(capsys, "check", str(tmp_path / "r.jsonl"), "--now", T)
    assert out.splitlines()[0].endswith(r"DD1\n  error   fake.rule [ORD-01] all fine\u001b[2J (order 1.0.0) state=completed")
    assert "\x1b" not in out and len(out.splitlines()) == 3


@pytest.mark.parametrize("fmt", ["text", "jsonl", "json", "sarif", "junit", "github"])
def test_a_closed_pipe_ends_the_run_quietly(fmt):
    proc = subprocess.Popen([sys.executable, "-m", "sopengine", "check", str(EXAMPLES), "--now", T, "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # `sopengine check ... | head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 1) and "Traceback" not in err and "Error" not in err, err

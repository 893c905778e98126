"""check --jobs: the same output as --jobs 1, in input order, with bounded memory and little sent between processes."""

from __future__ import annotations

import itertools
import json
import pickle

import pytest

from sopengine.inputs import slices
from sopengine.inputs.records import read_inputs
from sopengine.inputs.slices import Lines, WholeFile, cut, records_of
from sopengine.parallel import Judge, cores, judge_slices
from sopengine.report.base import ReportOptions
from sopengine.report.jsonout import FRAMES

from .clirun import run
from .conftest import EXAMPLES, NOW, read_jsonl

NOW_ARG = "2023-06-03T12:00:00+08:00"


def _orders(path, n, bad_lines=()):
    seeds = read_jsonl(EXAMPLES / "orders.jsonl")
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write("{not json\n" if i in bad_lines else json.dumps(dict(seeds[i % len(seeds)], id=f"R{i:05d}"),
                                                                   ensure_ascii=False) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["json", "jsonl", "text", "sarif"])
def test_jobs_gives_byte_identical_output(capsys, fmt):
    args = ["check", str(EXAMPLES), "--now", NOW_ARG, "--format", fmt, "--explain"]
    one = run(capsys, *args, "--jobs", "1")
    two = run(capsys, *args, "--jobs", "2")
    assert one[:2] == two[:2]  # exit code and report; stderr closes with a timing line
    assert one[1].count("DD2023060") >= 1


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_many_slices_with_unreadable_lines_give_the_same_report_and_exit_2(capsys, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(slices, "SLICE_LINES", 7)
    src = _orders(tmp_path / "in.jsonl", 60, bad_lines={0, 13, 59})
    args = ["check", str(src), "--now", NOW_ARG, "--format", fmt]
    one = run(capsys, *args, "--jobs", "1")
    two = run(capsys, *args, "--jobs", "2")
    assert one[:2] == two[:2] and one[0] == 2  # an unreadable line fails the run, whoever read it
    assert "3 input(s) could not be read" in one[2] and "3 input(s) could not be read" in two[2]
    lines = one[1].splitlines() if fmt == "jsonl" else [json.dumps(r) for r in json.loads(one[1])]
    got = [json.loads(line) for line in lines]
    assert [r["source"]["line"] for r in got] == list(range(1, 61))
    assert [r["error"] is not None for r in got].count(True) == 3


def test_results_come_in_input_order_across_slices(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(slices, "SLICE_LINES", 64)
    src = _orders(tmp_path / "in.jsonl", 3 * 64 + 7)
    got = [r.record for j in judge_slices(Judge(engine, NOW), cut([str(src)]), 2) for r in j.results]
    assert got == [f"R{i:05d}" for i in range(3 * 64 + 7)]


def test_workers_send_back_report_bytes_not_results(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(slices, "SLICE_LINES", 50)
    src = _orders(tmp_path / "in.jsonl", 200)
    judge = Judge(engine, NOW, frame=FRAMES["jsonl"], opts=ReportOptions())
    judged = list(judge_slices(judge, cut([str(src)]), 2))
    assert [j.summary.records for j in judged] == [50, 50, 50, 50]
    for j in judged:
        assert j.results == [] and j.data.count(b"\n") == 50
        assert len(pickle.dumps(j)) < len(j.data) + 500  # what crossed the pipe: the bytes and a tally
    assert b"".join(j.data for j in judged) == b"".join(j.data for j in judge_slices(judge, cut([str(src)]), 1))


def test_the_parent_cuts_lines_and_leaves_documents_to_the_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(slices, "SLICE_LINES", 10)
    _orders(tmp_path / "a.jsonl", 25)
    (tmp_path / "b.json").write_text(json.dumps(read_jsonl(EXAMPLES / "orders.jsonl")), "utf-8")
    got = list(cut([str(tmp_path)]))
    assert [type(s).__name__ for s in got] == ["Lines", "Lines", "Lines", "WholeFile"]
    assert [len(s.lines) for s in got if isinstance(s, Lines)] == [10, 10, 5]
    assert isinstance(got[3], WholeFile) and len(pickle.dumps(got[3])) < 300  # a path, not the records
    assert [p for s in got for p in records_of(s)] == list(read_inputs([str(tmp_path)]))


def test_cutting_stays_a_bounded_number_of_slices_ahead(engine):
    pulled = 0
    seed = json.dumps(read_jsonl(EXAMPLES / "orders.jsonl")[0]).encode()

    def endless():
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield Lines("endless.jsonl", tuple((i * 16 + k + 1, seed + b"\n") for k in range(16)))

    jobs = 2
    judged = judge_slices(Judge(engine, NOW), endless(), jobs)
    first = list(itertools.islice(judged, 5))
    judged.close()
    assert [j.summary.records for j in first] == [16] * 5
    assert pulled <= 5 + 2 * jobs  # at most 2*jobs slices in flight


def test_jobs_auto_and_bad_values(capsys):
    assert cores() >= 1
    code, out, _ = run(capsys, "check", str(EXAMPLES / "orders.jsonl"), "--now", NOW_ARG,
                       "--format", "jsonl", "--jobs", "auto")
    assert code == 1 and len(out.splitlines()) == len(read_jsonl(EXAMPLES / "orders.jsonl"))
    assert all(json.loads(line)["record"] for line in out.splitlines())
    with pytest.raises(SystemExit) as exc:
        run(capsys, "check", str(EXAMPLES), "--jobs", "0")
    assert exc.value.code == 2


def test_slices_give_the_records_read_inputs_gives_for_awkward_inputs(tmp_path, monkeypatch):
    from sopengine.inputs import records

    monkeypatch.setattr(slices, "SLICE_LINES", 2)
    monkeypatch.setattr(records, "MAX_LINE_BYTES", 100_000)  # the long line is one too long to be read
    order = json.dumps(read_jsonl(EXAMPLES / "orders.jsonl")[0], ensure_ascii=False)
    files = {
        "bom.jsonl": b"\xef\xbb\xbf" + order.encode() + b"\n\n\n" + order.encode() + b"\n",
        "bad.jsonl": b"{\"a\": \xff}\n" + order.encode() + b"\n{broken\n" + order.encode(),
        "sniffed.txt": b"\n\n" + order.encode() + b"\n" + order.encode() + b"\n",
        "array.txt": b"[" + order.encode() + b",\n" + order.encode() + b"]",
        "doc.json": b"[" + order.encode() + b", 3, {]",
        "doc.yaml": b"- id: a\n  process: order\n- {x: 1, x: 2}\n",
        "empty.jsonl": b"",
        "long.jsonl": order.encode() + b"\n" + b"x" * (slices.SLICE_BYTES + 10) + b"\n" + order.encode() + b"\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    inputs = [str(tmp_path)] + [str(tmp_path / n) for n in sorted(files)]
    assert [p for s in cut(inputs) for p in records_of(s)] == list(read_inputs(inputs))
    for fmt in ("json", "jsonl", "yaml"):
        assert [p for s in cut(inputs, fmt) for p in records_of(s)] == list(read_inputs(inputs, fmt))

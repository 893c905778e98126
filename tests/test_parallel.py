"""check --jobs: the same output as --jobs 1, in input order, with bounded memory."""

from __future__ import annotations

import itertools
import json

import pytest

from sopengine.parallel import CHUNK, cores, evaluate_parallel

from .clirun import run
from .conftest import EXAMPLES, NOW, read_jsonl


@pytest.mark.parametrize("fmt", ["json", "jsonl", "text"])
def test_jobs_gives_byte_identical_output(capsys, fmt):
    args = ["check", str(EXAMPLES), "--now", "2023-06-03T12:00:00+08:00", "--format", fmt, "--explain"]
    one = run(capsys, *args, "--jobs", "1")
    two = run(capsys, *args, "--jobs", "2")
    assert one[:2] == two[:2]  # exit code and report; stderr closes with a timing line
    assert one[1].count("DD20230601001") >= 1


def test_results_come_in_input_order_across_chunks(engine):
    records = [dict(r, id=f"R{i:05d}") for i, r in enumerate(itertools.islice(itertools.cycle(
        read_jsonl(EXAMPLES / "orders.jsonl")), 3 * CHUNK + 7))]
    got = [r.record for r in evaluate_parallel(engine, records, NOW, 2, chunk=64)]
    assert got == [r["id"] for r in records]


def test_reading_stays_a_bounded_number_of_chunks_ahead(engine):
    pulled = 0
    seed = read_jsonl(EXAMPLES / "orders.jsonl")[0]

    def endless():
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield dict(seed, id=f"E{i}")

    jobs, chunk = 2, 16
    results = evaluate_parallel(engine, endless(), NOW, jobs, chunk=chunk)
    first = list(itertools.islice(results, 40))
    results.close()
    assert [r.record for r in first] == [f"E{i}" for i in range(40)]
    assert pulled <= 40 + (2 * jobs + 1) * chunk  # at most 2*jobs chunks in flight, one being read


def test_jobs_auto_and_bad_values(capsys):
    assert cores() >= 1
    code, out, _ = run(capsys, "check", str(EXAMPLES / "orders.jsonl"), "--now", "2023-06-03T12:00:00+08:00",
                       "--format", "jsonl", "--jobs", "auto")
    assert code == 1 and len(out.splitlines()) == len(read_jsonl(EXAMPLES / "orders.jsonl"))
    assert all(json.loads(line)["record"] for line in out.splitlines())
    with pytest.raises(SystemExit) as exc:
        run(capsys, "check", str(EXAMPLES), "--jobs", "0")
    assert exc.value.code == 2

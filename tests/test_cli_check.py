"""The check command end to end: formats, inputs, exit codes, atomic output."""

import json
import os
import subprocess
import sys

import pytest

from sopengine.cli import main

from .conftest import EXAMPLES, ROOT

NOW = "2023-06-03T12:00:00+08:00"
ORDERS = str(EXAMPLES / "orders.jsonl")


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_report_and_exit_1_on_errors(capsys):
    code, out, _ = run(capsys, "check", ORDERS, "--now", NOW, "--rules", str(ROOT / "rules"))
    assert code == 1
    assert "DD20230601004 (order 1.0.0) state=shipped" in out
    assert "review.late [ORD-01]" in out and "due 2023-06-01T14:00:00+08:00: 4 h late" in out
    assert "13 records, 13 violations" in out


def test_json_output_is_the_result_contract(capsys):
    code, out, _ = run(capsys, "check", ORDERS, "--now", NOW, "--format", "json")
    results = json.loads(out)
    assert code == 1 and len(results) == 13
    assert results[3]["violations"][0]["rule"] == "review.late"
    assert results[3]["source"] == {"file": ORDERS, "line": 4, "column": 1}


def test_fail_on_levels(capsys):
    clean = str(EXAMPLES / "orders.jsonl")
    assert run(capsys, "check", clean, "--now", NOW, "--fail-on", "never")[0] == 0
    # only a due-soon warning at this instant for the order still to review (08:00, due at the 09:00 batch)
    one = [json.loads(l) for l in (EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()][9]
    p = EXAMPLES.parent / "tests" / "_tmp_one.json"
    try:
        p.write_text(json.dumps(one), "utf-8")
        assert run(capsys, "check", str(p), "--now", "2023-06-02T08:50:00+08:00")[0] == 0
        assert run(capsys, "check", str(p), "--now", "2023-06-02T08:50:00+08:00", "--fail-on", "warning")[0] == 1
    finally:
        p.unlink()


def test_zh_messages(capsys):
    _, out, _ = run(capsys, "check", ORDERS, "--now", NOW, "--lang", "zh")
    assert "迟了 4 h" in out and "状态=shipped" in out


def test_inputs_json_list_yaml_directory_and_stdin(tmp_path, capsys, monkeypatch):
    recs = [json.loads(l) for l in (EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()][:3]
    (tmp_path / "a.json").write_text(json.dumps(recs, ensure_ascii=False, indent=2), "utf-8")
    import yaml

    (tmp_path / "b.yaml").write_text(yaml.safe_dump(recs[:2], allow_unicode=True), "utf-8")
    code, out, _ = run(capsys, "check", str(tmp_path), "--now", NOW, "--format", "jsonl")
    lines = [json.loads(l) for l in out.splitlines()]
    assert [r["record"] for r in lines] == ["DD20230601001", "DD20230601002", "DD20230601003", "DD20230601001", "DD20230601002"]
    assert lines[1]["source"]["line"] > 1 and lines[1]["source"]["pointer"] == "/1"
    assert lines[4]["source"]["file"].endswith("b.yaml") and lines[4]["source"]["pointer"] == "/1"
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(recs[0]).encode())))
    code, out, _ = run(capsys, "check", "-", "--now", NOW, "--format", "json")
    assert code == 0 and json.loads(out)[0]["record"] == "DD20230601001"


def test_unreadable_records_are_reported_in_place(tmp_path, capsys):
    p = tmp_path / "mixed.jsonl"
    lines = (EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()
    p.write_text("\n".join([lines[0], "{not json", "[1, 2]", lines[1]]) + "\n", "utf-8")
    code, out, _ = run(capsys, "check", str(p), "--now", NOW, "--format", "jsonl")
    res = [json.loads(l) for l in out.splitlines()]
    assert [r["record"] for r in res] == ["DD20230601001", None, None, "DD20230601002"]
    assert "invalid JSON on line 2" in res[1]["error"] and res[1]["source"]["line"] == 2
    assert "must be a JSON object" in res[2]["error"]
    assert code == 2  # an input that could not be read fails the run whatever --fail-on says


def test_usage_and_definition_errors_exit_2(tmp_path, capsys):
    assert run(capsys, "check", str(tmp_path / "missing.jsonl"), "--now", NOW)[0] == 2
    assert run(capsys, "check", ORDERS, "--now", "yesterday")[0] == 2
    assert run(capsys, "check", ORDERS, "--now", "2023-06-03T12:00:00")[0] == 2
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "p.yaml").write_text("apiVersion: sopengine/v1\nkind: Process\nid: x\n", "utf-8")
    code, _, err = run(capsys, "check", ORDERS, "--now", NOW, "--rules", str(bad))
    assert code == 2 and "p.yaml:1:1: error:" in err
    with pytest.raises(SystemExit) as ei:
        main(["check"])
    assert ei.value.code == 2


def test_output_file_is_written_atomically(tmp_path, capsys):
    target = tmp_path / "report.json"
    target.write_text("previous report", "utf-8")
    code, out, _ = run(capsys, "check", ORDERS, "--now", NOW, "--format", "json", "-o", str(target))
    assert out == "" and len(json.loads(target.read_text("utf-8"))) == 13
    # a failing run leaves the previous report whole and no temporary file behind
    code, _, _ = run(capsys, "check", ORDERS, "--now", NOW, "--rules", str(tmp_path / "nope"), "-o", str(target))
    assert code == 2 and len(json.loads(target.read_text("utf-8"))) == 13
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_console_script_runs_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "sopengine", "check", ORDERS, "--now", NOW, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 1, proc.stderr
    assert len(json.loads(proc.stdout)) == 13

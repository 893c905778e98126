"""`sopengine graph --format svg|html [--results FILE]`: drawn without Graphviz, coloured by a batch.

Edges are checked against the process YAML (as test_cli_graph does) and the
counts against the JSON results of the same examples, counted here from the
results themselves.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from sopengine.tools.graph_svg import layout

from .clirun import run
from .conftest import EXAMPLES, RULES
from .test_cli_graph import yaml_edges

AT = "2023-06-03T12:00:00+08:00"
NS = {"s": "http://www.w3.org/2000/svg"}


def _svg(capsys, *args: str) -> ET.Element:
    code, out, err = run(capsys, "graph", *args, "--rules", RULES)
    assert code == 0, err
    return ET.fromstring(out)  # well-formed XML, or this raises


@pytest.fixture(scope="module")
def results_file(tmp_path_factory) -> Path:
    from sopengine.cli import main

    path = tmp_path_factory.mktemp("graph") / "results.json"
    assert main(["check", str(EXAMPLES), "--now", AT, "--format", "json", "--explain", "-o", str(path)]) == 1
    return path


@pytest.mark.parametrize("process", ["order", "service_ticket", "campaign", "product"])
def test_every_edge_and_state_is_drawn_with_role_and_sla(capsys, engine, process):
    proc = engine.process(process)
    root = _svg(capsys, process, "--format", "svg")
    drawn = Counter((g.get("data-from"), g.get("data-to"), g.get("data-step")) for g in root.iterfind(".//s:g[@class='edge']", NS))
    assert drawn == Counter((s, t, st["id"]) for s, t, st in yaml_edges(proc))
    assert {g.get("data-state") for g in root.iterfind(".//s:g[@class='node']", NS)} == set(proc.machine.states)
    for g in root.iterfind(".//s:g[@class='edge']", NS):
        step = next(s for s in proc.steps if s.id == g.get("data-step"))
        text = "".join(g.find("s:text", NS).itertext())
        assert step.event in text and step.roles[0] in text
        if step.sla is not None:
            assert "SLA " in text


def test_layout_puts_each_state_in_its_own_place(engine):
    for pid in engine.process_ids:
        proc = engine.process(pid)
        place = layout(proc)
        assert len(set(place.values())) == len(place)
        assert place[proc.initial][0] == 0


def test_results_colour_edges_and_states_by_the_records(capsys, engine, results_file):
    results = [r for r in json.loads(results_file.read_text("utf-8")) if r["process"] == "order"]
    version = Counter(r["version"] for r in results).most_common(1)[0][0]  # the version drawn by default
    mine = [r for r in results if r["version"] == version]
    root = _svg(capsys, "order", "--format", "svg", "--results", str(results_file))
    edges = {(g.get("data-step"), g.get("data-from"), g.get("data-to")): g for g in root.iterfind(".//s:g[@class='edge']", NS)}
    took = Counter()
    for r in mine:
        took.update({(line.split(": ", 1)[1].split(" ")[0], line.split("'")[1], line.split("'")[3])
                     for line in r["trace"] if " -> " in line and ": " in line})
    for key, g in edges.items():
        assert int(g.get("data-records")) == took.get(key, 0), key
    assert int(edges[("review", "placed", "reviewed")].get("data-records")) > 10
    proc = engine.process("order", version)
    nodes = {g.get("data-state"): g for g in root.iterfind(".//s:g[@class='node']", NS)}
    ended = Counter(r["state"] for r in mine if r["state"])
    for state, g in nodes.items():
        assert int(g.get("data-reached")) == ended.get(state, 0)
        assert int(g.get("data-stuck")) == (0 if state in proc.finals else ended.get(state, 0))
    late = sum(v["rule"] in ("ship.late", "ship.wrong_role", "ship.out_of_order") for r in mine for v in r["violations"])
    assert late and all(int(g.get("data-violations")) == late for k, g in edges.items() if k[0] == "ship")
    assert any(p.get("stroke") == "#c0392b" for p in root.iterfind(".//s:g[@data-step='ship']/s:path", NS))


def test_html_page_is_self_contained(capsys, results_file):
    code, out, _ = run(capsys, "graph", "order", "--format", "html", "--results", str(results_file), "--lang", "zh",
                       "--rules", RULES)
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "default-src 'none'" in out
    assert "<script" not in out and " src=" not in out and "流程图" in out and "<svg" in out


def test_usage_errors(capsys, tmp_path):
    assert run(capsys, "graph", "order", "--format", "mermaid", "--results", "x.json", "--rules", RULES)[0] == 2
    bad = tmp_path / "bad.json"
    bad.write_text('[{"process": "order"}, oops]', "utf-8")
    code, _, err = run(capsys, "graph", "order", "--format", "svg", "--results", str(bad), "--rules", RULES)
    assert code == 2 and f"{bad}:1:" in err
    code, _, err = run(capsys, "graph", "order", "--format", "svg", "--results", str(tmp_path / "none.json"), "--rules", RULES)
    assert code == 2 and "none.json" in err

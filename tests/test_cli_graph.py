"""`sopengine graph`: Mermaid and DOT drawn from the compiled machine, checked against the YAML.

Expected edges are read from the process YAML itself (every source state of
every step), not from the code under test; DOT is also rendered by Graphviz
when `dot` is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from .clirun import run
from .conftest import MINI, ROOT, RULES

MERMAID_LINE = re.compile(
    r"^(stateDiagram-v2"
    r"|    %% .*"
    r"|    [a-z][a-z0-9_]* : [^;#{}<>\"`:]+"
    r"|    \[\*\] --> [a-z][a-z0-9_]*"
    r"|    [a-z][a-z0-9_]* --> \[\*\]"
    r"|    [a-z][a-z0-9_]* --> [a-z][a-z0-9_]* : [^;#{}<>\"`:]+)$")


def yaml_edges(proc) -> list[tuple[str, str, dict]]:
    d = proc.document.data
    states = [s["id"] for s in d["states"]]
    out = []
    for st in d["steps"]:
        srcs = states if st["from"] == "*" else ([st["from"]] if isinstance(st["from"], str) else st["from"])
        out += [(s, st["to"], st) for s in srcs]
    return out


def test_mermaid_has_every_step_and_only_safe_lines(capsys, engine):
    code, out, _ = run(capsys, "graph", "order", "--rules", RULES)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "stateDiagram-v2"
    for line in lines:
        assert MERMAID_LINE.match(line), line
    proc = engine.process("order")
    edges = [ln for ln in lines if re.match(r"^    [a-z_]+ --> [a-z_]+ : ", ln)]
    expected = yaml_edges(proc)
    assert len(edges) == len(expected)
    for src, dst, st in expected:
        match = [ln for ln in edges if ln.startswith(f"    {src} --> {dst} : {st['event']} · {', '.join(st['roles'])}")]
        assert match, (src, dst, st["id"])
        if st.get("sla", {}).get("within"):
            within = st["sla"]["within"].replace(":", "\u2236")  # a second ':' would end mermaid's label
            assert any(f"SLA {within}" in ln for ln in match)
    assert f"    [*] --> {proc.initial}" in lines
    for s in proc.finals:
        assert f"    {s} --> [*]" in lines


def test_dot_is_valid_graphviz(capsys, engine):
    code, out, _ = run(capsys, "graph", "order", "--rules", RULES, "--format", "dot", "--lang", "zh")
    assert code == 0
    assert out.startswith('digraph "order@') and out.rstrip().endswith("}")
    assert out.count("{") == out.count("}")
    proc = engine.process("order")
    edge_lines = [ln for ln in out.splitlines() if re.match(r'^    "[a-z_]+" -> "[a-z_]+" \[label=', ln)]
    assert len(edge_lines) == len(yaml_edges(proc))
    assert "已归档" in out and "peripheries=2" in out and "style=dashed" in out
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed; structure checked above")
    svg = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=60, check=False)
    assert svg.returncode == 0, svg.stderr
    assert "<svg" in svg.stdout and "archived" in svg.stdout


def test_wildcard_steps_and_unsafe_titles(tree, capsys):
    tree("processes/order.yaml", MINI.replace("  - {id: reviewed}", '  - {id: reviewed, title: {zh: "审核;#1", en: "a;b #1 {x} <y>"}}')
         + """
  - id: cancel
    event: refunded
    from: "*"
    to: shipped
    roles: [ops_specialist]
    expected: false
    clauses: [ORD-03]
""")
    code, out, _ = run(capsys, "graph", "order", "--rules", tree.root)
    assert code == 0
    for line in out.splitlines():
        assert MERMAID_LINE.match(line), line
    for s in ("placed", "reviewed", "shipped"):
        assert f"    {s} --> shipped : refunded · ops_specialist" in out
    code, out, _ = run(capsys, "graph", "order", "--rules", tree.root, "--format", "dot")
    assert 'label="refunded\\nops_specialist", tooltip=' in out


def test_unknown_process_or_version_exits_2(capsys):
    code, _, err = run(capsys, "graph", "nosuch", "--rules", RULES)
    assert code == 2 and "unknown process 'nosuch'" in err
    code, _, err = run(capsys, "graph", "order", "--rules", RULES, "--process-version", "9.9.9")
    assert code == 2 and "has no version '9.9.9'" in err


def test_graph_console_script():
    proc = subprocess.run([sys.executable, "-m", "sopengine", "graph", "order"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("stateDiagram-v2")


def test_sla_label_shows_every_case_including_promotion_windows(engine):
    """A `during:` case has no `when`, but it is still a condition, not the default deadline."""
    from sopengine.tools.graph import sla_text

    ship = next(s for s in engine.process("order", "1.0.0").steps if s.id == "ship")
    assert sla_text(ship) == ("24h (made-to-order by due date, presale by due date, agreed-after-shortage by due date, "
                              "promotion-flag 48h, big-promotion 48h)")

"""The GitHub Actions example (.github/workflows/sopengine.yml): valid YAML, and every sopengine
command in it is one the parser accepts in its current spelling (no deprecation warning)."""

from __future__ import annotations

import argparse
import shlex

import yaml

from sopengine.cli import build_parser, settle_args

from .conftest import ROOT

WORKFLOW = ROOT / ".github/workflows/sopengine.yml"


def commands() -> list[list[str]]:
    doc = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    steps = [s for job in doc["jobs"].values() for s in job["steps"]]
    found = []
    for step in steps:
        for line in str(step.get("run", "")).splitlines():
            words = shlex.split(line.replace('"$NOW"', "2023-06-03T12:00:00+08:00"))
            if words and words[0] == "sopengine":
                found.append(words[1:words.index(">")] if ">" in words else words[1:])
    return found


def test_the_workflow_runs_current_commands(capsys):
    found = commands()
    assert {c[0] for c in found} == {"validate", "test", "check"}
    formats = {c[c.index("--format") + 1] for c in found if "--format" in c}
    assert formats == {"github", "junit", "sarif"}
    for words in found:
        args = build_parser().parse_args(words)
        assert isinstance(args, argparse.Namespace)
        settle_args(args)
    assert "deprecated" not in capsys.readouterr().err


def test_the_workflow_uploads_sarif_and_keeps_the_reports():
    doc = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    uses = [s.get("uses", "") for job in doc["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert doc["permissions"]["security-events"] == "write"

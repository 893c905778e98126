"""The pre-commit hooks a rules repository uses: each runs a real command that passes on the bundled rules."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import yaml

from sopengine.cli import COMMANDS

from .conftest import ROOT


def test_hooks_run_existing_commands_on_rules_changes():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert {h["id"] for h in hooks} == {"sopengine-validate", "sopengine-test"}
    for h in hooks:
        argv = shlex.split(h["entry"])
        assert argv[0] == "sopengine" and argv[1] in COMMANDS
        assert h["language"] == "python" and h["pass_filenames"] is False
        assert re.search(h["files"], "rules/processes/order.yaml")
        assert not re.search(h["files"], "src/sopengine/engine.py")
        proc = subprocess.run([sys.executable, "-m", "sopengine", *argv[1:]], capture_output=True, text=True, cwd=ROOT,
                              timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr

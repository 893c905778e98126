"""Shell completion scripts generated from the parser: bash completes for real, zsh and fish name
every command, option and choice (and parse, where the shell is installed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from sopengine.cli import COMMANDS
from sopengine.cli.completion import script


def complete_bash(tmp_path, words: list[str]) -> list[str]:
    path = tmp_path / "sopengine.bash"
    path.write_text(script("bash"), "utf-8")
    line = " ".join(words)
    cmd = (f"source {path}; COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}; "
           f"COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}; _shtab_sopengine sopengine {words[-1]!r} {words[-2]!r}; "
           "printf '%s\\n' \"${COMPREPLY[@]}\"")
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    return [w for w in proc.stdout.split() if w]


def test_bash_completes_commands_options_and_choices(tmp_path):
    assert set(complete_bash(tmp_path, ["sopengine", ""])) >= set(COMMANDS)
    assert complete_bash(tmp_path, ["sopengine", "va"]) == ["validate"]
    assert set(complete_bash(tmp_path, ["sopengine", "check", "--format", ""])) >= {"text", "json", "sarif", "junit", "github"}
    assert complete_bash(tmp_path, ["sopengine", "graph", "--pro"]) == ["--process-version"]
    assert "--rules" in complete_bash(tmp_path, ["sopengine", "validate", "--r"])
    assert sorted(complete_bash(tmp_path, ["sopengine", "completion", ""])) == ["bash", "fish", "zsh"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_command_and_choice(shell):
    text = script(shell)
    for name in COMMANDS:
        assert name in text, name
    for word in ("--process-version", "--rules", "--max-results", "sarif", "junit", "github"):
        assert word in text, word
    assert "pin_deprecated" not in text and "rules_positional" not in text  # hidden old spellings stay hidden
    exe = shutil.which(shell)
    if exe:  # installed here: the script must at least parse
        flag = ["-n"] if shell == "zsh" else ["--no-execute"]
        proc = subprocess.run([exe, *flag], input=text, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr


def test_the_command_prints_the_script(capsys):
    from .clirun import run

    code, out, _ = run(capsys, "completion", "bash")
    assert code == 0 and out == script("bash")

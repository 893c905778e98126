"""One spelling of each option across the commands; the old spellings kept one release, warned."""

from __future__ import annotations

import shutil

import pytest

import sopengine
from sopengine.cli import COMMANDS, build_parser
from sopengine.paths import bundled_rules_dir

from .clirun import run
from .conftest import EXAMPLES, RULES

NOW = "2023-06-03T12:00:00+08:00"


def _subparsers():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sub.choices


def test_every_command_that_reads_rules_takes_them_as_rules_and_none_as_an_argument():
    for name, p in _subparsers().items():
        flags = {s for a in p._actions for s in a.option_strings}
        positional = [a.dest for a in p._actions if not a.option_strings and a.help != "==SUPPRESS=="]
        assert "rules" not in positional and "RULES" not in str(p.format_usage()), name
        if name != "completion":
            assert "--rules" in flags, name
        assert "--version" not in p.format_help(), name  # a process version is --process-version
    assert set(COMMANDS) <= set(_subparsers())


@pytest.mark.parametrize("command", ["validate", "test", "coverage"])
def test_the_old_positional_rules_tree_still_works_with_a_warning(capsys, command):
    extra = ["--now", NOW] if command == "coverage" else []
    new = run(capsys, command, "--rules", RULES, *extra)
    old = run(capsys, command, RULES, *extra)
    assert old[0] == new[0] and old[1] == new[1]
    assert "deprecated" in old[2] and f"--rules {RULES}" in old[2] and "deprecated" not in new[2]
    code, _, err = run(capsys, command, RULES, "--rules", EXAMPLES)
    assert code == 2 and "given twice" in err


@pytest.mark.parametrize("command", [["check", str(EXAMPLES / "orders.jsonl"), "--now", NOW], ["graph", "order"]])
def test_the_old_version_option_still_works_with_a_warning(capsys, command):
    new = run(capsys, *command, "--process-version", "1.0.0")
    old = run(capsys, *command, "--version", "1.0.0")
    assert old[:2] == new[:2] and "deprecated" in old[2] and "--process-version 1.0.0" in old[2]
    assert run(capsys, *command, "--version", "1.0.0", "--process-version", "1.1.0")[0] == 2


def test_the_program_version_is_still_the_top_level_version(capsys):
    with pytest.raises(SystemExit) as exc:
        run(capsys, "--version")
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"sopengine {sopengine.__version__}"


def test_load_with_no_argument_is_the_bundled_rules_wherever_it_runs(tmp_path, monkeypatch):
    """Not whatever ./rules the working directory holds: here a tree with one process only."""
    shutil.copytree(RULES, tmp_path / "rules")
    for f in (tmp_path / "rules/processes").glob("*.yaml"):
        if not f.name.startswith("order"):
            f.unlink()
    for f in (tmp_path / "rules/tests").glob("*.yaml"):
        f.unlink()
    monkeypatch.chdir(tmp_path)
    assert sorted(sopengine.load().process_ids) == sorted(sopengine.load(bundled_rules_dir()).process_ids)
    assert sopengine.load("rules").process_ids == ["order"]  # a path is that path
    assert len(sopengine.load().process_ids) > 1


def test_a_command_alone_parses_as_it_does_among_all():
    """main builds the parser of the command it is given alone: that subparser is the one every command's
    parser holds (its help, its options), it parses the same, and anything else gets them all."""
    every = _subparsers()
    for name in COMMANDS:
        parser = build_parser(name)
        (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        assert list(sub.choices) == [name]
        assert sub.choices[name].format_help() == every[name].format_help()
    words = ["check", str(EXAMPLES), "--now", NOW, "--format", "jsonl", "--jobs", "2", "--explain"]
    assert vars(build_parser("check").parse_args(words)) == vars(build_parser().parse_args(words))
    for other in (None, "--help", "chek", "--version"):
        (sub,) = [a for a in build_parser(other)._actions if a.__class__.__name__ == "_SubParsersAction"]
        assert list(sub.choices) == COMMANDS


def test_main_builds_the_parser_of_its_command_alone(monkeypatch, capsys):
    from sopengine import cli

    built = []
    real = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda command=None: (built.append(command), real(command))[1])
    assert run(capsys, "validate", "--rules", RULES)[0] == 0
    assert built == ["validate"]

"""docs/manual-examples.md shows real `sopengine check` output for the manual's template rows: re-run each command
and compare, record block by record block, so the page cannot drift from what the rules say."""

import re
import shlex

import pytest

from sopengine.cli import main

from .conftest import ROOT

DOC = ROOT / "docs" / "manual-examples.md"
HEADER = re.compile(r"^\S+:\d+ (\S+) \(")


def console_blocks():
    text = DOC.read_text("utf-8")
    for m in re.finditer(r"```console\n\$ (.+?)\n(.*?)```", text, re.DOTALL):
        yield m.group(1), m.group(2).rstrip("\n").splitlines()


def records_of(lines, ids):
    """The lines of the blocks of the records ``ids``, in output order."""
    out, cur = [], False
    for line in lines:
        m = HEADER.match(line)
        if m:
            cur = m.group(1) in ids
        elif not line.startswith("  "):
            cur = False
        if cur:
            out.append(line)
    return out


BLOCKS = list(console_blocks())


def test_the_page_shows_every_template():
    shown = {HEADER.match(l).group(1) for _, lines in BLOCKS for l in lines if HEADER.match(l)}
    assert {"SP2023001", "PG-TPL02", "DD20230601001", "DD20230601002", "HD2023-618", "HD2023-0605",
            "KPI-20230601"} <= shown
    assert {("--lang zh" in cmd) for cmd, _ in BLOCKS} == {True, False}


@pytest.mark.parametrize("cmd,lines", BLOCKS, ids=[f"{c.split()[2]}{' zh' if 'zh' in c else ''}" for c, _ in BLOCKS])
def test_each_pasted_output_is_what_sopengine_says(cmd, lines, capsys, monkeypatch):
    argv = shlex.split(cmd)
    assert argv[:2] == ["sopengine", "check"]
    monkeypatch.chdir(ROOT)
    main([*argv[1:], "--rules", str(ROOT / "rules")])
    got = capsys.readouterr().out.splitlines()
    ids = {HEADER.match(l).group(1) for l in lines if HEADER.match(l)}
    assert ids and records_of(got, ids) == lines

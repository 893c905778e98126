"""docs/checks.md shows real output: every example rule is loaded, run on its record, and the output compared."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

import sopengine

from .checkkit import process
from .conftest import NOW, ROOT

DOC = ROOT / "docs" / "checks.md"
_BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def examples():
    """(record schema, rule YAML, record, expected lines) of each run of blocks ```yaml rule=<schema>```,
    ```json record``` and ```text output```."""
    blocks = [(m.group(1), m.group(2).strip(), m.group(3)) for m in _BLOCK.finditer(DOC.read_text("utf-8"))]
    out = []
    for i, (lang, info, body) in enumerate(blocks):
        if lang == "yaml" and info.startswith("rule="):
            (l2, i2, record), (l3, i3, expected) = blocks[i + 1], blocks[i + 2]
            assert (l2, i2, l3, i3) == ("json", "record", "text", "output"), f"example {info} is not rule, record, output"
            out.append(pytest.param(info.removeprefix("rule="), body, json.loads(record), expected.splitlines(),
                                    id=f"{len(out)}-{json.loads(record)['process']}"))
    return out


def test_every_check_type_has_an_example():
    text = DOC.read_text("utf-8")
    from sopengine.checks import REGISTRY

    for name in REGISTRY:
        assert f"type: {name}" in text, name


@pytest.mark.parametrize("schema, rule, record, expected", examples())
def test_example_output(tree, tmp_path, schema, rule, record, expected):
    tree("p.yaml", process(record["process"], schema, textwrap.indent(rule.strip("\n"), "  ")))
    for kind in ("vocabularies", "qualifications"):  # banned_words and qualifications read their data from the tree
        for data in (ROOT / "rules" / kind).glob("*.yaml"):
            tree(f"{kind}/{data.name}", data.read_text("utf-8"))
    result = sopengine.load(tree.root).evaluate(record, NOW)
    assert result.error is None
    got = []
    for v in result.violations:
        got += [f"{v.rule} [{v.severity}] {v.messages.en}", f"{v.rule} [{v.severity}] {v.messages.zh}"]
    assert got == expected

"""libyaml's fast path gives the Documents the pure-Python loader gives: data, positions, styles."""

from __future__ import annotations

import pytest

from sopengine import loader

from .conftest import RULES

TRICKY = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: |\n  line\n  two\nd: >-\n  folded\n",
    "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n",
    "s: \"\\u00e9 \\t tab\"\nn: ~\nt: 2023-06-01\nf: 1.5e3\nb: yes\no: 0o17\n",
    "k:\n  - {a: 1, 'b c': [1, {d: e}]}\n  - - nested\n    - list\n",
    "中文键: 值\nlist: [一, 二]\n",
]


def _docs(text: str, fast: type | None):
    saved = loader._FAST
    loader._FAST = fast
    try:
        return loader.parse_yaml(text, "x.yaml")
    finally:
        loader._FAST = saved


@pytest.mark.skipif(loader._FAST is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", TRICKY + [p.read_text("utf-8") for p in sorted(RULES.rglob("*.yaml"))])
def test_fast_and_pure_loaders_agree(text):
    (a, fa), (b, fb) = _docs(text, loader._FAST), _docs(text, None)
    assert fa == fb
    assert (a.data, a.positions, a.key_positions, a.styles) == (b.data, b.positions, b.key_positions, b.styles)


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: 1\na: 2\n", "- x\n y: 1\n", "a: !!python/object:os.system x\n"])
def test_bad_yaml_reads_as_the_pure_loader_says(text):
    assert _docs(text, loader._FAST)[1] == _docs(text, None)[1]

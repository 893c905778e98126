"""Stage 1: YAML with positions, and hostile input refused with a position."""

from sopengine.loader import MAX_NODES, parse_yaml


def test_positions_of_values_and_keys():
    doc, findings = parse_yaml("a: 1\nb:\n  - x: hello\n    y: [1, 2]\n", "f.yaml")
    assert findings == []
    assert doc.data == {"a": 1, "b": [{"x": "hello", "y": [1, 2]}]}
    assert (doc.where("/b/0/y/1").line, doc.where("/b/0/y/1").column) == (4, 12)
    assert (doc.where("/b/0/x", key=True).line, doc.where("/b/0/x", key=True).column) == (3, 5)
    # an unknown pointer falls back to its nearest ancestor
    assert doc.where("/b/0/zzz").line == 3


def test_dates_stay_strings_so_the_process_zone_decides():
    doc, _ = parse_yaml("effective_from: 2023-06-01\nat: 2023-06-01T10:00:00\n", "f.yaml")
    assert doc.data == {"effective_from": "2023-06-01", "at": "2023-06-01T10:00:00"}


def test_duplicate_key_is_an_error_at_the_second_key():
    _, findings = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(f.code, f.source.line, f.source.column) for f in findings] == [("duplicate-key", 3, 1)]


def test_syntax_error_has_line_and_column():
    doc, findings = parse_yaml("a: [1,\n b: 2", "bad.yaml")
    assert doc is None
    assert findings[0].code == "yaml" and findings[0].source.line == 2


def test_python_tags_are_refused():
    doc, findings = parse_yaml("a: !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")
    assert doc is None and "constructor" in findings[0].message


def test_alias_bomb_is_refused():
    lines = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    prev = "a"
    for name in "bcdefg":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    doc, findings = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert doc is None
    assert findings[0].code == "too-big" and str(MAX_NODES) in findings[0].message


def test_deep_nesting_is_refused():
    doc, findings = parse_yaml("a: " + "[" * 300 + "]" * 300 + "\n", "deep.yaml")
    assert doc is None and findings[0].code == "too-big"


def test_one_document_per_file():
    _, findings = parse_yaml("a: 1\n---\nb: 2\n", "two.yaml")
    assert "2 documents" in findings[0].message
    _, findings = parse_yaml("", "empty.yaml")
    assert "empty" in findings[0].message


def test_merge_keys_may_be_overridden_but_explicit_duplicates_may_not():
    doc, findings = parse_yaml("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n", "m.yaml")
    assert findings == [] and doc.data["x"] == {"a": 1, "b": 3}
    _, findings = parse_yaml("base: &b {a: 1}\nx:\n  <<: *b\n  c: 3\n  c: 4\n", "m.yaml")
    assert [f.code for f in findings] == ["duplicate-key"]


def test_an_expression_error_in_a_folded_string_points_at_its_own_line(tmp_path):
    """``>-`` folds an expression's lines into one: CEL's column 90 of that one line is on the file's
    second line of it, not past the end of its first (it pointed at column 90 of the first)."""
    import shutil

    import pytest

    import sopengine
    from sopengine.errors import DefinitionError

    from .conftest import RULES

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    order = rules / "processes" / "order.yaml"
    text = order.read_text("utf-8")
    old = "? events.filter(d, d.type == 'delivered' && d.at >= item.at)[0].at : '—'"
    assert text.count(old) == 1
    order.write_text(text.replace(old, old.replace("'—'", "dash")), "utf-8")
    with pytest.raises(DefinitionError) as ei:
        sopengine.load(rules)
    [f] = [f for f in ei.value.findings if "dash" in f.message]
    lines = order.read_text("utf-8").splitlines()
    assert f.source.line is not None and f.source.column is not None
    assert lines[f.source.line - 1][f.source.column - 1:].startswith("dash"), (f.source, lines[f.source.line - 1])


def test_a_position_inside_a_value_the_pointer_does_not_reach_falls_back_to_the_value_itself():
    """where_inside is on the error path: a pointer past a list's end or through a non-index must
    place the error at the nearest value, never raise in its stead."""
    from sopengine.loader import parse_yaml

    doc, _ = parse_yaml("a:\n  - x\n  - y\n", "t.yaml")
    assert doc is not None
    for pointer in ("/a/7", "/a/k", "/a/0/deeper"):
        ref = doc.where_inside(pointer, 1, 2)
        assert ref.file == "t.yaml" and ref.line is not None, (pointer, ref)

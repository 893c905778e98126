"""Stage 2: schema and semantic lint, every finding where the author must look."""

import pytest

import sopengine
from sopengine.cli import main

from .conftest import MINI


def findings_of(tree) -> list:
    with pytest.raises(sopengine.DefinitionError) as ei:
        sopengine.load(tree.root)
    return list(ei.value.findings)


def test_bundled_rules_are_clean(capsys):
    assert main(["validate", "--rules", "rules"]) == 0


def test_unknown_key_points_at_the_key_with_a_hint(tree):
    tree("order.yaml", MINI.replace("roles: [ops_specialist, warehouse]\nstates", "roles: [ops_specialist, warehouse]\nstaets: []\nstates"))
    f = findings_of(tree)
    assert len(f) == 1
    assert f[0].source.line == 9 and f[0].source.column == 1
    assert "staets" in f[0].message and "states" in f[0].hint


def test_all_errors_of_a_tree_in_one_pass(tree):
    bad = MINI.replace("roles: [warehouse]", "roles: [warehous]").replace("to: reviewed", "to: reviewd")
    tree("order.yaml", bad)
    tree("other.yaml", "apiVersion: sopengine/v1\nkind: Nonsense\n")
    codes = sorted(f.code for f in findings_of(tree))
    assert codes == ["unknown-kind", "unknown-role", "unknown-state"]


def test_wrong_type_reports_the_value_position(tree):
    tree("order.yaml", MINI.replace("version: 1.0.0", "version: one"))
    f = findings_of(tree)
    assert (f[0].source.line, f[0].source.column, f[0].source.pointer) == (4, 10, "/version")


def test_cel_syntax_error_maps_into_the_yaml(tree):
    text = MINI + """checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expression
    params: {assert: "record.payment_status == 'paid' &&"}
    message: {zh: 未付款, en: unpaid}
"""
    tree("order.yaml", text)
    f = findings_of(tree)
    assert f[0].code == "cel"
    assert f[0].source.line == 32 and 50 < f[0].source.column < 60


def test_misspelt_field_is_a_load_error_with_a_suggestion(tree):
    text = MINI + """checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expression
    params:
      assert: "record.paymnt_status == 'paid'"
    message: {zh: 未付款, en: unpaid}
"""
    tree("order.yaml", text)
    f = findings_of(tree)
    assert f[0].code == "cel-field"
    assert "record.paymnt_status" in f[0].message and "record.payment_status" in f[0].hint
    assert (f[0].source.line, f[0].source.column) == (33, 16)


def test_string_field_compared_with_number(tree):
    text = MINI + """checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expression
    params: {assert: "record.payment_status == 1"}
    message: {zh: 未付款, en: unpaid}
"""
    tree("order.yaml", text)
    f = findings_of(tree)
    assert "compared with a number" in f[0].message


def test_step_event_not_in_record_schema(tree):
    tree("order.yaml", MINI.replace("event: shipped", "event: shiped"))
    f = findings_of(tree)
    assert f[0].code == "unknown-event" and "shipped" in f[0].hint


def test_lint_findings_come_in_document_order_from_registered_rules(tree, monkeypatch):
    """Each lint rule is a registered function with an id and a reason; findings keep document order."""
    from sopengine import lint

    assert len({r.id for r in lint.RULES}) == len(lint.RULES) and all(r.why for r in lint.RULES)
    bad = (MINI.replace("{id: reviewed}", "{id: reviewed, clauses: [ORD-99]}").replace("roles: [warehouse]", "roles: [warehous]")
           .replace("from: placed", "from: placd").replace("event: shipped", "event: shiped"))
    tree("order.yaml", bad)
    where = [(f.code, f.source.pointer) for f in findings_of(tree)]
    assert where == [("unknown-clause", "/states/1/clauses/0"), ("unknown-state", "/steps/0/from"),
                     ("unknown-role", "/steps/1/roles/0"), ("unknown-event", "/steps/1/event")]

    def no_self_loops(lint_: lint.Lint, p: str, st: dict) -> None:
        """A made-up rule: registering it is all it takes to run it."""
        if st["from"] == st["to"]:
            lint_.err(f"{p}/to", "self loop", "self-loop")

    monkeypatch.setattr(lint, "RULES", [*lint.RULES, lint.LintRule("no-self-loops", "step", no_self_loops, "made up")])
    tree("order.yaml", MINI.replace("to: reviewed", "to: placed"))
    assert "self-loop" in [f.code for f in findings_of(tree)]
    with pytest.raises(TypeError, match="docstring"):
        lint.rule("step", "undocumented")(lambda lint_, p, st: None)


def test_unreachable_and_dead_end_states_are_warnings(tree, capsys):
    text = MINI.replace("  - {id: shipped, final: true}", "  - {id: shipped}\n  - {id: limbo}")
    tree("order.yaml", text)
    engine = sopengine.load(tree.root)  # warnings do not block loading
    codes = sorted(w.code for w in engine.warnings)
    assert codes == ["dead-end-state", "unreachable-state"]
    assert main(["validate", "--rules", str(tree.root)]) == 0
    assert main(["validate", "--rules", str(tree.root), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "order.yaml:12:5: warning: state 'shipped' has no step out of it" in out


def test_validate_exit_codes(tree, tmp_path, capsys):
    tree("order.yaml", MINI.replace("version: 1.0.0", "version: one"))
    assert main(["validate", "--rules", str(tree.root)]) == 1
    assert "order.yaml:4:10: error:" in capsys.readouterr().out
    assert main(["validate", "--rules", str(tmp_path / "nowhere")]) == 2


def test_non_utf8_rule_file(tree):
    p = tree("order.yaml", MINI)
    p.write_bytes(MINI.encode("gbk"))
    f = findings_of(tree)
    assert f[0].code == "encoding"


def test_compile_errors_bad_duration_and_unknown_check_type(tree):
    text = MINI.replace("sla: {within: 24h, from: {field: placed_at}}", "sla: {within: 24 hrs, from: {field: placed_at}}") + """checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expresion
    params: {assert: "true"}
    message: {zh: 未付款, en: unpaid}
"""
    tree("order.yaml", text)
    f = sorted(findings_of(tree), key=lambda x: x.source.line)
    assert [x.code for x in f] == ["sla", "unknown-check-type"]
    assert f[0].source.pointer == "/steps/1/sla/within" and "24 hrs" in f[0].message
    assert f[1].source.line == 31 and "expression" in f[1].hint


def test_check_params_must_match_their_schema(tree):
    text = MINI + """checks:
  - id: paid
    severity: error
    clauses: [ORD-02]
    type: expression
    params: {asert: "true"}
    message: {zh: 未付款, en: unpaid}
"""
    tree("order.yaml", text)
    f = findings_of(tree)
    assert all(x.source.pointer.startswith("/checks/0/params") for x in f)
    assert any("asert" in x.message and x.source.line == 32 for x in f)


def test_every_registered_check_type_has_a_params_schema_wired_into_the_process_schema():
    """A new check type is one class plus one params schema; forgetting either fails here."""
    import json

    from sopengine.checks import REGISTRY

    from .conftest import SCHEMAS

    process = json.loads((SCHEMAS / "process.schema.json").read_text("utf-8"))
    wired = {e["if"]["properties"]["type"]["const"]: e["then"]["properties"]["params"]["$ref"]
             for e in process["$defs"]["check"]["allOf"]}
    assert sorted(wired) == sorted(REGISTRY)
    for name, ref in wired.items():
        assert ref == f"checks/{name}.schema.json" and (SCHEMAS / ref).is_file()

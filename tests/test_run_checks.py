"""How evaluate runs a state's checks: each distinct ``when`` asked once per record, an expression check's
plan asked before its run, and the answers exactly what asking every check in full gives."""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType

import pytest

import sopengine
from sopengine.checks import Hit
from sopengine.checks.expression import ExpressionCheck
from sopengine.expr import Expression
from sopengine.render import render
from sopengine.text.masking import mask_text, mask_texts, mask_value

from .checkkit import env, process
from .conftest import NOW

CHECKS = """\
  - id: PRD-a
    severity: error
    clauses: [PRD-04]
    when: "record.status in ['listed', 'presale']"
    type: expression
    params: {assert: "has(record.name)"}
    message: {zh: "缺少名称", en: "no name"}
  - id: PRD-b
    severity: warning
    clauses: [PRD-04]
    when: "record.status in ['listed', 'presale']"
    type: expression
    params: {assert: "has(record.title)", evidence: {status: record.status}}
    message: {zh: "{status} 缺少标题", en: "{status}: no title"}
  - id: PRD-c
    severity: error
    clauses: [PRD-04]
    when: "int(record.category) > 0"
    type: expression
    params: {assert: "false"}
    message: {zh: "c", en: "c"}
  - id: PRD-d
    severity: error
    clauses: [PRD-04]
    when: "int(record.category) > 0"
    type: expression
    params: {assert: "false"}
    message: {zh: "d", en: "d"}
  - id: PRD-e
    severity: error
    clauses: [PRD-04]
    parameters:
      least: {type: number, default: 1, description: {zh: 下限, en: least}}
    when: "double(size(record.name)) >= params.least"
    type: expression
    params: {assert: "false"}
    message: {zh: "e", en: "e"}
  - id: PRD-f
    severity: error
    clauses: [PRD-04]
    parameters:
      least: {type: number, default: 5, description: {zh: 下限, en: least}}
    when: "double(size(record.name)) >= params.least"
    type: expression
    params: {assert: "false"}
    message: {zh: "f", en: "f"}
"""


@pytest.fixture
def engine(tree):
    tree("product.yaml", process("product", "product", CHECKS))
    return sopengine.load(tree.root)


def _asked(monkeypatch) -> Counter[str]:
    """How many times each expression text is asked, through ``test`` or through its plan."""
    asked: Counter[str] = Counter()
    test, plan = Expression.test, Expression.plan.fget  # type: ignore[attr-defined]

    def counted(self, variables):
        asked[self.source] += 1
        return test(self, variables)

    def counted_plan(self):
        body = plan(self)
        if body is None:
            return None

        def run(variables):
            asked[self.source] += 1
            try:
                v = body(variables)
            except Exception:
                asked[self.source] -= 1  # test() asks again, and is counted
                raise
            if v is not True and v is not False:
                asked[self.source] -= 1
            return v
        return run
    monkeypatch.setattr(Expression, "test", counted)
    monkeypatch.setattr(Expression, "plan", property(counted_plan))
    return asked


def test_one_when_text_is_asked_once_per_record(engine, monkeypatch):
    asked = _asked(monkeypatch)
    r = engine.evaluate({"process": "product", "id": "P1", "status": "listed", "name": "ab", "category": "3"}, NOW)
    assert sorted(v.rule for v in r.violations) == ["PRD-b", "PRD-c", "PRD-d", "PRD-e"]
    assert r.violations[[v.rule for v in r.violations].index("PRD-b")].messages.en == "listed: no title"
    assert asked["record.status in ['listed', 'presale']"] == 1 and asked["int(record.category) > 0"] == 1
    # one text with two parameter values is two guards: 2 >= 1, not 2 >= 5
    assert asked["double(size(record.name)) >= params.least"] == 2


def test_a_when_that_cannot_be_evaluated_is_reported_for_each_check_it_guards(engine, monkeypatch):
    asked = _asked(monkeypatch)
    r = engine.evaluate({"process": "product", "id": "P1", "status": "draft", "name": "ab", "category": "x"}, NOW)
    assert [v.rule for v in r.violations] == ["PRD-c:unevaluable", "PRD-d:unevaluable", "PRD-e"]
    assert asked["int(record.category) > 0"] == 2  # an error is not remembered: each check asks, each reports
    assert asked["record.status in ['listed', 'presale']"] == 1


def test_an_expression_checks_verdict_is_true_only_where_run_finds_nothing_and_false_where_it_is_refuted():
    check = ExpressionCheck({"assert": "has(record.a) && record.a > 1", "path": "/a", "evidence": {"a": "has(record.a) ? record.a : 0"}}, env())
    verdict = check.verdict()
    assert verdict is not None
    from .checkkit import context

    for record, complies in (({"a": 2}, True), ({"a": 1}, False), ({}, False), ({"a": "x"}, False)):
        ctx = context(record)
        try:
            said = verdict(ctx.variables)
        except Exception:  # noqa: BLE001 - a plan's surprise: run() answers
            said = None
        assert (said is True) == complies
        assert (list(check.run(ctx)) == [] if complies else True)
        if said is False:  # refuted: what run() says, without asking again
            assert list(check.refuted(ctx)) == list(check.run(ctx)) == [Hit("/a", {"a": record.get("a", 0)})]
    assert ExpressionCheck({"assert": "item > 1", "for_each": "record.xs"}, env()).verdict() is None


def test_a_template_reads_any_mapping_as_it_reads_a_dict():
    values = {"a": {"b": [1, 2.0]}, "x": 3.0, "s": "text", "l": ["p", 2]}
    template = "{a.b.1} {x} {s} {l} {a.c} {q}"
    assert render(template, values) == render(template, MappingProxyType({**values, "a": MappingProxyType(values["a"])}))
    assert render(template, values) == "2 3 text p、2 {a.c} {q}"


def test_both_languages_of_a_message_render_in_one_call_as_each_renders_alone():
    """render_all fills each template as render does; a placeholder the two share is formatted once, and one
    only one of them has (or one written differently in each) is formatted for that one."""
    from sopengine.render import render_all

    class Counted:
        shown = 0

        def __str__(self) -> str:
            Counted.shown += 1
            return f"c{Counted.shown}"

    values = {"l": ["p", 2], "f": 2.0, "s": "text", "i": 7, "c": Counted(), "a": {"b": [1, 2.5]}}
    pairs = [("缺少{l}，{f}；{a.b.1}", "lacks {l}, {f}; {a.b.1} {s}"), ("{s}{i}", "{i}{s}{q}"), ("plain", "{l}"),
             ("{a.b}", "{a.b.0}"), ("", "")]
    for zh, en in pairs:
        assert render_all((zh, en), values) == [render(zh, values), render(en, values)]
        assert render_all((zh, en), MappingProxyType(values)) == [render(zh, values), render(en, values)]
    Counted.shown = 0
    assert render_all(("{c} / {c.x}", "{c}"), values) == ["c1 / {c.x}", "c1"]  # (once for the two)


def test_evidence_is_masked_in_every_value_it_holds():
    phone = "13812345678"
    masked = mask_text(phone)
    assert masked != phone
    ev = {"n": 1, "f": 2.5, "b": True, "none": None, "s": phone, "l": [phone, 3, {"t": phone}], "d": {"x": (phone,)}}
    assert mask_value(ev) == {"n": 1, "f": 2.5, "b": True, "none": None, "s": masked, "l": [masked, 3, {"t": masked}],
                              "d": {"x": [masked]}}


def test_evidence_text_is_masked_whether_or_not_it_was_masked_before():
    """mask_value takes a text masked before from the table mask_text keeps, and masks one it has not seen."""
    from sopengine.text.masking import _MASKED

    fresh = [f"联系 139{n:08d} 发货" for n in (24681357, 97531246)]  # (never masked before in this run)
    assert not any(t in _MASKED for t in fresh)
    first = mask_value({"s": fresh[0], "l": [fresh[1]]})
    assert first == {"s": "联系 139****1357 发货", "l": ["联系 139****1246 发货"]}
    assert all(t in _MASKED for t in fresh) and mask_value({"s": fresh[0], "l": [fresh[1]]}) == first
    more = [f"联系 139{n:08d} 发货" for n in (11223344, 55667788)]
    assert mask_texts(*more) == (mask_text(more[0]), mask_text(more[1])) == mask_texts(*more)  # (seen or not)
    assert mask_value({"l": [more[0], 5, [more[1]], ""]}) == {"l": [mask_text(more[0]), 5, [mask_text(more[1])], ""]}


def test_the_strings_under_a_field_in_document_order_with_their_pointers():
    from sopengine.checks.fields import FieldPath, strings_under

    value = {"a/b": ["x", {"~k": "y", "n": 1, "z": ["w", None]}], "t": "v", 3: "three"}
    assert strings_under(value, "/detail") == [("/detail/a~1b/0", "x"), ("/detail/a~1b/1/~0k", "y"),
                                               ("/detail/a~1b/1/z/0", "w"), ("/detail/t", "v"), ("/detail/3", "three")]
    assert strings_under("one", "/title") == [("/title", "one")] and strings_under(5, "/n") == []
    deep: object = "bottom"
    for _ in range(70):
        deep = [deep]
    assert strings_under(deep, "") == []  # past 64 levels nothing is read, as before
    title, nested, each = FieldPath("title", "/f"), FieldPath("detail.text", "/f"), FieldPath("tags[]", "/f")
    record = {"title": "T", "detail": {"text": "D"}, "tags": ["a", "b"]}
    assert list(title.values(record, "/base")) == [("/base/title", "T")] and list(title.values({})) == []
    assert list(title.values(record)) == list(title._walk(record, "", 0))
    assert list(nested.values(record)) == [("/detail/text", "D")]
    assert list(each.values(record)) == [("/tags/0", "a"), ("/tags/1", "b")]

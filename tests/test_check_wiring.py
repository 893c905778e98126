"""The new check types through the whole engine: params schemas, load errors at their lines, results masked."""

from __future__ import annotations

import pickle

import pytest

import sopengine

from .checkkit import process
from .conftest import NOW

PRODUCT_CHECKS = """\
  - id: PRD-main-images
    severity: error
    clauses: [PRD-04]
    type: main_images
    params: {min_count: 5, min_width: 800, min_height: 800}
    message: {zh: "主图只有 {count} 张（至少 {min_count} 张）", en: "{count} main images, at least {min_count} needed"}
  - id: PRD-qualifications
    severity: error
    clauses: [PRD-13, PRD-11]
    type: qualifications
    params:
      required: {食品: [food_business_licence, quality_inspection_report]}
    message: {zh: "{category} 缺少资质：{missing}", en: "{category} lacks: {missing}"}
"""

TICKET_CHECKS = """\
  - id: CS-privacy
    severity: error
    clauses: [CS-10]
    type: privacy
    params: {}
    message: {zh: "客服消息泄露客户信息：{excerpt}", en: "an agent message leaks customer data: {excerpt}"}
"""

EVAL_CHECKS = """\
  - id: PRD-evaluation
    severity: error
    clauses: [PRD-03]
    type: decision_table
    params:
      tables:
        - id: demand
          inputs: {searches: record.monthly_searches}
          outputs: [score]
          rules:
            - {when: {searches: ">= 100000"}, then: {score: 5}}
            - {when: {searches: "< 100000"}, then: {score: 4}}
      expect: ["!has(record.scores) || record.scores.market_demand == decisions.demand.score"]
    message: {zh: "评分不符", en: "score differs"}
"""


@pytest.fixture
def engine(tree, tmp_path):
    tree("product.yaml", process("product", "product", PRODUCT_CHECKS))
    tree("ticket.yaml", process("service_ticket", "service_ticket", TICKET_CHECKS))
    tree("evaluation.yaml", process("product_evaluation", "product_evaluation", EVAL_CHECKS))
    return sopengine.load(tree.root)


def test_results_of_each_check_type(engine):
    r = engine.evaluate({"process": "product", "id": "SP1", "status": "listed", "category": "食品-零食",
                         "main_images": [{"url": f"u{i}", "width": 800, "height": 800} for i in range(4)],
                         "qualifications": [{"type": "food_business_licence", "expires_on": "2023-06-02"}]}, NOW)
    assert r.error is None
    got = {v.rule: v.messages.en for v in r.violations}
    assert got == {"PRD-main-images": "4 main images, at least 5 needed",
                   "PRD-qualifications": "食品-零食 lacks: quality_inspection_report",
                   "PRD-qualifications:expired": "qualification 'food_business_licence' expired on 2023-06-02 (today is "
                                                 "2023-06-03, 1 day(s) ago): delist and renew it"}
    r = engine.evaluate({"process": "product_evaluation", "id": "E1", "product_id": "SP2", "monthly_searches": 86000,
                         "scores": {"market_demand": 5}}, NOW)
    assert [(v.rule, v.evidence["decisions"]) for v in r.violations] == [("PRD-evaluation", {"demand": {"score": 4}})]


def test_every_result_masks_what_it_quotes(engine):
    r = engine.evaluate({"process": "service_ticket", "id": "T1", "opened_at": "2023-06-05T20:05:00+08:00",
                         "messages": [{"from": "agent", "at": "2023-06-05T20:06:00+08:00",
                                       "text": "已登记13812345678，寄往文三路90号3幢"}]}, NOW)
    [v] = r.violations
    assert v.messages.en == "an agent message leaks customer data: 已登记138****5678，寄往****"
    assert "13812345678" not in repr(r) and "文三路90号" not in repr(r)


def test_the_engine_still_pickles(engine):
    again = pickle.loads(pickle.dumps(engine))
    rec = {"process": "product_evaluation", "id": "E1", "product_id": "SP2", "monthly_searches": 86000,
           "scores": {"market_demand": 5}}
    assert again.evaluate(rec, NOW).violations == engine.evaluate(rec, NOW).violations


def findings(tree) -> list:
    with pytest.raises(sopengine.DefinitionError) as ei:
        sopengine.load(tree.root)
    return [f for f in ei.value.findings if f.severity == "error"]


def line_of(tree, name: str, finding) -> str:
    return (tree.root / name).read_text("utf-8").splitlines()[finding.source.line - 1]


def test_params_are_validated_by_their_schema(tree, tmp_path):
    tree("product.yaml", process("product", "product", PRODUCT_CHECKS.replace("min_count: 5", "min_cuont: 5")))
    [f] = findings(tree)
    assert "min_cuont" in f.message and "min_cuont" in line_of(tree, "product.yaml", f)


def test_a_misspelt_field_path_is_a_load_error_at_its_line(tree, tmp_path):
    tree("product.yaml", process("product", "product", PRODUCT_CHECKS.replace(
        "params: {min_count: 5,", "params: {fields: {images: main_imgs}, min_count: 5,")))
    [f] = findings(tree)
    assert f.code == "cel-field" and "main_imgs" in f.message and "main_imgs" in line_of(tree, "product.yaml", f)


def test_check_errors_point_into_the_params(tree, tmp_path):
    overlapping = EVAL_CHECKS.replace('"< 100000"', '"<= 100000"')
    tree("evaluation.yaml", process("product_evaluation", "product_evaluation", overlapping))
    [f] = findings(tree)
    assert f.code == "check-params" and "rows 1 and 2" in f.message
    assert "<= 100000" in line_of(tree, "evaluation.yaml", f)


def test_a_linted_cel_error_in_a_decisions_expression_keeps_its_column(tree, tmp_path):
    bad = EVAL_CHECKS.replace("record.scores.market_demand == decisions", "record.scroes.market_demand == decisions")
    tree("evaluation.yaml", process("product_evaluation", "product_evaluation", bad))
    [f] = findings(tree)
    line = line_of(tree, "evaluation.yaml", f)
    assert f.code == "cel-field" and line[f.source.column - 1:].startswith("record.scroes")


@pytest.mark.parametrize("name", ["promo_price", "main_images", "qualifications", "privacy", "decision_table"])
def test_params_schemas_are_strict_2020_12(name):
    import json

    import jsonschema

    from .conftest import SCHEMAS

    doc = json.loads((SCHEMAS / "checks" / f"{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"https://sopengine.dev/schemas/checks/{name}.schema.json"
    assert doc["additionalProperties"] is False
    assert not jsonschema.Draft202012Validator(doc).is_valid({"no_such_param": 1})

"""PRD-13 read fairly (issue 14, section 4): categories map to their qualifications in a table.

Each category the issue found escaping (零食/坚果/特产, 粮油, 茶, 酒, 保健食品, 美容护肤,
彩妆) fires on a listing without its documents and passes with them; a seller of
pre-packaged food only passes with the filing and still fires with neither; a bad
table is a positioned load error and exit code 2.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import sopengine
from sopengine.errors import DefinitionError

from .clirun import run
from .conftest import NOW, RULES, SCHEMAS

FOOD = ["食品经营许可证"]
COSMETICS = ["化妆品备案"]
CASES = [  # category, documents that meet it
    ("零食/坚果/特产-碧根果", FOOD), ("坚果-巴旦木", FOOD), ("特产-牛肉干", FOOD), ("粮油-大米", FOOD),
    ("粮油米面-面粉", FOOD), ("茶-绿茶-龙井", FOOD), ("茶叶-普洱", FOOD), ("酒-白酒", FOOD), ("酒类-葡萄酒", FOOD),
    ("食品-休闲零食", FOOD), ("保健食品-鱼油", ["food_business_licence", "保健食品备案凭证"]),
    ("食品/保健食品/维生素", ["food_business_licence", "保健食品注册证书"]),
    ("美容护肤-面霜", COSMETICS), ("彩妆-口红", ["特殊化妆品注册证"]), ("化妆品-防晒", ["cosmetics_registration"]),
]


def product(category: str, *types: str, **extra: Any) -> dict[str, Any]:
    return {"process": "product", "id": "SP-Q", "status": "listed", "category": category,
            "qualifications": [{"type": t} for t in types], **extra}


def findings(engine: sopengine.Engine, rec: dict[str, Any]) -> list[Any]:
    return [v for v in engine.evaluate(rec, NOW).violations if v.rule.startswith("PRD-qualifications")]


@pytest.mark.parametrize("category, docs", CASES)
def test_each_covered_category_fires_without_its_documents_and_passes_with_them(core_engine, category, docs):
    vs = findings(core_engine, product(category, "quality_inspection_report"))
    assert vs and all(v.rule == "PRD-qualifications" and v.severity == "error" for v in vs)
    assert all(v.evidence["table"] == "cn" and v.evidence["defined_at"].startswith("rules/qualifications/cn.yaml:")
               for v in vs)
    assert findings(core_engine, product(category, *docs)) == []


@pytest.mark.parametrize("category", ["酒具-酒杯", "茶具-茶壶", "食品饮料机械", "化妆品工具-化妆刷", "女装-连衣裙", "生鲜-水果"])
def test_patterns_match_whole_levels_not_substrings(core_engine, category):
    assert findings(core_engine, product(category)) == []


def test_a_requirement_two_entries_share_is_reported_once_with_each_entrys_basis(core_engine):
    food, health = findings(core_engine, product("食品/保健食品/鱼油"))
    assert (food.evidence["entry"], food.evidence["missing"]) == ("food", ["food_business_licence / prepackaged_food_filing"])
    assert (health.evidence["entry"], health.evidence["missing"]) == ("health_food", ["health_food_registration / health_food_filing"])
    assert "第三十五条" in food.evidence["basis_zh"] and "arts. 74-76" in health.evidence["basis_en"]
    assert "保健食品备案凭证" in health.messages.zh and "health food filing" in health.messages.en


def test_a_pre_packaged_only_seller_passes_with_the_filing_and_fires_with_neither(core_engine, engine):
    filed = product("零食-坚果", "仅销售预包装食品备案", prepackaged_only=True)
    assert findings(core_engine, filed) == [] and findings(engine, filed) == []
    [v] = findings(core_engine, product("零食-坚果", prepackaged_only=True))
    assert v.evidence["missing"] == ["food_business_licence / prepackaged_food_filing"]
    assert "food business licence or pre-packaged-food-only filing" in v.messages.en
    # the filing of a seller who does not sell pre-packaged food only is no licence
    [v] = findings(core_engine, product("零食-坚果", "仅销售预包装食品备案", prepackaged_only=False))
    assert v.evidence["conditional"] == ["prepackaged_food_filing (only_if prepackaged_only)"]


def test_a_filing_without_the_listings_word_is_unverified_unless_the_shop_records_it(core_engine, engine):
    rec = product("粮油-大米", "预包装食品备案")
    r = core_engine.evaluate(rec, NOW)
    assert not [v for v in r.violations if v.rule.startswith("PRD-qual")]
    assert [u.needs for u in r.unverified if u.rule == "PRD-qualifications"] == [("/prepackaged_only",)]
    [v] = findings(engine, rec)  # profile full: the shop records prepackaged_only, its absence means "no"
    assert v.rule == "PRD-qualifications"
    from sopengine.policy import Policy
    declared = core_engine.with_policy(Policy(records={"product": frozenset({"prepackaged_only"})}))
    assert [v.rule for v in findings(declared, rec)] == ["PRD-qualifications"]


def test_expiry_still_applies_to_table_documents_and_aliases(core_engine):
    rec = product("美容护肤-精华")
    rec["qualifications"] = [{"type": "普通化妆品备案", "expires_on": "2023-06-01"}]
    [v] = findings(core_engine, rec)
    assert (v.rule, v.evidence["required"]) == ("PRD-qualifications:expired", True)


def test_explain_names_the_table_entry_that_applied(capsys, tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"process": "product", "id": "SP-T", "status": "listed", "category": "茶-红茶", "qualifications": []}\n',
                 "utf-8")
    code, out, _ = run(capsys, "check", f, "--rules", RULES, "--now", "2023-06-03T12:00:00+08:00", "--explain")
    assert code == 1
    assert "entry food of qualification table cn (rules/qualifications/cn.yaml:" in out, out
    assert "Food Safety Law art. 35" in out


# ------------------------------------------------------------------ bad tables

def scratch(tmp_path: Path) -> Path:
    """A copy of the bundled rules and schemas, to break."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    return tmp_path / "rules"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


BAD = [  # (old, new) in cn.yaml, where the error is (line of the new text), what it says
    ("match: [化妆品, 美容护肤, 彩妆]", "match: [化妆品, 美容护肤, 彩妆, 茶]", "category '茶' is mapped twice"),
    ("      - [cosmetics_filing, cosmetics_registration]", "      - [cosmetics_filing, cosmetic_registration]",
     "unknown qualification 'cosmetic_registration'"),
    ("aliases: [质检报告]", "aliases: [质检报告, 食品经营许可证]", "would name two qualifications"),
    ("match: [保健食品, 食品/保健食品]", "match: [保健食品, 保健食品/鱼油]", "is already covered by '保健食品' of the same entry"),
    ("      zh: \"类目 {category} 属化妆品", "      zh: \"类目 {categry} 属化妆品", "message placeholder {categry}"),
    ("  - id: cosmetics\n", "  - id: food\n", "entry 'food' is defined twice"),
    ("    match: [化妆品, 美容护肤, 彩妆]\n    requires:\n      - [cosmetics_filing, cosmetics_registration]\n    basis:",
     "    match: [化妆品, 美容护肤, 彩妆]\n    basis:", "'requires' is a required property"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_a_bad_table_is_a_positioned_error_and_exit_2(capsys, tmp_path, old, new, message):
    rules = scratch(tmp_path)
    table = rules / "qualifications" / "cn.yaml"
    before = table.read_text("utf-8")
    line = before[: before.index(old)].count("\n") + 1  # where the edit is; an entry's error may name its first line
    edit(table, old, new)
    rec = tmp_path / "p.jsonl"
    rec.write_text('{"process": "product", "id": "SP-B", "status": "listed"}\n', "utf-8")
    code, out, err = run(capsys, "check", rec, "--rules", rules)
    text = out + err
    assert code == 2 and message in text, text
    located = [ln for ln in text.splitlines() if message in ln]
    assert any(f"cn.yaml:{n}:" in ln for ln in located for n in range(line - 1, line + new.count("\n") + 1)), located


def test_a_narrower_entry_that_adds_nothing_is_an_overlap_error(tmp_path):
    rules = scratch(tmp_path)
    (rules / "qualifications" / "more.yaml").write_text("""\
apiVersion: sopengine/v1
kind: QualificationTable
id: more
extends: cn
categories:
  - id: nuts
    match: [零食/坚果]
    requires: [[food_business_licence, prepackaged_food_filing]]
    basis: {zh: 同上, en: as above}
""", "utf-8")
    with pytest.raises(DefinitionError) as ei:
        sopengine.load(rules)
    [f] = [f for f in ei.value.findings if f.code == "pattern-overlap"]
    assert (Path(f.source.file).name, f.source.line) == ("more.yaml", 7)
    assert "overlaps 'food'" in f.message and "adds nothing" in f.message


def test_an_extension_of_an_unknown_table_is_an_error(tmp_path):
    rules = scratch(tmp_path)
    (rules / "qualifications" / "more.yaml").write_text(
        "apiVersion: sopengine/v1\nkind: QualificationTable\nid: more\nextends: cm\n"
        "qualifications:\n  liquor_licence: {title: {zh: 酒类经营许可证, en: liquor licence}}\n", "utf-8")
    with pytest.raises(DefinitionError) as ei:
        sopengine.load(rules)
    [f] = [f for f in ei.value.findings if f.code == "unknown-table"]
    assert f.source.line == 4 and "tables: cn" in f.hint


# ------------------------------------------------------- a shop's own categories

SHOP = """\
qualifications:
  extends: cn
  qualifications:
    liquor_retail_licence:
      title: {zh: 酒类商品零售许可证, en: liquor retail licence}
      aliases: [酒类零售许可证]
  categories:
    - id: condiments
      match: [调味品]
      requires: [[food_business_licence, prepackaged_food_filing]]
      basis: {zh: 《食品安全法》第三十五条, en: Food Safety Law art. 35}
    - id: liquor_here
      match: [酒]
      requires: [liquor_retail_licence]
      basis: {zh: 本省酒类管理规定, en: the province's liquor rules}
      message:
        zh: "类目 {category} 在本省须有酒类商品零售许可证，缺少：{missing_zh}"
        en: "category {category} needs the province's liquor retail licence; missing: {missing_en}"
"""
T = "2023-06-03T12:00:00+08:00"


def shop(tmp_path: Path, text: str = SHOP) -> Path:
    (tmp_path / "sopengine.yaml").write_text(text, "utf-8")
    return tmp_path / "sopengine.yaml"


def records(tmp_path: Path, *recs: dict[str, Any]) -> Path:
    import json
    f = tmp_path / "p.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    return f


def test_a_shop_adds_a_category_and_a_document_in_its_configuration(capsys, tmp_path):
    cfg = shop(tmp_path)
    f = records(tmp_path, product("调味品-酱油"), product("调味品-醋", "食品经营许可证"),
                product("酒-白酒", "食品经营许可证"), product("酒-黄酒", "食品经营许可证", "酒类零售许可证"))
    code, out, _ = run(capsys, "check", f, "--rules", RULES, "--now", T, "--config", cfg, "--select", "PRD-qualifications",
                       "--explain")
    blocks = out.split("p.jsonl:")[1:]
    assert code == 1
    assert "PRD-qualifications" in blocks[0] and "sopengine.yaml:8, pattern 调味品)" in blocks[0]
    assert "error   PRD-qualifications" not in blocks[1]
    assert "needs the province's liquor retail licence" in blocks[2]
    assert "error   PRD-qualifications" not in blocks[3]
    # without the configuration, 调味品 is no table category and 酒 needs the food documents only
    code, out, _ = run(capsys, "check", f, "--rules", RULES, "--now", T, "--select", "PRD-qualifications")
    assert code == 0 and "error   PRD-qualifications" not in out


def test_the_api_takes_the_same_section_as_a_policy(tmp_path):
    from sopengine.config import read_config
    from sopengine.policy import Policy

    cfg = read_config(shop(tmp_path))
    engine = sopengine.load(RULES, policy=Policy(documents=cfg.documents()))
    [v] = findings(engine, product("调味品-酱油"))
    assert v.evidence["entry"] == "condiments" and v.evidence["defined_at"].endswith("sopengine.yaml:8")
    assert engine.process("product").digest != sopengine.load(RULES).process("product").digest
    import pickle  # a worker process rebuilds the engine from its sources and policy: the shop's entries go along
    [again] = findings(pickle.loads(pickle.dumps(engine)), product("调味品-酱油"))
    assert again.evidence == v.evidence


def test_config_prints_the_shops_entries_with_their_lines(capsys, tmp_path):
    code, out, _ = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path))
    assert code == 0
    assert "qualifications.cn+condiments" in out and "调味品 -> food_business_licence or prepackaged_food_filing" in out
    assert "sopengine.yaml:8)" in out and "qualifications.liquor_retail_licence" in out


BAD_SHOP = [
    (SHOP.replace("  extends: cn\n", ""), ":2:", "'extends' is a required property"),
    (SHOP.replace("extends: cn", "extends: cm"), ":2:", "extends 'cm': no such table"),
    (SHOP.replace("[[food_business_licence, prepackaged_food_filing]]", "[[food_busines_licence, prepackaged_food_filing]]"),
     ":10:", "did you mean 'food_business_licence'"),
    (SHOP.replace("match: [酒]", "match: [酒, 调味品]"), ":13:", "category '调味品' is mapped twice"),
    (SHOP.replace("requires: [liquor_retail_licence]", "requires: [[food_business_licence, prepackaged_food_filing]]"),
     ":13:", "adds nothing"),
    (SHOP.replace("      basis: {zh: 本省酒类管理规定, en: the province's liquor rules}\n", ""), ":12:",
     "'basis' is a required property"),
    (SHOP.replace("aliases: [酒类零售许可证]", "aliases: [食品经营许可证]"), ":6:", "would name two qualifications"),
]


@pytest.mark.parametrize("text, where, message", BAD_SHOP)
def test_a_bad_shop_table_is_a_positioned_error_in_the_configuration_and_exit_2(capsys, tmp_path, text, where, message):
    f = records(tmp_path, product("调味品-酱油"))
    code, out, err = run(capsys, "check", f, "--rules", RULES, "--now", T, "--config", shop(tmp_path, text))
    assert code == 2 and out == ""
    assert any(f"sopengine.yaml{where}" in ln and message in ln for ln in err.splitlines()), err


def test_diff_shows_a_changed_table(capsys, tmp_path):
    rules = scratch(tmp_path)
    edit(rules / "qualifications" / "cn.yaml", "match: [化妆品, 美容护肤, 彩妆]", "match: [化妆品, 美容护肤, 彩妆, 香水]")
    code, out, _ = run(capsys, "diff", RULES, rules)
    assert code == 1 and "QualificationTable cn\n  + categories/cosmetics/match: 香水" in out, out

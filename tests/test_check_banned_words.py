"""The ``banned_words`` check type: parameters, fields scanned, evidence and findings.

Matching itself is covered in test_textscan.py; here the question is whether a
rule author gets what the parameters promise (which fields, which exemptions,
which categories) and whether every finding points at the exact value and
characters a seller has to change.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sopengine.checks.banned_words  # noqa: F401 - registers the check type
from sopengine.checks import REGISTRY, CheckConfigError, CheckContext, CompileEnv
from sopengine.checks.banned_words import BannedWordsCheck

ROOT = Path(__file__).resolve().parents[1]
VOCAB = yaml.safe_load((ROOT / "rules" / "vocabularies" / "banned_words.yaml").read_text("utf-8"))
TZ = ZoneInfo("Asia/Shanghai")
COMPILED: list[tuple[str, str]] = []


def make_env(vocabularies: dict | None = None) -> CompileEnv:
    table = {"banned_words": VOCAB} if vocabularies is None else vocabularies

    def resource(kind: str, name: str):
        if kind != "vocabulary" or name not in table:
            raise LookupError(f"no Vocabulary with id {name!r} in the rules tree")
        return table[name]

    def field_lint(source: str, pointer: str):  # the engine compiles record.<field> to lint the name
        assert source.startswith("record."), source
        COMPILED.append((source, pointer))

    return CompileEnv("product", TZ, field_lint, resource, {})


class NoVariables(Mapping):
    """CEL variables that no expression may read: banned_words evaluates none."""

    def __getitem__(self, key):
        raise AssertionError("banned_words evaluates no expressions")

    def __iter__(self):
        raise AssertionError("banned_words evaluates no expressions")

    def __len__(self):
        raise AssertionError("banned_words evaluates no expressions")


def context(record: dict) -> CheckContext:
    return CheckContext(record, datetime(2023, 6, 1, 10, 0, tzinfo=TZ), "draft", TZ, [], NoVariables())


def run(record: dict, **params) -> list:
    return list(BannedWordsCheck(params, make_env()).run(context(record)))


def test_registered_under_its_name():
    assert REGISTRY["banned_words"] is BannedWordsCheck
    assert list(BannedWordsCheck({}, make_env()).resources()) == [("vocabulary", "banned_words")]


def test_title_detail_and_tags_are_scanned_by_default_with_full_evidence():
    record = {
        "id": "SP2023001",
        "title": "2023夏季新款 頂級雪紡連衣裙",
        "detail": "面料柔软，穿着舒适。全网最 低价，再不抢就没了！",
        "tags": ["通勤", "显瘦", "No.1"],
        "name": "最佳连衣裙",  # not a default field
    }
    hits = run(record)
    assert [(h.path, h.evidence["word"], h.evidence["text"], h.severity) for h in hits] == [
        ("/title", "顶级", "頂級", "error"),
        ("/detail", "全网最低价", "全网最 低价", "error"),
        ("/detail", "再不抢就没了", "再不抢就没了", "warning"),
        ("/tags/2", "No.1", "No.1", "error"),
    ]
    first = hits[0].evidence
    assert first == {
        "word": "顶级", "category": "grade_ji", "category_title_zh": "级/极-系列",
        "category_title_en": "级 / 极 series (top-grade, ultimate)", "text": "頂級", "start": 9, "end": 11,
        "field": "title", "legal_basis": first["legal_basis"], "cleared": [],
    }
    assert record["title"][first["start"]:first["end"]] == "頂級"
    assert first["legal_basis"].startswith("《中华人民共和国广告法》第九条第（三）项；")
    assert hits[3].evidence["field"] == "tags"


def test_fields_parameter_takes_paths_and_pointers():
    record = {"title": "最佳", "detail": {"text": "顶级做工", "notes": ["ok", "包治百病"]},
              "skus": [{"name": "普通款"}, {"name": "第一名款"}]}
    hits = run(record, fields=["/detail", "skus[].name", "/skus/0/name"])
    assert [(h.path, h.evidence["word"], h.evidence["field"]) for h in hits] == [
        ("/detail/text", "顶级", "/detail"),
        ("/detail/notes/1", "包治百病", "/detail"),
        ("/skus/1/name", "第一名", "skus[].name"),
    ]


def test_field_names_are_handed_to_the_schema_lint():
    COMPILED.clear()
    BannedWordsCheck({"fields": ["title", "/detail/text", "messages[].text"]}, make_env())
    assert [p for _, p in COMPILED] == ["/fields/0", "/fields/1", "/fields/2"]
    assert [s.split(".")[1] for s, _ in COMPILED] == ["title", "detail", "messages"]


def test_keys_with_slashes_are_escaped_in_paths():
    hits = run({"a/b": {"x~y": "顶级"}}, fields=["/a~1b"])
    assert [h.path for h in hits] == ["/a~1b/x~0y"]


def test_missing_fields_and_non_text_values_are_silent():
    assert run({"title": None, "tags": [1, True, None, {"n": 2}]}) == []
    assert run({"id": "x"}) == []
    assert run({"title": ["最佳"]}, fields=["/title/5", "/title/x", "nope.deeper"]) == []


def test_declared_brand_is_exempt_but_only_as_a_whole():
    record = {"title": "最佳拍档保温杯 最 佳 拍 檔款", "tags": ["最佳"]}
    assert [h.path for h in run(record)] == ["/title", "/title", "/tags/0"]
    assert [h.path for h in run(record, exempt=["最佳拍档"])] == ["/tags/0"]


def test_category_subset():
    record = {"title": "顶级 包治百病 招财进宝"}
    hits = run(record, categories=["medical_claims", "superstition"])
    assert [h.evidence["category"] for h in hits] == ["medical_claims", "superstition"]


def test_exempt_phrases_of_the_vocabulary_apply():
    record = {"title": "一级能效空调 最近上新", "detail": "最佳食用期12个月，第一时间发货", "tags": ["第一次"]}
    assert run(record) == []


@pytest.mark.parametrize("params, pointer, text", [
    ({"colour": "red"}, "/colour", "unknown parameter 'colour'"),
    ({"vocabulary": "Banned Words"}, "/vocabulary", "vocabulary must be a name"),
    ({"vocabulary": "other"}, "/vocabulary", "no Vocabulary with id 'other'"),
    ({"fields": "title"}, "/fields", "fields must be a list"),
    ({"fields": []}, "/fields", "at least one field"),
    ({"fields": ["title", ""]}, "/fields/1", "non-empty strings"),
    ({"fields": ["/detail//text"]}, "/fields/0", "empty step"),
    ({"fields": ["detail..text"]}, "/fields/0", "not a field path"),
    ({"exempt": ["！！"]}, "/exempt/0", "no letters"),
    ({"exempt": [3]}, "/exempt/0", "non-empty strings"),
    ({"categories": ["medical_claims", "nope"]}, "/categories/1", "unknown category 'nope'"),
    ({"categories": []}, "/categories", "at least one category"),
])
def test_bad_parameters_are_load_errors_that_point_at_the_parameter(params, pointer, text):
    with pytest.raises(CheckConfigError) as info:
        BannedWordsCheck(params, make_env())
    assert info.value.pointer == pointer
    assert text in info.value.message


def test_an_invalid_vocabulary_is_a_load_error_naming_the_entry():
    broken = copy.deepcopy(VOCAB)
    broken["categories"][0]["words"].append("最 佳")
    with pytest.raises(CheckConfigError) as info:
        BannedWordsCheck({}, make_env({"banned_words": broken}))
    assert info.value.pointer == "/vocabulary"
    assert "/categories/0/words/" in info.value.message and "'最 佳'" in info.value.message


@settings(max_examples=100, deadline=None)
@given(tags=st.lists(st.text(st.sampled_from("最佳第一顶级 ①丨近次😊Nо.1"), max_size=12), max_size=5))
def test_every_finding_points_at_the_characters_it_quotes(tags):
    record = {"tags": tags}
    for h in run(record, fields=["tags"]):
        index = int(h.path.rsplit("/", 1)[1])
        assert h.path == f"/tags/{index}"
        assert tags[index][h.evidence["start"]:h.evidence["end"]] == h.evidence["text"]


def test_shop_brands_parameter_clears_its_words_and_says_why():
    record = {"title": "最佳拍档 情侣卫衣 最佳礼物"}
    (hit,) = run(record, brands=["最佳拍档"])
    assert (hit.evidence["word"], hit.evidence["start"]) == ("最佳", 10)
    (c,) = hit.evidence["cleared"]
    assert (c["word"], c["text"], c["start"], c["end"], c["exemption"]) == ("最佳", "最佳", 0, 2, "trademark")
    assert "shop configuration" in c["basis"] and c["exemption_title_en"] and c["context"] == "最佳拍档"
    assert run({"title": "至尊披萨 烤盘"}, brands=[{"name": "至尊", "with": ["披萨"]}]) == []


@pytest.mark.parametrize("brands, pointer, text", [
    ("最佳拍档", "/brands", "must be a list"),
    (["至尊"], "/brands/0", "would disable it"),
    ([{"name": "至尊", "with": []}], "/brands/0/with", "non-empty list"),
    ([{"name": "x", "colour": "red"}], "/brands/0", "unknown key 'colour'"),
])
def test_bad_brands_name_the_entry(brands, pointer, text):
    with pytest.raises(CheckConfigError) as info:
        BannedWordsCheck({"brands": brands}, make_env())
    assert info.value.pointer == pointer and text in info.value.message


def test_every_clearance_is_a_trace_line_even_without_a_finding():
    check = BannedWordsCheck({"fields": ["title"]}, make_env())
    ctx = context({"title": "一级能效 变频空调"})
    assert list(check.run(ctx)) == []
    (line,) = ctx.trace
    assert line.startswith("/title: '一级' ('一级' at 0) cleared by standard_grade [一级能效]: 《广告绝对化用语执法指南》第九条")

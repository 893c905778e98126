"""Normalisation and banned-word matching (sopengine.text.scan), on the real vocabulary.

Hand-written cases pin each evasion, each kind of exemption and the reported
positions; hypothesis properties state the guarantees sellers' creativity must
not break: separators, full-width letters or case never hide a word, an exempt
phrase never produces a finding inside itself, and no input makes the matcher raise.
"""

from __future__ import annotations

import copy
import pickle
import unicodedata
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc_purepy import OpenCC

from sopengine.text.scan import BannedWordMatcher, Vocabulary, VocabularyError, WordHit, fold, fold_with_map

ROOT = Path(__file__).resolve().parents[1]
VOCAB_PATH = ROOT / "rules" / "vocabularies" / "banned_words.yaml"
DATA = yaml.safe_load(VOCAB_PATH.read_text("utf-8"))
VOCAB = Vocabulary.from_dict(DATA)
MATCHER = BannedWordMatcher(VOCAB)
WORDS = [w for c in VOCAB.categories for w in c.words]
EXEMPTIONS = [e.text for e in VOCAB.exemptions]
# Context characters that occur in no word and no exemption, so they cannot form or break one.
NEUTRAL = [c for c in "裙衫裤鞋袜帽藕桌椅柜蓝" if not any(c in fold(w) for w in WORDS + EXEMPTIONS)]
SEPARATORS = [" ", "-", "_", ".", "·", "/", "|", "丨", "、", "，", "！", "~", "～", "\u3000", "\t", "★", "※",
              "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\ufe0f", "\U000e0020", "\u3164",
              "😊", "🔥", "❤️", "👍🏻"]
INSERTABLE = st.one_of(
    st.sampled_from(SEPARATORS),
    st.characters(categories=("Zs", "Zl", "Zp", "Cc", "Cf", "Pc", "Pd", "Ps", "Pe", "Po", "Sm", "Sk", "So", "Mn"))
    .filter(lambda c: unicodedata.normalize("NFKC", c) == c),
)


def words_of(text: str, matcher: BannedWordMatcher = MATCHER) -> list[tuple[str, str]]:
    return [(h.word, h.text) for h in matcher.find(text)]


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


# -- the vocabulary file -------------------------------------------------------------------------------------

def test_vocabulary_file_is_complete_and_schema_valid():
    assert VOCAB_PATH.read_text("utf-8").splitlines()[0] == \
        "# yaml-language-server: $schema=../../schemas/vocabulary.schema.json"
    schema = yaml.safe_load((ROOT / "schemas" / "vocabulary.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(DATA)
    assert len(WORDS) >= 150
    assert {c.id for c in VOCAB.categories} == {
        "superlative_zui", "first_only", "grade_ji", "first_home_nation", "brand_boast", "false_absolute",
        "authority", "inducement", "superstition", "medical_claims", "food_cosmetics"}
    assert all(c.legal_basis and c.title.zh and c.title.en for c in VOCAB.categories)
    assert len(NEUTRAL) >= 5


def test_every_word_is_found_alone_and_reported_as_itself():
    for w in WORDS:
        hits = MATCHER.find(w)
        assert [(h.word, h.start, h.end, h.text) for h in hits] == [(w, 0, len(w), w)], w


def test_traditional_spelling_of_every_word_is_found():
    s2t = OpenCC("s2t")
    for w in WORDS:
        trad = s2t.convert(w)
        assert (w, trad) in words_of(trad), (w, trad)


# -- evasions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, word, original", [
    ("全新顶级羊绒大衣", "顶级", "顶级"),
    ("全新頂級羊絨大衣", "顶级", "頂級"),
    ("面料最 佳", "最佳", "最 佳"),
    ("面料最-佳", "最佳", "最-佳"),
    ("面料最😊佳", "最佳", "最😊佳"),
    ("面料最\u200b佳", "最佳", "最\u200b佳"),
    ("面料最\u3164佳", "最佳", "最\u3164佳"),
    ("面料最丨佳", "最佳", "最丨佳"),
    ("销量第①", "销量第一", "销量第①"),
    ("品质第１", "第一", "第１"),
    ("品质第1名", "第一名", "第1名"),
    ("No.1 保温杯", "No.1", "No.1"),
    ("NO.1 保温杯", "No.1", "NO.1"),
    ("no.1 保温杯", "No.1", "no.1"),
    ("ＮＯ．１保温杯", "No.1", "ＮＯ．１"),
    ("𝐍𝐨.𝟏 保温杯", "No.1", "𝐍𝐨.𝟏"),
    ("Ⓝⓞ.① 保温杯", "No.1", "Ⓝⓞ.①"),
    ("Best No 1 seller", "No.1", "No 1"),
    ("TOP 1 好物", "TOP1", "TOP 1"),
    ("⼀流做工", "一流", "⼀流"),
    ("0添加 果汁", "零添加", "0添加"),
    ("０添加 果汁", "零添加", "０添加"),
    ("銷量第一", "销量第一", "銷量第一"),
    ("全 网 最 低 价", "全网最低价", "全 网 最 低 价"),
    ("100%有效", "100%有效", "100%有效"),
    ("销量第一2023新款", "销量第一", "销量第一"),
])
def test_evasions_are_caught_with_original_text(text, word, original):
    hits = MATCHER.find(text)
    assert [(h.word, h.text) for h in hits] == [(word, original)]
    assert text[hits[0].start:hits[0].end] == original


def test_positions_index_the_original_text():
    text = "【限时】全网最\u200b低价！頂級羊絨，第①名"
    hits = MATCHER.find(text)
    assert [(h.word, h.category, h.start, h.end, h.text) for h in hits] == [
        ("全网最低价", "superlative_zui", 4, 10, "全网最\u200b低价"),
        ("顶级", "grade_ji", 11, 13, "頂級"),
        ("第一名", "first_only", 16, 19, "第①名"),
    ]
    assert hits[0].legal_basis[0].startswith("《中华人民共和国广告法》第九条")


def test_a_character_that_expands_keeps_positions_right():
    # ㍿ folds to four characters (株式会社) and ⑩ to two: the index map must still point at the original.
    text = "㍿最佳⑩号"
    assert fold_with_map(text) == ("株式会社最佳10号", [0, 0, 0, 0, 1, 2, 3, 3, 4])
    assert [(h.word, h.start, h.end) for h in MATCHER.find(text)] == [("最佳", 1, 3)]


@pytest.mark.parametrize("text", [
    "Model No.12 保温杯", "SKU NO1234", "LAPTOP1 电脑包", "第12代处理器", "第⑩名", "TOP10 榜单", "110添加剂",
])
def test_latin_runs_are_not_cut_into_words(text):
    assert MATCHER.find(text) == []


# -- exemptions and overlap -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "最近上新", "第一次购买送礼", "动画第一集", "丛书第一辑", "第一届大赛纪念款", "唯一识别码贴纸", "一级能效空调",
    "特级初榨橄榄油", "压榨一级花生油", "最佳食用期12个月", "第一时间发货", "最大承重150kg", "一級能效",
    "最 近上新", "第①次购买",
])
def test_exemptions_suppress_words_inside_them(text):
    assert MATCHER.find(text) == []


def test_partial_overlap_with_an_exemption_does_not_exempt():
    # 第一次 vouches for its own three characters; 销量第一 reaches outside it and stays a claim.
    assert words_of("销量第一次日达") == [("销量第一", "销量第一")]
    assert words_of("最近最火爆") == [("最火", "最火")]


def test_exemptions_apply_before_overlaps_are_resolved():
    # 第一 lies inside the exemption 第一级; 一级棒 overlaps 第一 but reaches outside it. Resolving overlaps
    # first would keep 第一 (leftmost), drop 一级棒, then exempt 第一 and report nothing.
    tiny = Vocabulary.from_dict({
        "apiVersion": "sopengine/v1", "kind": "Vocabulary", "id": "tiny", "version": "0.1.0",
        "title": {"zh": "测试", "en": "test"},
        "categories": [{"id": "c", "title": {"zh": "测试", "en": "test"}, "legal_basis": "none", "severity": "error",
                        "words": ["第一", "一级棒"]}],
        "exemptions": [{"text": "第一级", "reason": "test"}],
    })
    assert words_of("第一级棒", BannedWordMatcher(tiny)) == [("一级棒", "一级棒")]
    assert words_of("第一级", BannedWordMatcher(tiny)) == []


def test_the_longest_word_is_reported_once():
    assert words_of("全网最低价") == [("全网最低价", "全网最低价")]
    assert words_of("最后一波清仓") == [("最后一波", "最后一波")]  # 最后 is exempt, 最后一波 is not


def test_declared_brand_exempts_its_words_however_written():
    brand = BannedWordMatcher(VOCAB, extra_exemptions=["最佳拍档"])
    assert words_of("最佳拍档保温杯") == [("最佳", "最佳")]
    assert brand.find("最佳拍档保温杯") == []
    assert brand.find("最 佳 拍 檔保温杯") == []
    assert words_of("最佳拍档 最佳保温", brand) == [("最佳", "最佳")]


@pytest.mark.parametrize("bad", ["", " ", "！！", 3])
def test_extra_exemption_without_letters_is_refused(bad):
    with pytest.raises(ValueError, match="extra exemption"):
        BannedWordMatcher(VOCAB, extra_exemptions=[bad])


def test_subset_of_categories():
    medical = BannedWordMatcher(VOCAB.subset(["medical_claims"]))
    assert words_of("顶级 包治百病", medical) == [("包治百病", "包治百病")]
    with pytest.raises(VocabularyError, match="unknown category 'nope'"):
        VOCAB.subset(["nope"])


def test_matcher_is_immutable_and_pickles():
    text = "頂級 最😊佳 第一次 No.1"
    clone = pickle.loads(pickle.dumps(BannedWordMatcher(VOCAB, ["最佳拍档"])))
    assert clone.find(text) == MATCHER.find(text)
    assert clone.extra_exemptions == ("最佳拍档",)
    with pytest.raises(AttributeError):
        MATCHER.vocabulary = VOCAB
    with pytest.raises(AttributeError):
        MATCHER.find(text)[0].start = 0


# -- vocabulary validation ------------------------------------------------------------------------------------

def _broken(edit) -> dict:
    data = copy.deepcopy(DATA)
    edit(data)
    return data


@pytest.mark.parametrize("edit, pointer, words", [
    (lambda d: d["categories"][2]["words"].append("頂級"), "/categories/2/words/", ["頂級", "顶级"]),
    (lambda d: d["categories"][1]["words"].append("NO.1"), "/categories/1/words/", ["NO.1", "No.1"]),
    (lambda d: d["categories"][0]["words"].append("！！"), "/categories/0/words/", ["no letters"]),
    (lambda d: d["exemptions"].append({"text": "顶级", "reason": "x"}), "/exemptions/", ["equals the banned word"]),
    (lambda d: d["exemptions"].append({"text": "纯棉短袖", "reason": "x"}), "/exemptions/", ["contains no banned"]),
    (lambda d: d["categories"][3].pop("legal_basis"), "/categories/3", ["missing key 'legal_basis'"]),
    (lambda d: d["categories"][3].update(severity="fatal"), "/categories/3/severity", ["severity"]),
    (lambda d: d["categories"][3].update(color="red"), "/categories/3", ["unknown key 'color'"]),
    (lambda d: d["categories"][4].update(id="first_only"), "/categories/4/id", ["unique"]),
    (lambda d: d.update(kind="Process"), "", ["kind Vocabulary"]),
])
def test_invalid_vocabulary_names_the_entry(edit, pointer, words):
    with pytest.raises(VocabularyError) as info:
        Vocabulary.from_dict(_broken(edit))
    assert info.value.pointer.startswith(pointer) if pointer else info.value.pointer == ""
    for w in words:
        assert w in str(info.value)


# -- properties ------------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(word=st.sampled_from(WORDS), data=st.data())
def test_inserted_separators_never_hide_a_word(word, data):
    gaps = st.lists(INSERTABLE, max_size=3).map("".join)
    seps = data.draw(st.lists(gaps, min_size=len(word) - 1, max_size=len(word) - 1))
    disguised = word[0] + "".join(s + c for s, c in zip(seps, word[1:]))
    before = data.draw(st.text(st.sampled_from(NEUTRAL), max_size=4))
    after = data.draw(st.text(st.sampled_from(NEUTRAL), max_size=4))
    hits = MATCHER.find(before + disguised + after)
    assert WordHit(word, hits[0].category, len(before), len(before) + len(disguised), disguised,
                   hits[0].legal_basis) in hits


@settings(max_examples=200, deadline=None)
@given(word=st.sampled_from(WORDS), flips=st.lists(st.booleans(), min_size=12, max_size=12))
def test_full_width_and_case_never_hide_a_word(word, flips):
    disguised = "".join(
        (fullwidth(c) if flip else c).swapcase() if i % 2 else (fullwidth(c) if flip else c)
        for i, (c, flip) in enumerate(zip(word, flips + [True] * len(word))))
    assert (word, disguised) in words_of("蓝" + disguised + "蓝")


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=8), after=st.text(max_size=8), exemption=st.sampled_from(EXEMPTIONS),
       sep=st.sampled_from(SEPARATORS))
def test_an_exempt_phrase_never_yields_a_hit_inside_it(before, after, exemption, sep):
    for shown in (exemption, sep.join(exemption), fullwidth(exemption)):
        text = before + shown + after
        lo, hi = len(before), len(before) + len(shown)
        assert not [h for h in MATCHER.find(text) if lo <= h.start and h.end <= hi], (text, shown)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "最", "佳", "第", "一", "①",
                                                                  "\u200b", "近", "N", "o", "."])), max_size=40))
def test_any_text_gives_consistent_hits_and_never_raises(text):
    hits = MATCHER.find(text)
    reached = 0
    for h in hits:
        assert reached <= h.start < h.end <= len(text)
        assert text[h.start:h.end] == h.text
        assert fold(h.word) in fold(h.text)
        reached = h.end
    assert fold(text) == "".join(fold(c) for c in text)  # folding is per character, hence the index map

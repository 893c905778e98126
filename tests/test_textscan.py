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

from sopengine.text.normalise import (
    _ONE_LOOKALIKES,  # strokes read as the numeral 一 (第—), by design not separators
    _styled,  # what the normaliser reads as a letter, not a separator
)
from sopengine.text.scan import (
    BannedWordMatcher,
    Vocabulary,
    VocabularyError,
    WordHit,
    fold,
    fold_with_map,
)
from sopengine.text.spellings import spellings

ROOT = Path(__file__).resolve().parents[1]
VOCAB_PATH = ROOT / "rules" / "vocabularies" / "banned_words.yaml"
DATA = yaml.safe_load(VOCAB_PATH.read_text("utf-8"))
VOCAB = Vocabulary.from_dict(DATA)
MATCHER = BannedWordMatcher(VOCAB)
WORDS = [w for c in VOCAB.categories for w in c.words]
# Phrases that clear every word inside them unconditionally (no context needed).
EXEMPTIONS = [e.text for e in VOCAB.exemptions] + [b.name for b in VOCAB.brands if not b.with_] + [
    t for r in VOCAB.rules if not (r.before or r.after or r.in_text or r.enclosed) for t in r.terms]
# Context characters that occur in no word and no exemption, so they cannot form or break one.
NEUTRAL = [c for c in "裙衫裤鞋袜帽藕桌椅柜蓝" if not any(c in fold(w) for w in WORDS + EXEMPTIONS)]
SEPARATORS = [" ", "-", "_", ".", "·", "/", "|", "丨", "、", "，", "！", "~", "～", "\u3000", "\t", "★", "※",
              "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\ufe0f", "\U000e0020", "\u3164",
              "😊", "🔥", "❤️", "👍🏻"]
INSERTABLE = st.one_of(
    st.sampled_from(SEPARATORS),
    st.characters(categories=("Zs", "Zl", "Zp", "Cc", "Cf", "Pc", "Pd", "Ps", "Pe", "Po", "Sm", "Sk", "So", "Mn"))
    # styled letters and digits (🇦, ➀) are symbols that the normaliser reads as the letter or digit they
    # show, by design (zui🇩🇮 is pinyin): a letter between two characters is not a separator; nor is a
    # stroke that imitates 一 (最受欢─迎 reads 最受欢一迎, as 第─ reads 第一)
    .filter(lambda c: unicodedata.normalize("NFKC", c) == c and _styled(c) is None and c not in _ONE_LOOKALIKES),
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
        "authority", "inducement", "superstition", "medical_claims", "food_cosmetics", "efficacy_guarantee"}
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
    ("面料最\U000e0020佳", "最佳", "最\U000e0020佳"),  # a tag character: beyond the fold sequence, folded again
    ("面料最\U000e0041佳\U0001f525", "最佳", "最\U000e0041佳"),
])
def test_evasions_are_caught_with_original_text(text, word, original):
    hits = MATCHER.find(text)
    assert [(h.word, h.text) for h in hits] == [(word, original)]
    assert MATCHER.scan(text).hits == tuple(hits) and MATCHER.find_many([text]) == [tuple(hits)]
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
        assert any(k in fold(h.text) for k in [fold(h.word)] + [fold(x) for x in spellings(h.word)])
        reached = h.end
    assert fold(text) == "".join(fold(c) for c in text)  # folding is per character, hence the index map


# -- evasions added with the exemption rules (issue #15) --------------------------------------------------------

@pytest.mark.parametrize("text, word, original", [
    ("zui低价 清仓", "最低价", "zui低价"),
    ("ZUI低价 清仓", "最低价", "ZUI低价"),
    ("di一品牌 奶粉", "第一品牌", "di一品牌"),
    ("销量diyi 炸锅", "销量第一", "销量diyi"),
    ("zuì dī jià 毛巾", "最低价", "zuì dī jià"),
    ("dìyī 品牌", "第一品牌", "dìyī 品牌"),
    ("quanwang zuidijia 纸尿裤", "全网最低价", "quanwang zuidijia"),
    ("销量第➀", "销量第一", "销量第➀"),
    ("行业第❶", "行业第一", "行业第❶"),
    ("人气第➊", "人气第一", "人气第➊"),
    ("行业第⓵", "行业第一", "行业第⓵"),
    ("🅽🅾.1 零食", "No.1", "🅽🅾.1"),
    ("ᴛᴏᴘ1 口红", "TOP1", "ᴛᴏᴘ1"),
    ("Nо.1 保温杯", "No.1", "Nо.1"),  # Cyrillic о
    ("ΝΟ.1 香水", "No.1", "ΝΟ.1"),  # Greek capitals
    ("T0P1 零食", "TOP1", "T0P1"),
    ("第—品牌", "第一品牌", "第—品牌"),
    ("唯ㄧ 正品", "唯一", "唯ㄧ"),
    ("冣好 按摩器", "最好", "冣好"),
    ("顶\u2060级 面霜", "顶级", "顶\u2060级"),
    ("举世无双 翡翠", "举世无双", "举世无双"),
])
def test_more_evasions_are_caught(text, word, original):
    assert (word, original) in words_of(text), words_of(text)


@pytest.mark.parametrize("text", ["ZHIYU 蓝牙耳机", "zui 蓝牙耳机", "diyi", "Kiwa No.12", "DINGJI 羊绒衫"])
def test_toneless_pinyin_of_a_short_word_alone_is_not_a_claim(text):
    # zhiyu (治愈) and dingji (顶级) are as often a brand or model name; the toned and mixed forms are caught.
    assert words_of(text) == []
    assert words_of("zhìyù 失眠")[0][0] == "治愈"


# -- exemption rules ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, word, rule", [
    ("一级能效变频空调", "一级", "standard_grade"),
    ("能效一级 热水器", "一级", "standard_grade"),
    ("特级西湖龙井 明前", "特级", "standard_grade"),
    ("北京第一中学 校服", "第一", "proper_name"),
    ("一级建造师 教材", "一级", "proper_name"),
    ("国家级非物质文化遗产 苏绣", "国家级", "proper_name"),
    ("《终极一班》 周边", "终极", "known_names"),
    ("《唯我独尊》 影碟", "唯我独尊", "work_title"),
    ("永久自行车 26寸", "永久", "trademark"),
    ("FOREVER永久 公路车", "永久", "trademark"),
    ("完美日记 口红", "完美", "trademark"),
    ("永久磁铁 强磁", "永久", "technical_term"),
    ("最高转速 3000rpm 台钻", "最高", "rated_spec"),
    ("水泵 最大扬程 50米", "最大", "rated_spec"),
    ("最大承重 折叠床", "最大", "technical_term"),
    ("本店最畅销 衬衫", "最畅销", "self_comparison"),
    ("2023年天猫洗衣液销量第一（数据来源：天猫年度榜单）", "销量第一", "dated_fact"),
    ("送给最好的朋友 手链", "最好", "not_about_product"),
    ("最近上新", "最", "not_a_claim"),
    ("月饼 最佳赏味期15天", "最佳", "usage_tip"),
])
def test_each_rule_clears_a_word_and_names_itself(text, word, rule):
    scan = MATCHER.scan(text)
    assert scan.hits == ()
    (c,) = scan.cleared
    assert (c.word, c.exemption) == (word, rule)
    assert c.basis.startswith("《广告绝对化用语执法指南》") and c.title.zh and c.title.en
    assert text[c.start:c.end] == c.text and c.text in c.context and c.context in text


@pytest.mark.parametrize("text, word", [
    ("本店全网最低价 纸巾", "全网最低价"),  # 全网 widens the shop's scope
    ("店内全国第一 大米", "全国第一"),
    ("特级 品质 保证 羊毛被", "特级"),  # 特级 grades nothing a standard defines
    ("最高品质 乳胶枕", "最高"),  # no quantity and unit
    ("最强 续航 充电宝 20000mAh", "最强"),  # 最强 is no rated-spec word
    ("永久 保修 电动车", "永久"),  # the brand 永久 needs its product next to it
    ("2024年 销量第一 羽绒服", "销量第一"),  # dated but no source
    ("天猫 销量第一 洗面奶 数据来源：天猫", "销量第一"),  # source but no date
    ("《品牌》 第一品牌 耳机", "第一品牌"),  # outside the brackets
    ("送给最爱的人 最好的礼物", "最好"),  # 最好的礼物 describes the product
])
def test_uses_that_only_look_exempt_are_claims(text, word):
    assert word in [w for w, _ in words_of(text)], words_of(text)


@pytest.mark.parametrize("text, word", [
    ("一级能效 根治 空调病", "根治"), ("永久牌 根治 腰痛", "根治"), ("本店100%有效 祛痘膏", "100%有效"),
    ("《包治百病》 养生书", "包治百病"), ("国家级非遗 治疗 风湿", "治疗"),
])
def test_medical_and_efficacy_claims_are_never_exempt(text, word):
    assert word in [w for w, _ in words_of(text)]


def test_a_word_inside_a_cleared_word_is_cleared_with_it():
    scan = MATCHER.scan("最高转速3000rpm")
    assert scan.hits == () and [(c.word, c.text) for c in scan.cleared] == [("最高", "最高")]


def _rule_vocab(**rule) -> dict:
    data = copy.deepcopy(DATA)
    data["exemptions"].append({"id": "test_rule", "title": {"zh": "测试", "en": "test"}, "basis": "test", **rule})
    return data


@pytest.mark.parametrize("edit, pointer, text", [
    (lambda: _rule_vocab(terms=["顶级"]), "/exemptions/", "would disable it"),
    (lambda: _rule_vocab(terms=["纯棉短袖"]), "/exemptions/", "contains no banned word"),
    (lambda: _rule_vocab(words=["超级好"], after=["x"]), "/words/0", "not a word of this vocabulary"),
    (lambda: _rule_vocab(words=["根治"], after=["x"]), "/words/0", "never exempt"),
    (lambda: _rule_vocab(categories=["medical_claims"], after=["x"]), "/categories/0", "never exempt"),
    (lambda: _rule_vocab(categories=["nope"], after=["x"]), "/categories/0", "unknown category"),
    (lambda: _rule_vocab(after=["<quantity>"]), "/exemptions/", "units and a <quantity>"),
    (lambda: _rule_vocab(after=["<amount>"]), "/after/0", "unknown placeholder"),
    (lambda: _rule_vocab(words=["最佳"]), "/exemptions/", "would clear every word"),
    (lambda: _rule_vocab(id="standard_grade", after=["x"]), "/id", "unique"),
    (lambda: {**copy.deepcopy(DATA), "brands": [{"name": "永久", "reason": "x"}]}, "/brands/0", "would disable it"),
    (lambda: {**copy.deepcopy(DATA), "brands": ["纯棉"]}, "/brands/0", "contains no banned word"),
])
def test_conflicting_rules_and_brands_are_positioned_errors(edit, pointer, text):
    with pytest.raises(VocabularyError) as info:
        Vocabulary.from_dict(edit())
    assert pointer in info.value.pointer and text in info.value.message, str(info.value)


def test_shop_brands_clear_only_with_their_context():
    shop = BannedWordMatcher(VOCAB, brands=["最佳拍档", {"name": "至尊", "with": ["披萨"]}, "Kiwa"])
    assert shop.find("最佳拍档 情侣装") == [] and shop.find("至尊披萨 烤盘") == []
    assert words_of("至尊 奢华 礼盒", shop) == [("至尊", "至尊")]
    assert [c.exemption for c in shop.scan("最佳拍档 卫衣").cleared] == ["trademark"]
    assert "shop configuration" in shop.scan("最佳拍档 卫衣").cleared[0].basis
    with pytest.raises(VocabularyError, match="would disable it"):
        BannedWordMatcher(VOCAB, brands=["至尊"])
    assert pickle.loads(pickle.dumps(shop)).find("至尊披萨") == []


# -- many texts at once ---------------------------------------------------------------------------------------

TEXTS = st.lists(st.lists(st.one_of(st.characters(), st.sampled_from(
    ["最", "佳", "第", "一", "①", "\u200b", "近", "N", "o", ".", "1", " ", "本店", "《", "》", "永久", "自行车",
     "zui", "低价", "\ua66e", "頂級", "𝐍", "3000rpm", "最高转速"])), max_size=12).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(texts=TEXTS)
def test_find_many_finds_what_find_finds(texts):
    assert [list(h) for h in MATCHER.find_many(texts)] == [MATCHER.find(t) for t in texts]


def test_find_many_on_a_catalogue_with_clean_titles_between_the_hits():
    titles = ["纯棉T恤 男", "全网最低价 拖鞋", "", "一级能效 空调", "最 佳 礼物", "保温杯 316"] * 3
    assert [[h.word for h in hits] for hits in MATCHER.find_many(titles)] == [[], ["全网最低价"], [], [], ["最佳"], []] * 3
    assert MATCHER.find_many([]) == [] and MATCHER.find_many(iter(["顶级"]))[0][0].word == "顶级"


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), TEXTS.map("".join)))
def test_the_fast_index_map_is_the_index_map(text):
    """source_map skips fold_with_map's loop for the usual text; it must give the very same map."""
    from sopengine.text.normalise import source_map
    assert list(source_map(text)) == fold_with_map(text)[1]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), TEXTS.map("".join)))
def test_the_fold_sequence_folds_as_the_table_but_for_the_characters_it_lists(text):
    """scan() translates through the tuple and folds again only when the automaton saw a listed character;
    without one, each character folded to one or none, so kept_map is the index map."""
    from sopengine.text.normalise import SEVERAL, fold_sequence, kept_map
    sequence, beyond = fold_sequence()
    folded = text.translate(sequence)
    if not any(c in beyond for c in text) and SEVERAL not in folded:
        assert folded == fold(text)
        assert list(kept_map(text, folded)) == fold_with_map(text)[1]
    assert all(ord(c) >= len(sequence) and fold(c) != c for c in beyond)
    assert [c.translate(sequence) for c in "⑩™№\x00"] == [SEVERAL] * 3 + [""]

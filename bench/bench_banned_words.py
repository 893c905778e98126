"""Banned-word scanning throughput on product titles, against baselines measured in the same run.

Why baselines in the same run: titles/second depends on the machine and on how
many other jobs share its two cores, so a number alone says little; the ratio to
other implementations timed seconds apart on the same corpus does. They are:

- raw ahocorasick-rs over the plain vocabulary on titles folded *beforehand*
  (matching only, non-overlapping: the floor of what any normalising scanner
  calling it per title can cost; issue #18 quoted it at 1.06 M titles/s, most of
  which was the garbage collector walking the 100,000 result lists kept alive);
- the matcher as it was before issue #15 (``baseline_pre15.py``, frozen: no
  pinyin, no exemption rules), which #15 requires the scan to stay at or above;
- one ``re`` alternation over the raw words (no normalisation).

Ours is timed three ways: ``scan`` per title (what the ``banned_words`` check
calls for every string of a record: hits *and* clearances), ``find`` per title
(hits only) and ``find_many`` on the whole list (a catalogue run), all of them
normalising, matching, applying the exemption rules and building the findings.
Each repeat times every contender once, in turn, and the figures are medians of
CPU time (``time.process_time``), which a loaded machine distorts far less than
wall time. The corpus is generated from a fixed seed so that runs compare, and a
share of its titles carry banned words, half of them disguised, because the
matcher's slow path (index map, exemptions) runs only on titles with a
candidate hit and a corpus without any would flatter it. The detection counts
show what the time buys: the regex misses about half of the disguised words
(it still sees those whose disguise leaves a shorter listed word intact, such
as 最) and flags every exempt phrase.

It also prints precision and recall on the labelled titles of tests/data/banned_titles
(see tests/titleset.py), so that speed is never bought with accuracy unseen.

Run: ``python bench/bench_banned_words.py [--titles N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
try:
    from sopengine.text.scan import BannedWordMatcher, Vocabulary, fold
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))
    from sopengine.text.scan import BannedWordMatcher, Vocabulary, fold
import ahocorasick_rs

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from baseline_pre15 import Pre15Matcher  # noqa: E402 - the frozen pre-#15 matcher
from figures import figure  # noqa: E402

from tests import titleset  # noqa: E402 - the labelled titles and their scoring live with the tests

TARGET = 1_000_000  # titles/s for normalisation plus matching (issue #18)

SEED = 20230601
PRODUCTS = ["雪纺连衣裙", "休闲运动鞋", "纯棉T恤", "牛仔裤", "羽绒服", "真丝衬衫", "保温杯", "蓝牙耳机", "机械键盘",
            "不粘锅", "电饭煲", "乳胶枕", "四件套", "行李箱", "双肩包", "面霜", "洗面奶", "坚果礼盒", "花生油", "绿茶",
            "猫粮", "儿童积木", "瑜伽垫", "登山杖", "手机壳", "充电宝", "扫地机器人", "空气炸锅", "电动牙刷", "收纳箱"]
AUDIENCE = ["女装", "男士", "儿童", "学生", "情侣", "中老年", "宝宝", "家用", "办公室", "户外"]
ATTRS = ["夏季", "冬季", "新款", "通勤", "显瘦", "宽松", "加厚", "轻薄", "大容量", "防水", "静音", "便携", "简约",
         "ins风", "复古", "百搭", "透气", "速干", "无线", "快充", "礼盒装", "包邮", "现货", "韩版", "纯色"]
SPECS = ["128G", "XL", "500ml", "2L", "M码", "1.8m", "30寸", "5kg", "20000mAh", "12只装", "A4", "1000W"]
BRANDS = ["云朵家", "南山小铺", "ZHIYU", "木槿", "Moko", "青禾", "北极光", "Kiwa", "拾光", "UMI"]
EXEMPT_CONTEXTS = ["最近热卖", "一级能效", "第一次用", "最佳食用期180天", "特级初榨", "唯一识别码", "最大承重150kg"]
SEPARATORS = [" ", "-", "·", "\u200b", "😊", "🔥", "★", "|", "丨", "\u3000", "～"]


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _disguise(word: str, rng: random.Random, s2t) -> str:
    """One of the evasions the issue names: separators, emoji, zero-width, full-width, traditional, case."""
    kind = rng.randrange(5)
    if kind == 0 and len(word) > 1:
        return rng.choice(SEPARATORS).join(word)
    if kind == 1:
        return _fullwidth(word)
    if kind == 2:
        return s2t.convert(word)
    if kind == 3:
        return word.swapcase() if word.isascii() else word.replace("一", "①").replace("1", "１")
    return "\u200b".join(word)


def make_corpus(n: int, words: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    """Titles like 2023新款女装夏季雪纺连衣裙 显瘦通勤, each labelled.

    Labels: ``plain`` (a banned word as written, 5 %), ``disguised`` (a banned word
    with one evasion, 5 %), ``exempt`` (a non-claim such as 一级能效, 5 %), ``clean``.
    Shares above what real catalogues show on purpose: the slow path must be in the number.
    """
    from opencc_purepy import OpenCC

    s2t = OpenCC("s2t")
    titles, labels = [], []
    for _ in range(n):
        parts = [rng.choice(BRANDS), f"{rng.randrange(2021, 2026)}{rng.choice(ATTRS)}", rng.choice(AUDIENCE)]
        parts += rng.sample(ATTRS, rng.randrange(1, 4)) + [rng.choice(PRODUCTS)]
        if rng.random() < 0.5:
            parts.append(rng.choice(SPECS))
        roll, label = rng.random(), "clean"
        if roll < 0.10:
            word = rng.choice(words)
            label = "plain" if roll < 0.05 else "disguised"
            if label == "disguised":
                word = _disguise(word, rng, s2t)
            parts.insert(rng.randrange(1, len(parts) + 1), f" {word} ")
        elif roll < 0.15:
            parts.insert(rng.randrange(1, len(parts) + 1), rng.choice(EXEMPT_CONTEXTS))
            label = "exempt"
        titles.append(("" if rng.random() < 0.7 else " ").join(parts))
        labels.append(label)
    return titles, labels


def _race(contenders: dict[str, Any], titles: list[str], repeat: int) -> dict[str, tuple[float, list[bool]]]:
    """name -> (titles/s, median CPU time of ``repeat`` rounds; what it flagged).

    A contender is a function of the whole list returning one result per title.
    Every round times each contender once, in turn, so that a change in the
    machine's load during the run touches all of them alike.
    """
    times: dict[str, list[float]] = {name: [] for name in contenders}
    flagged: dict[str, list[bool]] = {}
    for _ in range(repeat):
        for name, run in contenders.items():
            t0 = time.process_time()
            out = run(titles)
            times[name].append(time.process_time() - t0)
            flagged[name] = [bool(f) for f in out]
    return {name: (len(titles) / statistics.median(ts), flagged[name]) for name, ts in times.items()}


def _each(fn: Any) -> Any:
    """A per-title function as a contender of :func:`_race`, its result consumed at once (as a check does:
    keeping 100,000 results alive would time the garbage collector walking them, not the scan), and
    called through ``map`` so that no contender pays a wrapper call the others do not."""
    return lambda titles: [bool(r) for r in map(fn, titles)]


def _each_scan(matcher: BannedWordMatcher) -> Any:
    """``matcher.scan`` as a contender, flagging by its hits (a Scan object itself is always true)."""
    return lambda titles: [bool(r.hits) for r in map(matcher.scan, titles)]


def _accuracy(vocab: Vocabulary) -> dict[str, dict[str, float]]:
    """Precision and recall of the matcher on the labelled titles (tuning part and held-out part)."""
    matchers: dict[tuple, BannedWordMatcher] = {}

    def find(title: str, brands: tuple) -> list[str]:
        if brands not in matchers:
            matchers[brands] = BannedWordMatcher(vocab, brands=brands)
        return [h.word for h in matchers[brands].find(title)]
    out = {}
    for part, names in (("tuning", titleset.TUNING), ("holdout", titleset.HOLDOUT)):
        s = titleset.score(titleset.load(names), find, fold)
        out[part] = {"titles": s.tp + s.fp + s.fn + s.tn, "precision": round(s.precision, 3),
                     "recall": round(s.recall, 3)}
    return out


def _tally(flagged: list[bool], labels: list[str]) -> dict[str, list[int]]:
    """Label -> [titles flagged, titles with that label]."""
    out = {k: [0, 0] for k in ("plain", "disguised", "exempt", "clean")}
    for f, lab in zip(flagged, labels):
        out[lab][0] += f
        out[lab][1] += 1
    return out


def _show(tally: dict[str, list[int]]) -> str:
    return "  ".join(f"{k} {n:,}/{t:,}" for k, (n, t) in tally.items())


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--titles", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    data = yaml.safe_load((ROOT / "rules/vocabularies/banned_words.yaml").read_text("utf-8"))
    t0 = time.perf_counter()
    vocab = Vocabulary.from_dict(data)  # the first fold() builds the normalisation tables
    setup = time.perf_counter() - t0
    words = [w for c in vocab.categories for w in c.words]
    rng = random.Random(SEED)
    titles, labels = make_corpus(args.titles, words, rng)

    t0 = time.perf_counter()
    matcher = BannedWordMatcher(vocab)
    build = time.perf_counter() - t0
    regex = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))

    folded = [fold(t) for t in titles]  # outside the timing: the raw automaton gets normalised titles for free
    raw = ahocorasick_rs.AhoCorasick(sorted({fold(w) for w in words}), implementation=ahocorasick_rs.Implementation.DFA)
    pre15 = Pre15Matcher(vocab)
    raced = _race({
        "re": _each(regex.search),
        "raw": lambda _: [bool(r) for r in map(raw.find_matches_as_indexes, folded)],  # non-overlapping: the least work
        "pre15": _each(pre15.find),
        "scan": _each_scan(matcher),
        "find": _each(matcher.find),
        "find_many": matcher.find_many,
    }, titles, args.repeat)
    rate = {name: r for name, (r, _) in raced.items()}
    our_flagged = raced["scan"][1]
    assert raced["find_many"][1] == our_flagged == raced["find"][1], "find_many, find and scan disagree"
    print(f"corpus: {len(titles):,} titles (seed {SEED}, {sum(map(len, titles)) / len(titles):.1f} chars average), "
          f"{len(words)} words in {len(vocab.categories)} categories; median CPU time of {args.repeat} rounds")
    print(f"once per process: normalisation tables + vocabulary {setup * 1000:.0f} ms; "
          f"matcher build {build * 1000:.1f} ms; load average {_load()}")
    base_tally, our_tally = _tally(raced["re"][1], labels), _tally(our_flagged, labels)
    pre_tally = _tally(raced["pre15"][1], labels)
    print(f"baseline re alternation, raw text          : {rate['re']:>10,.0f} titles/s   flagged: {_show(base_tally)}")
    print(f"baseline ahocorasick-rs, pre-normalised    : {rate['raw']:>10,.0f} titles/s   (matching only, no exemptions)")
    print(f"baseline pre-#15 matcher (frozen)          : {rate['pre15']:>10,.0f} titles/s   flagged: {_show(pre_tally)}")
    print(f"sopengine BannedWordMatcher.scan, per title: {rate['scan']:>10,.0f} titles/s   flagged: {_show(our_tally)}")
    print(f"sopengine BannedWordMatcher.find, per title: {rate['find']:>10,.0f} titles/s")
    print(f"sopengine BannedWordMatcher.find_many      : {rate['find_many']:>10,.0f} titles/s")
    print(f"ratios: scan / pre-#15 {rate['scan'] / rate['pre15']:.2f}x (#15: >= 1), "
          f"scan / raw ahocorasick-rs {rate['scan'] / rate['raw']:.2f}x, "
          f"find_many / raw ahocorasick-rs {rate['find_many'] / rate['raw']:.2f}x; "
          f"target {TARGET:,} titles/s (#18)")
    parts = {"clean": ("clean",), "with an exempt use only": ("exempt",), "with a banned word": ("plain", "disguised")}
    for what, wanted in parts.items():
        part = [t for t, lab in zip(titles, labels) if lab in wanted]
        r = _race({"pre15": _each(pre15.find), "scan": _each_scan(matcher), "find_many": matcher.find_many},
                  part, args.repeat)
        print(f"by label, the {len(part):,} titles {what}: scan {r['scan'][0]:,.0f} titles/s "
              f"({r['scan'][0] / r['pre15'][0]:.2f}x pre-#15 {r['pre15'][0]:,.0f}), "
              f"find_many {r['find_many'][0]:,.0f} titles/s")
    accuracy = _accuracy(vocab)
    for part, a in accuracy.items():
        print(f"labelled titles, {part:<7} ({a['titles']}): precision {a['precision']:.3f}  recall {a['recall']:.3f}")
    raw_note = f"raw ahocorasick-rs on pre-normalised titles {rate['raw']:,.0f}/s"
    figs = [
        figure("banned-word scan per title (`scan`) vs pre-#15", round(rate["scan"] / rate["pre15"], 2), "x",
               "≥ 1x (#15)", f"pre-#15 matcher {rate['pre15']:,.0f}/s; ours {rate['scan']:,.0f}/s",
               rate["scan"] >= rate["pre15"]),
        figure("banned-word scan per title (`scan`)", round(rate["scan"]), "titles/s", "≥ 1,000,000/s", raw_note,
               rate["scan"] >= TARGET),
        figure("banned-word scan, batch (`find_many`)", round(rate["find_many"]), "titles/s", "≥ 1,000,000/s",
               raw_note, rate["find_many"] >= TARGET),
    ]
    return {
        "bench": "banned_words", "titles": len(titles), "words": len(words), "seed": SEED, "load_average": _load(),
        "titles_per_s": {k: round(v) for k, v in rate.items()}, "target_titles_per_s": TARGET,
        "setup_seconds": round(setup, 3), "flagged": {"re": base_tally, "pre15": pre_tally, "ours": our_tally},
        "accuracy": accuracy, "figures": figs,
    }


def _load() -> str:
    """The 1-, 5- and 15-minute load averages: how busy the shared machine was."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()

"""The labelled listing titles under tests/data/banned_titles/ and how a matcher scores on them.

Shared by the precision/recall test and ``bench/bench_banned_words.py`` so that both
count the same way. Scoring is per title, as a shop experiences the check: a clean
title with any finding is a false alarm; a banned title counts as found only if a
finding agrees with a word the label expects (either contains the other after
normalisation), so flagging the wrong word of a banned title is still a miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data" / "banned_titles"
TUNING = ("clean.yaml", "banned.yaml")
HOLDOUT = ("holdout.yaml",)

# (title, the shop's brands) -> words reported
Finder = Callable[[str, tuple[str, ...]], Sequence[str]]


@dataclass(frozen=True)
class Title:
    title: str
    label: str
    category: str
    reason: str
    words: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    source: str = ""


def load(names: Sequence[str] = TUNING + HOLDOUT) -> list[Title]:
    out = []
    for name in names:
        for i, row in enumerate(yaml.safe_load((DATA / name).read_text("utf-8"))):
            out.append(Title(row["title"], row["label"], row["category"], row["reason"],
                             tuple(row.get("words") or ()), tuple(row.get("brands") or ()), f"{name}[{i}]"))
    return out


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    wrong: list[tuple[Title, list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})")


def score(titles: Sequence[Title], find: Finder, fold: Callable[[str], str]) -> Score:
    s = Score()
    for t in titles:
        found = list(find(t.title, t.brands))
        if t.label == "clean":
            if found:
                s.fp += 1
                s.wrong.append((t, found))
            else:
                s.tn += 1
            continue
        want = [fold(w) for w in t.words]
        if any(fw in w or w in fw for fw in map(fold, found) for w in want):
            s.tp += 1
        else:
            s.fn += 1
            s.wrong.append((t, found))
    return s

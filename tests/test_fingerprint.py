"""A finding's fingerprint: stable across runs, record order, language and --now; distinct per finding."""

from __future__ import annotations

import copy
from datetime import timedelta

from sopengine.report.fingerprint import (
    evidence_hash,
    fingerprint,
    violation_fingerprint,
)

from .conftest import EXAMPLES, NOW, read_jsonl


def _product(**over):
    rec = copy.deepcopy(read_jsonl(EXAMPLES / "products.jsonl")[1])
    rec.update(over)
    return rec


def _prints(engine, record, now=NOW):
    r = engine.evaluate(record, now=now)
    return {(v.rule, v.path, v.evidence.get("word")): violation_fingerprint(r, v) for v in r.violations}


def test_two_banned_words_in_one_title_get_distinct_fingerprints(engine):
    rec = _product(title="男士休闲运动鞋 最好的 第一 跑步鞋")
    r = engine.evaluate(rec, now=NOW)
    hits = [v for v in r.violations if v.rule == "PRD-banned-words" and v.path == "/title"]
    assert len(hits) >= 2, r.violations
    prints = {violation_fingerprint(r, v) for v in hits}
    assert len(prints) == len(hits)


def test_same_word_at_another_offset_is_another_finding():
    a = {"word": "第一", "field": "title", "start": 3, "end": 5}
    assert evidence_hash(a) != evidence_hash({**a, "start": 9, "end": 11})


def test_same_finding_under_another_now_and_language_has_the_same_fingerprint(engine, orders):
    # an order left packed: ship.overdue, whose lateness grows with --now
    rec = orders["DD20230520013"]
    early = engine.evaluate(rec, now=NOW)
    later = engine.evaluate(rec, now=NOW + timedelta(days=3))
    v1 = next(v for v in early.violations if v.rule == "ship.overdue")
    v2 = next(v for v in later.violations if v.rule == "ship.overdue")
    assert v1.evidence["late_by"] != v2.evidence["late_by"]
    assert v1.to_dict("zh")["message"] != v1.to_dict("en")["message"]  # language never enters the print
    assert violation_fingerprint(early, v1) == violation_fingerprint(later, v2)


def test_record_order_and_run_do_not_matter(engine, orders):
    recs = list(orders.values())
    forward = [violation_fingerprint(r, v) for r in engine.evaluate_many(recs, now=NOW) for v in r.violations]
    backward = [violation_fingerprint(r, v) for r in engine.evaluate_many(recs[::-1], now=NOW) for v in r.violations]
    assert forward and sorted(forward) == sorted(backward)


def test_each_part_of_the_identity_counts():
    base = ("R1", "order", "ship.late", "/events/3/at", {"due": "x"})
    p = fingerprint(*base)
    assert fingerprint(*base) == p and len(p) == 32
    for i, other in enumerate(("R2", "product", "ship.overdue", "/events/4/at", {"due": "y"})):
        changed = list(base)
        changed[i] = other
        assert fingerprint(*changed) != p  # type: ignore[arg-type]


def test_wording_and_now_dependent_evidence_are_left_out():
    ev = {"word": "最", "category_title_en": "Superlatives", "legal_basis": "广告法第九条", "late_by": "2 h"}
    assert evidence_hash(ev) == evidence_hash({"word": "最", "category_title_en": "Superlative", "late_by": "5 h"})
    assert evidence_hash({"n": 1.0}) == evidence_hash({"n": 1})

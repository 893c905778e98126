"""The shortcuts of the banned-word resolution never change what it finds.

:class:`~sopengine.text.resolve.Resolver` skips an exemption rule's windowed
test when a screen (per rule set) or a gate (per rule) finds nothing the rule
needs anywhere in the text, and for one or two candidates it runs the windowed
test of a rule with contexts without asking its gate first. Both are exact only
if screens and gates are *necessary* conditions: whenever a rule holds around a
word, the word's screen and the rule's gate let the text through. These tests
check that on texts built from the vocabulary's own words, contexts, terms,
digits and brackets, where the rules do hold.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.text.normalise import source_map
from sopengine.text.resolve import Resolver
from sopengine.text.scan import BannedWordMatcher, Vocabulary

ROOT = Path(__file__).resolve().parents[1]
VOCAB = Vocabulary.from_dict(yaml.safe_load((ROOT / "rules/vocabularies/banned_words.yaml").read_text("utf-8")))
MATCHER = BannedWordMatcher(VOCAB)
RESOLVER: Resolver = MATCHER._resolve.__self__  # type: ignore[attr-defined]
WORDS = [w for c in VOCAB.categories for w in c.words]
CONTEXTS = [t.replace("<quantity>", "150kg").replace("<year>", "2023")
            for r in VOCAB.rules for t in r.before + r.after + r.unless + r.terms]
SOURCES = [t for r in VOCAB.rules for g in r.in_text for t in g if "<" not in t]
PIECES = st.sampled_from(WORDS + CONTEXTS + SOURCES + ["《", "》", "〈", "〉", "2023年", "3000rpm", " ", "裙", "①"])


def _violations(text: str) -> list[tuple[str, str]]:
    """(word, rule) pairs where the rule holds around the word but its screen or gate shuts the text out."""
    folded = text.translate(MATCHER._fold)
    found = MATCHER._matches(folded, True)
    if found and max(found)[0] >= MATCHER._first_marker:
        folded = text.translate(MATCHER._table)
        found = MATCHER._matches(folded, True)
    src = source_map(text)
    out = []
    for idx, s, e in found:
        if idx >= RESOLVER._nwords:
            continue
        for ri in RESOLVER._entry_rules[idx]:
            if RESOLVER._rules[ri].holds(folded, s, e, text, src, {}) is None:
                continue
            if not (RESOLVER._may_clear(idx, text, folded) and RESOLVER._open(ri, text, folded)):
                out.append((RESOLVER._entries[idx][0], RESOLVER._rules[ri].rule.id))
    return out


def test_the_rules_hold_in_the_examples_so_the_property_is_not_vacuous() -> None:
    texts = ["一级能效空调", "最佳食用期180天", "最大承重150kg", "《第一炉香》小说", "本店最低价", "最美的风景"]
    held = 0
    for text in texts:
        held += sum(1 for c in MATCHER.scan(text).cleared if c.exemption != "not_a_claim")
        assert _violations(text) == []
    assert held >= 5


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=6))
def test_a_screen_and_a_gate_never_shut_out_a_rule_that_holds(pieces: list[str]) -> None:
    assert _violations("".join(pieces)) == []

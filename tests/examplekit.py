"""The tests every process's example file gets, written once.

Each ``tests/test_rules_<process>.py`` states its expectations as data
(record id -> state, rules that fire, clauses they cite) and takes these tests
from ``example_suite``; what stays in the module is what is particular to the
process (evidence, boundaries, the manual's template rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import pytest

from .conftest import NOW


def example_suite(process: str, records: Mapping[str, dict], expected: Mapping[str, tuple], version: str = "1.0.0"):
    def test_every_example_is_expected():
        assert sorted(records) == sorted(expected)

    @pytest.mark.parametrize("rid", sorted(expected))
    def test_each_example(engine, rid):
        r = engine.evaluate(records[rid], NOW)
        assert r.error is None, r.error
        state, rules, clauses = expected[rid]
        assert (r.state, sorted(v.rule for v in r.violations)) == (state, rules)
        assert sorted({c for v in r.violations for c in v.clauses}) == sorted(clauses)
        assert (r.process, r.version) == (process, version)

    def test_every_check_fires_on_one_example_and_passes_on_another(engine):
        fired = {rid: {v.rule for v in engine.evaluate(rec, NOW).violations} for rid, rec in records.items()}
        for info in engine.process(process, version).rules.values():
            if info.kind == "check":
                n = sum(info.id in f for f in fired.values())
                assert 0 < n < len(fired), f"{info.id} fires on {n} of {len(fired)} examples"

    return SimpleNamespace(every_example_is_expected=test_every_example_is_expected, each_example=test_each_example,
                           every_check_fires_and_passes=test_every_check_fires_on_one_example_and_passes_on_another)

"""ORD-10 retention (issue 14, section 4): the manual's 2 years is the rule; 3 years is a parameter.

Order 1.1.0 as first published demanded 3 years of every shop from 2024, citing E-Commerce
Law art. 31, which binds platform operators, not the shops on a platform. The check now
declares ``retention_years`` (default 2, the manual's floor as minimum) in both versions;
a shop that is itself a platform operator sets 3 in its sopengine.yaml. A date-only
``retain_until`` ("2026-05-01", kept through that day) is read as the end of that day, for
orders, daily reports and evaluation forms alike; it used to be ``:unevaluable``.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import pytest

import sopengine
from sopengine.policy import Policy

from .clirun import run
from .conftest import EXAMPLES, RULES, SH, read_jsonl

LATER = datetime(2026, 12, 1, 12, 0, tzinfo=SH)
RETENTION = "ORD-archive-retention"
PLATFORM = {RETENTION: {"retention_years": 3}}


def by_id(file: str) -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(EXAMPLES / file)}


@pytest.fixture(scope="module")
def orders() -> dict[str, dict]:
    return by_id("orders_versions.jsonl")


def archived_until(record: dict, until: str) -> dict:
    r = copy.deepcopy(record)
    next(e for e in r["events"] if e["type"] == "archived")["retain_until"] = until
    return r


def fired(engine: sopengine.Engine, record: dict, rule: str = RETENTION) -> list:
    res = engine.evaluate(record, LATER)
    assert res.error is None, res.error
    return [v for v in res.violations if v.rule.startswith(rule)]


def test_a_2024_order_kept_2_5_years_no_longer_fires_a_platform_operator_still_must_keep_3(engine, orders):
    """DV20240305001 (order 1.1.0, archived 2024-03-25, kept until 2026-09-25) fired "less than 3 years"."""
    rec = orders["DV20240305001"]
    assert engine.evaluate(rec, LATER).version == "1.1.0" and fired(engine, rec) == []
    platform = sopengine.load(RULES, policy=Policy(profile="full", params=PLATFORM))
    [hit] = fired(platform, rec)
    assert hit.messages.en.endswith("kept until 2026-09-25T10:00:00+08:00: less than 3 years")
    assert fired(platform, orders["DV20240305002"]) == []  # 3 years kept
    assert fired(engine, archived_until(rec, "2025-09-25T10:00:00+08:00"))  # 1.5 years: short of the manual's 2


@pytest.mark.parametrize("until, fires", [
    ("2026-03-25", False),                 # the day 2 years on, kept through its end
    ("2026-03-24", True),                  # a day short
    ("2026-03-25T10:00:00+08:00", False),  # an instant, as before
])
def test_a_date_only_retain_until_is_read_as_the_end_of_that_day(engine, orders, until, fires):
    rec = archived_until(orders["DV20240305001"], until)  # archived 2024-03-25T10:00:00+08:00
    hits = fired(engine, rec)
    assert bool(hits) == fires and not any(h.rule.endswith(":unevaluable") for h in hits)
    if fires:
        assert "kept until 2026-03-24T23:59:59+08:00: less than 2 years" in hits[0].messages.en


@pytest.mark.parametrize("file, rid, rule", [
    ("kpi_daily.jsonl", None, "DATA-archive-retention"),
    ("product_evaluations.jsonl", None, "PE-archive-retention"),
])
def test_a_date_only_retain_until_is_readable_in_every_process_that_archives(engine, file, rid, rule):
    """GEN-03's 2 years for the daily report and the evaluation form read the field the same way."""
    recs = by_id(file)
    rec = recs[rid] if rid else next(r for r in recs.values() if any(e["type"] == "archived" for e in r.get("events", ())))
    start = next(e for e in rec["events"] if e["type"] == "archived")["at"][:10]
    year = int(start[:4])
    assert fired(engine, archived_until(rec, f"{year + 2}{start[4:]}"), rule) == []
    assert [v.rule for v in fired(engine, archived_until(rec, f"{year + 1}{start[4:]}"), rule)] == [rule]


def test_a_date_that_is_not_one_is_a_record_error_naming_the_shape(engine, orders):
    res = engine.evaluate(archived_until(orders["DV20240305001"], "2026-3-25"), LATER)
    assert res.error is not None and "'2026-3-25' is not a YYYY-MM-DD day or an RFC 3339 timestamp" in res.error


# -- the CLI: a platform operator's sopengine.yaml ---------------------------------------------

def shop(tmp_path: Path, years: str) -> Path:
    p = tmp_path / "sopengine.yaml"
    p.write_text(f"# a platform operator: E-Commerce Law art. 31\nparams:\n  {RETENTION}:\n    retention_years: {years}\n",
                 "utf-8")
    return p


def test_cli_a_platform_operator_sets_3_years(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["check", EXAMPLES / "orders_versions.jsonl", "--rules", RULES, "--now", "2026-12-01T12:00:00+08:00",
            "--profile", "full"]
    _, out, _ = run(capsys, *args, "--config", shop(tmp_path, "2"))
    assert RETENTION + " [" not in out
    _, out, _ = run(capsys, *args, "--config", shop(tmp_path, "3"), "--explain")
    assert out.count(f"error   {RETENTION} [ORD-10, GEN-03]") == 4  # every 2.5-year archive, 2023 or 2024
    assert f"trace   params {RETENTION}.retention_years = 3 (the rule's default: 2) — sopengine.yaml:4" in out
    code, out, _ = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path, "3"))
    assert code == 0 and f"params.{RETENTION}.retention_years" in out and "3 years  (sopengine.yaml:4)" in out


@pytest.mark.parametrize("years, message", [
    ("1", "1 is below the minimum 2 of retention_years"),  # the manual's floor
    ("'3 years'", 'must be an integer, not string "3 years"'),
    ("3.5", "must be an integer, not number 3.5"),
])
def test_cli_a_bad_retention_is_a_positioned_error_and_exit_2(capsys, tmp_path, monkeypatch, years, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", EXAMPLES / "orders_versions.jsonl", "--rules", RULES, "--config",
                         shop(tmp_path, years))
    assert code == 2 and out == "" and "sopengine.yaml:4:22: error: " in err and message in err, err

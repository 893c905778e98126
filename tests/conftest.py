from __future__ import annotations

import json
import os
import shutil
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import sopengine
from sopengine.policy import Policy

# The tests judge what load and validate do on the content in front of them; the cache of
# trees found clean (sopengine.rulecache) is exercised by its own tests, which turn it on.
os.environ.setdefault("SOPENGINE_CACHE", "off")

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "examples"
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2023, 6, 3, 12, 0, tzinfo=SH)


@pytest.fixture(scope="session")
def engine() -> sopengine.Engine:
    """The bundled rules as the bundled examples are judged: every optional field and event recorded."""
    return sopengine.load(RULES, profile="full")


@pytest.fixture(scope="session")
def core_engine() -> sopengine.Engine:
    """The bundled rules with no configuration: only RECORDS.md's core data is assumed."""
    return sopengine.load(RULES)


@pytest.fixture
def bundled_once(monkeypatch, engine):
    """CLI tests load the bundled rules again and again; the engine is immutable, so share it."""
    real = sopengine.load

    def load(path=None, *, tables=None, profile="core", policy=None):
        bundled = Path(path or "rules").resolve() == RULES.resolve()  # ./rules is what a test run from the root gets
        if bundled and not tables and not (policy and policy.params):  # parameters change what compiles
            return engine.with_policy(policy or Policy(profile))
        return real(path, tables=tables, profile=profile, policy=policy)

    monkeypatch.setattr(sopengine, "load", load)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture
def orders() -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(EXAMPLES / "orders.jsonl")}


@pytest.fixture
def tree(tmp_path: Path):
    """A scratch rules tree (with the bundled manual) beside a copy of the schemas; returns a writer for rule files."""
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    (tmp_path / "rules").mkdir()
    shutil.copy(RULES / "manual.yaml", tmp_path / "rules" / "manual.yaml")  # a tree without a clause list is an error

    def write(name: str, text: str) -> Path:
        p = tmp_path / "rules" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
        return p

    write.root = tmp_path / "rules"  # type: ignore[attr-defined]
    return write


MINI = """
apiVersion: sopengine/v1
kind: Process
id: order
version: 1.0.0
title: {zh: 订单, en: Order}
record_schema: records/order.schema.json
start_field: placed_at
roles: [ops_specialist, warehouse]
states:
  - {id: placed, initial: true}
  - {id: reviewed}
  - {id: shipped, final: true}
steps:
  - id: review
    event: reviewed
    from: placed
    to: reviewed
    roles: [ops_specialist]
    clauses: [ORD-02]
  - id: ship
    event: shipped
    from: reviewed
    to: shipped
    roles: [warehouse]
    clauses: [ORD-06]
    sla: {within: 24h, from: {field: placed_at}}
"""


@pytest.fixture(autouse=True)
def _no_job_summary(monkeypatch):
    """A test run inside GitHub Actions must not append the tests' reports to the job's summary."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

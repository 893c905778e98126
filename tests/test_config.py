"""A shop's configuration (issue 14, section 2) and baselines (section 3), through the CLI and the API."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

import sopengine
from sopengine.config import check_names, find_config, read_config
from sopengine.errors import ConfigError
from sopengine.policy import Policy

from .clirun import run
from .conftest import EXAMPLES, NOW, RULES, read_jsonl

T = "2023-06-03T12:00:00+08:00"
SHOP = """\
profile: core
records:
  order: [inspected]
overrides:
  - rule: PRD-seo
    disabled: true
    reason: titles are written by the brand team
    owner: 李丽
    expires: 2099-06-30
  - rule: ship.late
    severity: warning
    reason: the carrier collects at 18:00
params:
  CS-privacy:
    allowed: [浙江省杭州市余杭区文一西路1500号菜鸟仓退货组]
"""


def shop(tmp_path: Path, text: str = SHOP) -> Path:
    p = tmp_path / "sopengine.yaml"
    p.write_text(text, "utf-8")
    return p


def check(capsys, cfg: Path, *args: str) -> tuple[int, str, str]:
    return run(capsys, "check", *args, "--rules", RULES, "--now", T, "--config", cfg)


def test_found_by_walking_up_and_in_pyproject(tmp_path, monkeypatch):
    shop(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b") == (tmp_path / "sopengine.yaml").resolve()
    other = tmp_path / "other"
    (other / "sub").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.sopengine]\nprofile = "full"\n', "utf-8")
    found = find_config(other / "sub")
    assert found is not None and found.name == "pyproject.toml" and read_config(found).profile == "full"


def test_records_declaration_turns_unverified_into_a_violation(capsys, tmp_path):
    rec = copy.deepcopy(read_jsonl(EXAMPLES / "orders.jsonl")[0])
    rec["events"] = [e for e in rec["events"] if e["type"] != "inspected"]
    f = tmp_path / "o.jsonl"
    f.write_text(json.dumps(rec, ensure_ascii=False) + "\n", "utf-8")
    code, out, _ = run(capsys, "check", f, "--rules", RULES, "--now", T, "--format", "json")
    assert code == 0 and json.loads(out)[0]["unverified"][0]["rule"] == "ORD-inspected-before-shipping"
    code, out, _ = check(capsys, shop(tmp_path), f, "--format", "json")
    (r,) = json.loads(out)
    assert code == 1 and [v["rule"] for v in r["violations"]] == ["ORD-inspected-before-shipping"]
    assert r["digest"] != sopengine.load(RULES).process("order", "1.0.0").digest  # the digest covers the configuration


def test_override_off_and_severity_with_where_they_are_written(capsys, tmp_path, orders):
    cfg = shop(tmp_path)
    f = tmp_path / "o.jsonl"
    f.write_text(json.dumps(orders["DD20230520012"], ensure_ascii=False) + "\n", "utf-8")  # ship.late (error)
    code, out, _ = check(capsys, cfg, f, "--explain")
    assert "warning ship.late" in out.replace("  ", " ") and code == 0
    assert "override ship.late: severity warning (the carrier collects at 18:00)" in out and "sopengine.yaml:10" in out


def test_select_and_ignore_by_id_glob_and_clause(capsys, orders, tmp_path):
    f = tmp_path / "o.jsonl"
    f.write_text(json.dumps(orders["DD20230601004"], ensure_ascii=False) + "\n", "utf-8")  # review.late, ship.wrong_role
    base = ("check", f, "--rules", RULES, "--now", T, "--format", "json", "--config", shop(tmp_path, "{}\n"))
    rules = lambda *a: [v["rule"] for v in json.loads(run(capsys, *base, *a)[1])[0]["violations"]]
    assert set(rules()) == {"review.late", "ship.wrong_role"}
    assert rules("--select", "ship.*") == ["ship.wrong_role"]
    assert rules("--ignore", "clause:ORD-01") == ["ship.wrong_role"]
    assert rules("--select", "review.late") == ["review.late"]


def test_parameter_override_is_the_shops_own_return_address(capsys, tmp_path):
    ticket = {"process": "service_ticket", "id": "T1", "channel": "chat", "category": "after_sale",
              "opened_at": "2023-06-02T10:00:00+08:00",
              "messages": [{"from": "agent", "at": "2023-06-02T10:00:05+08:00",
                            "text": "请寄回：浙江省杭州市西湖区文三路90号1幢退货组"}], "events": []}
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps(ticket, ensure_ascii=False) + "\n", "utf-8")
    assert "CS-privacy" in run(capsys, "check", f, "--rules", RULES, "--now", T)[1]
    cfg = shop(tmp_path, "params:\n  CS-privacy:\n    allowed: [浙江省杭州市西湖区文三路90号1幢退货组]\n")
    _code, out, _ = check(capsys, cfg, f)
    assert "CS-privacy" not in out


@pytest.mark.parametrize("text, where, message", [
    ("overrides:\n  - rule: PRD-sep\n    disabled: true\n    reason: x y z\n", ":2:", "did you mean 'PRD-seo'"),
    ("overrides:\n  - rule: PRD-seo\n    disabled: true\n", ":2:", "an override needs a reason"),
    ("overrides:\n  - rule: PRD-seo\n    disabled: true\n    reason: brand team\n    expires: 2020-01-31\n", ":5:",
     "expired on 2020-01-31"),
    ("profile: ful\n", ":1:", "'ful' is not one of"),
    ("records:\n  order: inspected\n", ":2:", "is not of type 'array'"),
    ("records:\n  order: [inspectd]\n", ":2:", "did you mean 'inspected'"),
    ("records:\n  ordr: [inspected]\n", ":2:", "did you mean 'order'"),
    ("params:\n  CS-privacy:\n    allowd: [x]\n", ":3:", "did you mean 'allowed'"),
    ("params:\n  CS-privacy:\n    allowed: 3\n", ":3:", "is not of type 'array'"),
    ("selct: [ORD-*]\n", ":1:", "did you mean 'select'"),
    ("select: [XYZ-*]\n", ":1:", "matches no rule"),
])
def test_every_bad_configuration_is_a_positioned_error_and_exit_2(capsys, tmp_path, text, where, message):
    code, out, err = check(capsys, shop(tmp_path, text), EXAMPLES / "orders.jsonl")
    assert code == 2 and out == ""
    assert f"sopengine.yaml{where}" in err and message in err, err


def test_api_the_same_configuration_as_a_policy(tmp_path, orders):
    cfg = read_config(shop(tmp_path))
    policy = Policy(records=cfg.records, overrides=cfg.overrides(), params=cfg.params)
    engine = sopengine.load(RULES, policy=policy)
    assert check_names(cfg, engine, date(2026, 12, 1)) == []
    r = engine.evaluate(orders["DD20230520012"], NOW)
    assert [(v.rule, v.severity) for v in r.violations] == [("ship.late", "warning")]
    with pytest.raises(ConfigError) as ei:
        read_config(shop(tmp_path, "overrides: 3\n"))
    assert "sopengine.yaml:1:" in str(ei.value)


def test_config_prints_each_value_with_its_origin(capsys, tmp_path):
    code, out, _ = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path), "--select", "ORD-*")
    assert code == 0
    assert "records.order" in out and "sopengine.yaml:3)" in out
    assert "override.PRD-seo" in out and "brand team; owner 李丽; expires 2099-06-30" in out and "sopengine.yaml:5)" in out
    assert "params.CS-privacy.allowed" in out and "(--select)" in out and "profile" in out


# -- baselines ----------------------------------------------------------------------

def test_baseline_suppresses_known_findings_and_reports_fixed_ones(capsys, tmp_path):
    base = tmp_path / "baseline.json"
    orders = EXAMPLES / "orders.jsonl"
    empty = shop(tmp_path, "{}\n")
    code, _out, err = check(capsys, empty, orders, "--write-baseline", base)
    assert code == 1 and "wrote 13 finding(s)" in err
    assert json.loads(base.read_text("utf-8"))["kind"] == "sopengine-baseline"
    code, _out, err = check(capsys, empty, orders, "--baseline", base, "--lang", "zh")  # another language: same prints
    assert code == 0 and "13 known finding(s) suppressed, 0 fixed" in err
    # fix one: drop the order that shipped late
    lines = [l for l in orders.read_text("utf-8").splitlines() if "DD20230520012" not in l]
    fewer = tmp_path / "fewer.jsonl"
    fewer.write_text("\n".join(lines[::-1]) + "\n", "utf-8")  # and another record order
    code, _out, err = check(capsys, empty, fewer, "--baseline", base)
    assert code == 0 and "12 known finding(s) suppressed, 1 fixed" in err and "fixed   DD20230520012 ship.late" in err


@pytest.mark.parametrize("content, message", [
    ('{"kind": "sopengine-baseline",\n "findings": 3', "baseline.json:2:"),
    ('[1, 2]', "not a baseline"),
    ('{"kind": "sopengine-baseline", "fingerprint": "sopengine/v1", "findings": [{"x": 1}]}', "/findings/0"),
])
def test_a_baseline_file_that_is_not_one_is_a_positioned_error(capsys, tmp_path, content, message):
    base = tmp_path / "baseline.json"
    base.write_text(content, "utf-8")
    code, out, err = check(capsys, shop(tmp_path, "{}\n"), EXAMPLES / "orders.jsonl", "--baseline", base)
    assert code == 2 and out == "" and message in err and "baseline.json:" in err


def test_the_configurations_rules_tree_is_used_unless_rules_names_another(capsys, tmp_path):
    """`rules:` in sopengine.yaml names the tree (relative to the file); --rules outranks it."""
    cfg = shop(tmp_path, "rules: nowhere\n")
    code, _, err = run(capsys, "check", EXAMPLES / "orders.jsonl", "--now", T, "--config", cfg)
    assert code == 2 and "nowhere" in err  # the configuration's tree is the one loaded (and it is missing)
    code, out, _ = run(capsys, "config", "--config", cfg, "--rules", RULES)
    assert code == 0 and rules_row(out) == [str(RULES), "(--rules)"]
    cfg = shop(tmp_path, f"rules: {RULES}\n")
    code, out, _ = run(capsys, "config", "--config", cfg)
    assert code == 0 and rules_row(out) == [str(RULES), f"({cfg}:1)"]
    code, out, _ = run(capsys, "check", EXAMPLES / "orders.jsonl", "--now", T, "--config", cfg)
    assert code == 1


def rules_row(out: str) -> list[str]:
    return next(line for line in out.splitlines() if line.startswith("rules ")).split()[1:]

"""Parameters a rule declares (issue 14): thresholds the manual leaves open, set by a shop in sopengine.yaml.

The bundled rules declare three: ORD-13's "at once" (``at_once_within``), the GMV
tolerance of DATA-02 (``tolerance_pct``) and MKT-06's traffic drop (``drop_ratio``).
Each is shown firing by default, passing once a shop sets another value, and still
firing on a record beyond that value; through the API and the CLI; every bad value
is a positioned error with exit code 2, every bad declaration a positioned load error.
"""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date, timedelta
from pathlib import Path

import pytest

import sopengine
from sopengine.config import check_names, read_config
from sopengine.errors import DefinitionError
from sopengine.expr import compile_expression
from sopengine.policy import Policy

from .clirun import run
from .conftest import EXAMPLES, NOW, RULES, read_jsonl

T = "2023-06-03T12:00:00+08:00"
DROP, GMV, AT_ONCE = "MKT-traffic-drop-investigated", "DATA-gmv-consistent", "ORD-logistics-exception-at-once"


def example(file: str, rid: str) -> dict:
    return next(r for r in read_jsonl(EXAMPLES / file) if r["id"] == rid)


@pytest.fixture(scope="module")
def campaign() -> dict:
    return example("campaigns.jsonl", "HD2023-0531")  # UV 20400 -> 8600 (42 %), no investigation


@pytest.fixture(scope="module")
def kpi() -> dict:
    return example("kpi_daily.jsonl", "KPI-20230601")  # UV x conversion x AOV is 30 % below GMV


@pytest.fixture(scope="module")
def late_exception() -> dict:
    return example("orders_fulfilment.jsonl", "DD20230601106")  # registered 150 min after the customer's report


def deeper_drop(campaign: dict) -> dict:
    r = copy.deepcopy(campaign)
    r["monitoring"][2]["uv"] = 3000  # 15 % of the day before
    return r


def rules_of(result) -> list[str]:
    return [v.rule for v in result.violations]


def engine_with(params: dict) -> sopengine.Engine:
    return sopengine.load(RULES, policy=Policy(profile="full", params=params))


# -- 1. the API: fires by default, passes when set, still fires beyond ---------------------

@pytest.mark.parametrize("fixture, rule, setting, beyond", [
    ("campaign", DROP, {"drop_ratio": 0.4}, deeper_drop),
    ("kpi", GMV, {"tolerance_pct": 35}, None),
    ("late_exception", AT_ONCE, {"at_once_within": "3h"}, None),
])
def test_a_shops_value_replaces_the_rules_default(request, engine, fixture, rule, setting, beyond):
    record = request.getfixturevalue(fixture)
    assert rule in rules_of(engine.evaluate(record, NOW))  # the rule's reading of the manual
    tuned = engine_with({rule: setting})
    assert rule not in rules_of(tuned.evaluate(record, NOW))
    if beyond is not None:
        assert rule in rules_of(tuned.evaluate(beyond(record), NOW))


def test_still_fires_beyond_the_shops_value(kpi, late_exception, engine):
    assert GMV in rules_of(engine_with({GMV: {"tolerance_pct": 25}}).evaluate(kpi, NOW))
    hit = [v for v in engine_with({AT_ONCE: {"at_once_within": "2h"}}).evaluate(late_exception, NOW).violations
           if v.rule == AT_ONCE]
    assert hit and "(within 2 h)" in hit[0].messages.en and "（2 h 内）" in hit[0].messages.zh  # the value in force
    default = [v for v in engine.evaluate(late_exception, NOW).violations if v.rule == AT_ONCE]
    assert "(within 1 h)" in default[0].messages.en


def test_the_override_is_in_the_trace_and_the_digest(campaign, engine):
    plain = engine.evaluate(campaign, NOW)
    tuned = engine_with({DROP: {"drop_ratio": 0.4}}).evaluate(campaign, NOW)
    assert tuned.digest != plain.digest
    assert f"params {DROP}.drop_ratio = 0.4 (the rule's default: 0.5) — set by Policy.params" in tuned.trace
    same = engine_with({DROP: {"drop_ratio": 0.5}}).evaluate(campaign, NOW)  # the default, said explicitly
    assert rules_of(same) == rules_of(plain)


def test_the_compiled_check_holds_the_declaration_and_its_value(engine):
    proc = engine.process("campaign")
    ck = next(c for c in proc.checks if c.id == DROP)
    p = ck.parameters["drop_ratio"]
    assert (p.type, p.default, p.value, p.minimum, p.maximum, p.unit) == ("number", 0.5, 0.5, 0.0, 1.0,
                                                                          {"zh": "比值", "en": "ratio"})
    at_once = next(c for c in engine.process("order").checks if c.id == AT_ONCE).parameters["at_once_within"]
    assert at_once.value == timedelta(hours=1) and at_once.shown() == "1 h"


# -- 2. constants: folded into the plan, typed for CEL ---------------------------------------

def test_a_parameter_is_a_constant_of_the_plan_and_a_typed_variable_for_cel():
    e = compile_expression("double(record.uv) >= params.drop_ratio * 100.0", consts={"params.drop_ratio": 0.5})
    assert e._plan is not None
    assert e._plan({"record": {"uv": 60}}) is True  # no variable params.* handed in: the value is in the closure
    assert e.evaluate({"record": {"uv": 40}}) is False
    clone = pickle.loads(pickle.dumps(e))
    assert clone.consts == {"params.drop_ratio": 0.5} and clone.evaluate({"record": {"uv": 60}}) is True
    with pytest.raises(sopengine.errors.ExpressionError, match="no matching overload"):
        compile_expression("params.drop_ratio + 'x' == 'y'", consts={"params.drop_ratio": 0.5})
    d = compile_expression("duration('90m') <= params.within", consts={"params.within": timedelta(hours=2)})
    assert str(d._compiled.return_type()) == "BOOL" and d._plan({}) is True


def test_the_bundled_parameterised_expressions_are_translated(engine):
    found = [(ck.id, e) for p, _ in engine.rules() for ck in p.checks if ck.parameters
             for e in (getattr(ck.impl, "assertion", None),) if e is not None]
    assert {cid for cid, _ in found} == {DROP, GMV, AT_ONCE, "ORD-archive-retention"}
    assert all(e._plan is not None and e.consts for _, e in found)


# -- 3. the CLI: sopengine.yaml, --explain, sopengine config ------------------------------------

SHOP = f"""\
profile: full
params:
  {DROP}:
    drop_ratio: 0.4
  {AT_ONCE}:
    at_once_within: 3h
"""


def shop(tmp_path: Path, text: str = SHOP) -> Path:
    p = tmp_path / "sopengine.yaml"
    p.write_text(text, "utf-8")
    return p


def test_cli_a_shops_parameters_with_explain(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths as a shop sees them
    for name in ("campaigns.jsonl", "orders_fulfilment.jsonl"):
        _, out, _ = run(capsys, "check", EXAMPLES / name, "--rules", RULES, "--now", T, "--profile", "full")
        assert (DROP if name.startswith("c") else AT_ONCE) in out
    cfg = shop(tmp_path)
    code, out, _ = run(capsys, "check", EXAMPLES / "campaigns.jsonl", EXAMPLES / "orders_fulfilment.jsonl",
                         "--rules", RULES, "--now", T, "--config", cfg, "--explain")
    assert code == 1  # other findings remain
    assert DROP + " [" not in out and AT_ONCE + " [" not in out, out
    assert f"trace   params {DROP}.drop_ratio = 0.4 (the rule's default: 0.5) — sopengine.yaml:4" in out
    assert f"trace   params {AT_ONCE}.at_once_within = 3 h (the rule's default: 1 h) — sopengine.yaml:6" in out
    _, out, _ = run(capsys, "check", EXAMPLES / "campaigns.jsonl", "--rules", RULES, "--now", T, "--config", cfg,
                    "--format", "json")
    digests = {r["digest"] for r in json.loads(out)}
    plain = tmp_path / "plain.yaml"
    plain.write_text("profile: full\n", "utf-8")
    _, out, _ = run(capsys, "check", EXAMPLES / "campaigns.jsonl", "--rules", RULES, "--now", T, "--config", plain,
                       "--format", "json")
    assert digests.isdisjoint({r["digest"] for r in json.loads(out)})  # the digest covers the configuration


def test_cli_config_shows_every_declared_parameter_its_value_and_origin(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path))
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines()}
    assert lines[f"params.{DROP}.drop_ratio"].endswith("0.4 ratio  (sopengine.yaml:4)")
    assert lines[f"params.{AT_ONCE}.at_once_within"].endswith("3 h  (sopengine.yaml:6)")
    gmv = lines[f"params.{GMV}.tolerance_pct"]
    assert "5 %  (the rule's default, " in gmv and "kpi_daily.yaml:" in gmv
    code, out, _ = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path), "--format", "json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert rows[f"params.{DROP}.drop_ratio"] == {"key": f"params.{DROP}.drop_ratio", "value": "0.4 ratio",
                                                "origin": "sopengine.yaml:4"}


BAD = [
    (f"params:\n  {DROP}:\n    drop_ratoi: 0.4\n", ":3:17:", "has no parameter 'drop_ratoi'", "did you mean 'drop_ratio'"),
    (f"params:\n  {DROP}:\n    drop_ratio: half\n", ":3:17:", "must be a number, not string \"half\"", "default 0.5"),
    (f"params:\n  {DROP}:\n    drop_ratio: 1.5\n", ":3:17:", "1.5 is above the maximum 1 of drop_ratio", "maximum 1"),
    (f"params:\n  {GMV}:\n    tolerance_pct: -1\n", ":3:20:", "-1 is below the minimum 0 of tolerance_pct", ""),
    (f"params:\n  {GMV}:\n    tolerance_pct: true\n", ":3:20:", "must be a number, not boolean true", ""),
    (f"params:\n  {AT_ONCE}:\n    at_once_within: 2\n", ":3:21:", "must be a duration such as 1h", ""),
    (f"params:\n  {AT_ONCE}:\n    at_once_within: soon\n", ":3:21:", "not a duration: 'soon'", ""),
    (f"params:\n  {AT_ONCE}:\n    at_once_within: 30s\n", ":3:21:", "30 s is below the minimum 1 min", ""),
    ("params:\n  MKT-traffic-drop-investigatd:\n    drop_ratio: 0.4\n", ":3:5:", "unknown check",
     f"did you mean '{DROP}'"),
]


@pytest.mark.parametrize("text, where, message, hint", BAD)
def test_cli_every_bad_parameter_is_a_positioned_error_and_exit_2(capsys, tmp_path, monkeypatch, text, where, message, hint):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", EXAMPLES / "campaigns.jsonl", "--rules", RULES, "--now", T,
                         "--config", shop(tmp_path, text))
    assert code == 2 and out == ""
    assert f"sopengine.yaml{where} error: " in err and message in err and hint in err, err
    code, _, err2 = run(capsys, "config", "--rules", RULES, "--config", shop(tmp_path, text))
    assert code == 2 and message in err2


@pytest.mark.parametrize("text, where, message, hint", BAD)
def test_api_every_bad_parameter_is_a_positioned_finding(tmp_path, text, where, message, hint):
    cfg = read_config(shop(tmp_path, text))
    problems = check_names(cfg, sopengine.load(RULES), date(2026, 12, 1))
    assert len(problems) == 1
    f = problems[0]
    assert f"{f.source.file}:{f.source.line}:{f.source.column}:".endswith(f"sopengine.yaml{where}")
    assert message in f.message and hint in f.hint


# -- 4. declarations in the rules: each mistake a positioned load error ---------------------------

CAMPAIGN = (RULES / "processes" / "campaign.yaml").read_text("utf-8")


@pytest.mark.parametrize("old, new, where, message", [
    ("default: 0.5\n        minimum: 0", "default: 2\n        minimum: 0", "/parameters/drop_ratio/default",
     "the default 2 is above the maximum 1 of drop_ratio"),
    ("type: number\n        default: 0.5", "type: float\n        default: 0.5", "/parameters/drop_ratio/type",
     "'float' is not one of"),
    ("type: number\n        default: 0.5", "type: number\n        default: '0.5'", "/parameters/drop_ratio/default",
     "the default must be a number, not string \"0.5\""),
    ("minimum: 0\n        maximum: 1\n", "minimum: 0.9\n        maximum: 0.1\n", "/parameters/drop_ratio/minimum",
     "the minimum is above the maximum"),
    ("* params.drop_ratio ||", "* params.drop_rato ||", "/params/assert", "undeclared reference to 'params.drop_rato'"),
    ("* params.drop_ratio ||", "* 0.5 ||", "/parameters/drop_ratio", "no expression of the check reads params.drop_ratio"),
    ("      drop_ratio:\n        type: number", "      assert:\n        type: number", "/parameters/assert",
     "has the name of a expression param"),
    ("      en: \"UV fell to {uv} on {date}", "      en: \"UV fell to {uv} ({params.drop}) on {date}", "/message/en",
     "message placeholder {params.drop} names no parameter"),
])
def test_a_bad_declaration_does_not_load(tmp_path, old, new, where, message):
    rules = tmp_path / "rules"
    import shutil

    shutil.copytree(RULES, rules)
    assert old in CAMPAIGN
    (rules / "processes" / "campaign.yaml").write_text(CAMPAIGN.replace(old, new, 1), "utf-8")
    with pytest.raises(DefinitionError) as ei:
        sopengine.load(rules)
    errors = [f for f in ei.value.findings if f.severity == "error"]
    assert len(errors) in (1, 2), [f.message for f in errors]  # an undeclared reference also leaves one unread
    hit = next(f for f in errors if message in f.message)
    assert hit.source.file.endswith("campaign.yaml") and hit.source.line and hit.source.pointer.endswith(where)

"""``sopengine calendar ID YEAR``: a year's named days with their provenance (issue 10)."""

from __future__ import annotations

import json

import yaml

from .clirun import run
from .conftest import RULES
from .test_calendar_years import SCHEDULE_2027
from .test_sla import with_time_data


def test_an_estimated_year_lists_the_statutory_days_and_no_make_up_day(capsys):
    code, out, err = run(capsys, "calendar", "cn", "2027", "--rules", RULES)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "calendar cn 2027: estimated (estimate statutory-2025)"
    assert "2027 has no published schedule yet; estimated from the statutory holidays" in lines[1]
    assert "  2027-02-05 Fri  rest day             estimated  Spring Festival (春节, 除夕)" in lines
    assert "  (no make-up working day)" in lines
    assert lines[-1] == "254 working days, 111 rest days"  # 365 - 104 weekend days - 7 weekday holidays


def test_json_carries_each_day_with_its_provenance(capsys):
    code, out, _ = run(capsys, "calendar", "cn", "2026", "--rules", RULES, "--format", "json")
    report = json.loads(out)
    assert code == 0 and (report["year"], report["provenance"]) == (2026, "package")
    assert report["source"].startswith("chinese-calendar ")
    made_up = [d["date"] for d in report["days"] if d["kind"] == "make-up working day"]
    # 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): six Saturdays/Sundays worked
    assert made_up == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    assert {d["provenance"] for d in report["days"]} == {"package"}


def test_a_declared_year_shows_its_notice(capsys, tree):
    with_time_data(tree)
    path = tree.root / "calendars" / "cn.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["schedules"] = [SCHEDULE_2027]
    doc["extra_days_off"] = [{"date": "2027-03-01", "reason": "年会 annual meeting"}]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    code, out, err = run(capsys, "calendar", "cn", "2027", "--rules", tree.root, "--format", "json")
    report = json.loads(out)
    assert code == 0, err
    assert report["provenance"] == "declared" and report["source"].startswith("测试通知") and "note" not in report
    by_date = {d["date"]: d for d in report["days"]}
    assert by_date["2027-02-20"]["kind"] == "make-up working day" and by_date["2027-02-20"]["provenance"] == "declared"
    assert by_date["2027-03-01"]["provenance"] == "company"


def test_a_year_without_data_and_an_unknown_calendar_are_usage_errors(capsys):
    code, out, err = run(capsys, "calendar", "cn", "2003", "--rules", RULES)
    assert code == 2 and out == ""
    assert "calendar 'cn' has no data for 2003-01-01: it covers 2004..2026, estimated 2027..2100" in err
    code, _, err = run(capsys, "calendar", "nope", "2027", "--rules", RULES)
    assert code == 2 and "no Calendar with id 'nope' in the rules tree (have: cn)" in err


def test_a_broken_calendar_file_is_reported_at_its_line(capsys, tree):
    with_time_data(tree)
    path = tree.root / "calendars" / "cn.yaml"
    path.write_text(path.read_text("utf-8").replace("method: statutory-2025", "method: statutory-2099"), "utf-8")
    code, _, err = run(capsys, "calendar", "cn", "2027", "--rules", tree.root)
    assert code == 2 and f"{path}:" in err and "/estimate/method" in err


def test_the_output_in_docs_time_md_is_real(capsys):
    text = (RULES.parent / "docs" / "time.md").read_text("utf-8")
    block = text.split("$ sopengine calendar cn 2027\n", 1)[1].split("```", 1)[0]
    code, out, _ = run(capsys, "calendar", "cn", "2027", "--rules", RULES)
    assert code == 0 and out == block

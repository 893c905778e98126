"""rules/processes/service_ticket.yaml on examples/service_tickets.jsonl: exact rules, clauses and states per record."""

import copy
from datetime import datetime

from .conftest import EXAMPLES, NOW, SH, read_jsonl
from .examplekit import example_suite

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "service_tickets.jsonl")}

EXPECTED = {  # ticket -> (state, rules that fire, clauses they cite)
    "T20230602001": ("rating_requested", [], []),
    "T20230603002": ("rating_requested", ["respond.late"], ["CS-01"]),
    "T20230601003": ("rating_requested", ["CS-category-recorded"], ["CS-02"]),
    "T20230602004": ("classified", ["offer_solution.overdue"], ["CS-05"]),
    "T20230601005": ("rating_requested", ["resolve.late"], ["CS-05"]),
    "T20230602006": ("rating_requested", [], []),
    "T20230602007": ("rating_requested", ["answer_escalation.wrong_role"], ["CS-04"]),
    "T20230602008": ("closed", ["supervisor_contact.late"], ["CS-07"]),
    "T20230603009": ("rating_requested", ["supervisor_contact.overdue"], ["CS-07"]),
    "T20230602010": ("closed", [], []),
    "T20230602011": ("rating_requested", ["CS-no-reason-return-policy"], ["CS-05", "CS-09"]),
    "T20230603012": ("resolved", ["request_rating.out_of_order", "resolve.out_of_order"], ["CS-05", "CS-06"]),
    "T20230603013": ("open", ["respond.overdue"], ["CS-01"]),
    "T20230602014": ("rating_requested", [], []),  # the customer's own new address read back to them (CS-10)
    "T20230602015": ("rating_requested", ["CS-privacy"], ["CS-10"]),  # an address the customer never gave
}


_suite = example_suite('service_ticket', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example
test_every_check_fires_on_one_example_and_passes_on_another = _suite.every_check_fires_and_passes


def test_first_response_deadline_is_ten_seconds(engine):
    v = engine.evaluate(RECORDS["T20230603002"], NOW).violations[0]
    assert (v.evidence["due"], v.evidence["late_by"]) == ("2023-06-03T09:20:10+08:00", "35 s")
    rec = copy.deepcopy(RECORDS["T20230603002"])
    rec["events"][0]["at"] = "2023-06-03T09:20:10+08:00"  # exactly 10 s: in time
    assert engine.evaluate(rec, NOW).violations == ()


def test_low_rating_or_negative_feedback_calls_the_supervisor_within_two_hours(engine):
    r = engine.evaluate(RECORDS["T20230603009"], NOW)
    (a,) = r.next_actions
    assert (a.action, a.role, a.due, a.overdue) == ("supervisor_contact", "cs_supervisor", "2023-06-03T10:30:00+08:00", True)
    happy = copy.deepcopy(RECORDS["T20230603009"])
    happy["rating"] = {"stars": 3, "at": "2023-06-03T08:30:00+08:00"}
    assert engine.evaluate(happy, NOW).next_actions == () and engine.evaluate(happy, NOW).violations == ()
    negative = copy.deepcopy(happy)
    negative["rating"]["negative"] = True
    assert [a.action for a in engine.evaluate(negative, NOW).next_actions] == ["supervisor_contact"]


def test_no_reason_return_quotes_the_dates_and_the_tags(engine):
    (v,) = engine.evaluate(RECORDS["T20230602011"], NOW).violations
    assert v.evidence == {"tags_intact": "✗", "delivered_at": "2023-05-24T18:00:00+08:00",
                          "requested_at": "2023-06-02T20:00:00+08:00"}
    refused = copy.deepcopy(RECORDS["T20230602011"])
    refused["return_request"]["accepted"] = False  # refusing a return outside the policy is right
    assert engine.evaluate(refused, NOW).violations == ()


def test_complex_case_deadline_counts_from_opening(engine):
    rec = RECORDS["T20230602004"]
    early = engine.evaluate(rec, datetime(2023, 6, 3, 8, 59, tzinfo=SH))
    assert early.violations == () and early.next_actions[0].due == "2023-06-03T09:00:00+08:00"


def test_an_agent_quoting_phone_and_address_is_a_leak_and_the_evidence_is_masked(engine):
    (v,) = engine.evaluate(RECORDS["T20230602015"], NOW).violations
    assert (v.rule, v.path, v.evidence["number"], v.evidence["mobiles"]) == ("CS-privacy", "/messages/1/text", 2, 1)
    assert v.evidence["addresses"] >= 1
    assert "13812345678" not in str(v.to_dict()) and "138****5678" in v.evidence["excerpt"]


def test_reading_the_customers_own_new_address_back_is_not_a_leak(engine):
    rec = RECORDS["T20230602014"]  # used to fire CS-privacy: the agent confirms the address the customer just gave
    assert engine.evaluate(rec, NOW).violations == ()


def test_the_shops_return_address_and_a_masked_number_are_not_leaks(engine):
    rec = RECORDS["T20230602001"]
    assert any("菜鸟仓退货组" in m["text"] for m in rec["messages"] if m["from"] == "agent")
    assert engine.evaluate(rec, NOW).violations == ()
    # the customer giving their own number is not a leak either
    assert any("13912345678" in m["text"] for m in rec["messages"] if m["from"] == "customer")

"""The order checks ORD-07 (delay chased), ORD-12 (inspected before shipping), ORD-13 (exceptions at once), TPL-03 (tracking no.)
on examples/orders_fulfilment.jsonl: exact rules, clauses and states per record."""

import copy
from datetime import datetime

from .conftest import EXAMPLES, NOW, SH, read_jsonl
from .examplekit import example_suite

RECORDS = {r["id"]: r for r in read_jsonl(EXAMPLES / "orders_fulfilment.jsonl")}

EXPECTED = {  # order -> (state, rules that fire, clauses they cite)
    "DD20230602101": ("shipped", ["ORD-inspected-before-shipping"], ["ORD-12"]),
    "DD20230602102": ("shipped", ["ORD-inspected-before-shipping"], ["ORD-12"]),
    "DD20230529103": ("shipped", ["ORD-delay-chased"], ["ORD-07"]),
    "DD20230529104": ("shipped", [], []),
    "DD20230530105": ("delivered", ["ORD-delay-chased"], ["ORD-07"]),
    "DD20230601106": ("shipped", ["ORD-logistics-exception-at-once"], ["ORD-13"]),
    "DD20230601107": ("refunded", [], []),
    "DD20230602108": ("completed", [], []),
    "DD20230602109": ("completed", ["ORD-shipment-recorded"], ["ORD-05", "TPL-03"]),  # 108 without its tracking no.
}
NEW_CHECKS = ("ORD-inspected-before-shipping", "ORD-delay-chased", "ORD-logistics-exception-at-once", "ORD-shipment-recorded")


_suite = example_suite('order', RECORDS, EXPECTED)
test_every_example_is_expected = _suite.every_example_is_expected
test_each_example = _suite.each_example


def test_the_new_checks_leave_the_original_examples_alone(engine, orders):
    for rec in orders.values():
        assert not {v.rule for v in engine.evaluate(rec, NOW).violations} & set(NEW_CHECKS), rec["id"]


def test_inspection_evidence(engine):
    (v,) = engine.evaluate(RECORDS["DD20230602102"], NOW).violations
    assert v.evidence == {"index": 0, "shipped_at": "2023-06-02T16:00:00+08:00",
                          "inspected": ["2023-06-02T10:30:00+08:00"], "defects": ["缺件：鞋盒内缺少备用鞋带"]}
    (v,) = engine.evaluate(RECORDS["DD20230602101"], NOW).violations
    assert (v.evidence["inspected"], v.evidence["defects"]) == (["—"], ["—"])


def test_delay_is_measured_from_the_expected_delivery(engine):
    (v,) = engine.evaluate(RECORDS["DD20230529103"], NOW).violations
    assert (v.evidence["expected"], v.evidence["delay_h"], v.evidence["delivered"]) == ("2023-05-31T18:00:00+08:00", 66, "—")
    # 48 h after the expected time it is not yet a violation, a minute later it is
    assert engine.evaluate(RECORDS["DD20230529103"], datetime(2023, 6, 2, 18, 0, tzinfo=SH)).violations == ()
    assert [x.rule for x in engine.evaluate(RECORDS["DD20230529103"], datetime(2023, 6, 2, 18, 1, tzinfo=SH)).violations] == [
        "ORD-delay-chased"]


def test_exception_registered_within_the_hour_passes(engine):
    rec = copy.deepcopy(RECORDS["DD20230601106"])
    (v,) = engine.evaluate(rec, NOW).violations
    assert (v.severity, v.evidence["after_min"], v.evidence["kind"]) == ("warning", 150, "lost")
    rec["events"][-2]["at"] = "2023-06-02T10:00:00+08:00"
    assert engine.evaluate(rec, NOW).violations == ()


def test_a_shipment_without_tracking_number_is_quoted(engine):
    (v,) = engine.evaluate(RECORDS["DD20230602109"], NOW).violations
    assert (v.severity, v.evidence["carrier"], v.evidence["tracking_no"]) == ("warning", "顺丰速运", "—")


def test_a_refund_out_of_order_names_every_state_a_refund_may_follow(engine):
    """Five steps record a refund; the message named only the first one's on_hold. It names the states of
    every refund step that could apply (not placed: refunding a placed order needs a shortage behind it)."""
    rec = {"process": "order", "id": "T-refund-unclear-address", "placed_at": "2023-03-01T08:00:00+08:00",
           "payment_status": "refunded", "after_sale_status": "refunded", "phone": "13812341234",
           "address": {"text": "上海市浦东新区世纪大道100号", "remote": False},
           "events": [{"type": "exception_raised", "kind": "address_unclear", "at": "2023-03-01T09:30:00+08:00",
                       "actor": "oms", "role": "system"},
                      {"type": "customer_contacted", "at": "2023-03-01T10:00:00+08:00", "actor": "陈静", "role": "cs_agent"},
                      {"type": "refunded", "at": "2023-03-01T11:00:00+08:00", "actor": "陈静", "role": "cs_agent"}]}
    [v] = engine.evaluate(rec, datetime(2023, 3, 20, 12, tzinfo=SH)).violations
    assert v.rule == "refund_shortage.out_of_order"
    assert v.evidence["expected_states"] == ["on_hold", "logistics_exception", "delivered", "completed"]
    assert v.messages.en.endswith("not allowed in state placed; it follows on_hold, logistics_exception, delivered, completed")
    assert "应在 on_hold、logistics_exception、delivered、completed 之后" in v.messages.zh

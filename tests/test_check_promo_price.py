"""promo_price (MKT-12): strictly below the lowest price of the N days before the promotion, exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine.checks import CheckConfigError
from sopengine.checks.promo_price import PricePoint, PromoPriceCheck, lowest_price
from sopengine.chrono.instants import ValueProblem

from .checkkit import env, run


def campaign(promo, history, start="2023-06-01T00:00:00+08:00", sku="SKU-1"):
    item = {"sku": sku, "promo_price": promo}
    if history is not None:
        item["price_history"] = [{"date": d, "price": p} for d, p in history]
    return {"process": "campaign", "id": "C1", "starts_at": start, "ends_at": "2023-06-10T23:59:59+08:00",
            "items": [item]}


def check(**params) -> PromoPriceCheck:
    return PromoPriceCheck(params, env())


MANUAL_EXAMPLE = [("2023-05-02", "299.00"), ("2023-05-20", "279.00"), ("2023-05-25", "299.00")]


def test_the_records_example_passes():
    assert run(check(), campaign("259.00", MANUAL_EXAMPLE)) == []


def test_equal_to_the_minimum_fires_with_its_evidence():
    [hit] = run(check(), campaign("279.00", MANUAL_EXAMPLE))
    assert hit.suffix == "" and hit.severity is None and hit.path == "/items/0/promo_price"
    ev = hit.evidence
    assert (ev["sku"], ev["promo_price"], ev["minimum"], ev["minimum_date"]) == ("SKU-1", "279.00", "279.00", "2023-05-20")
    assert (ev["window_days"], ev["window_start"], ev["window_end"]) == (30, "2023-05-02", "2023-05-31")
    assert ev["difference"] == "0.00" and ev["minimum_source"] == "record"


def test_one_cent_below_passes_and_floats_are_read_exactly():
    assert run(check(), campaign("278.99", MANUAL_EXAMPLE)) == []
    # 0.1 + 0.2 as a JSON float is 0.30000000000000004: not below 0.3
    [hit] = run(check(), campaign(0.1 + 0.2, [("2023-05-10", "0.3")]))
    assert hit.evidence["promo_price"] == "0.30000000000000004"
    assert run(check(), campaign(0.29, [("2023-05-10", "0.3")])) == []


def test_breaking_the_seven_day_baseline_is_its_own_error():
    # in force in the last 7 days (05-25..05-31): 279 (since 05-20), then 259
    hist = [("2023-05-02", "199.00"), ("2023-05-20", "279.00"), ("2023-05-26", "259.00")]
    [hit] = run(check(), campaign("259.00", hist))
    assert hit.suffix == ":legal" and hit.severity == "error"
    assert hit.evidence["legal_minimum"] == "259.00" and hit.evidence["minimum"] == "199.00"
    # below the 7-day minimum but not the 30-day one: the manual's rule only
    [hit] = run(check(), campaign("239.00", hist))
    assert hit.suffix == "" and hit.evidence["legal_minimum"] == "259.00"
    # legal_window_days: null turns the distinction off
    [hit] = run(check(legal_window_days=None), campaign("259.00", hist))
    assert hit.suffix == "" and "legal_minimum" not in hit.evidence


def test_window_edges_without_carry_forward():
    c = check(carry_forward=False)
    assert len(run(c, campaign("100", [("2023-05-02", "100")]))) == 1  # 30th day before: inside
    assert run(c, campaign("100", [("2023-05-01", "100"), ("2023-05-15", "120")])) == []  # 31st day before: outside
    # the start day itself is not "before the promotion"
    [hit] = run(c, campaign("100", [("2023-06-01", "90")]))
    assert hit.suffix == ":unverifiable"


def test_a_change_log_price_still_in_force_counts():
    hist = [("2023-04-01", "199.00"), ("2023-05-20", "299.00")]
    [hit] = run(check(), campaign("249.00", hist))
    assert hit.evidence["minimum"] == "199.00"
    assert (hit.evidence["minimum_date"], hit.evidence["minimum_set_on"]) == ("2023-05-02", "2023-04-01")
    # an entry on the window's first day replaces the older price
    assert run(check(), campaign("249.00", hist + [("2023-05-02", "299.00")])) == []


def test_no_history_is_never_a_pass():
    for hist in (None, [], [("2023-03-01", "100")]):
        [hit] = run(check(carry_forward=False), campaign("50", hist))
        assert (hit.suffix, hit.severity) == (":unverifiable", "warning")
        assert "cannot verify" in hit.message.en and "无法核验" in hit.message.zh
    [hit] = run(check(outcomes={"unverifiable": {"severity": "error"}}), campaign("50", None))
    assert hit.severity == "error"


def test_start_is_a_day_in_the_process_zone():
    # 2023-05-31T17:00Z is 06-01 01:00 in Shanghai: the window ends 05-31
    [hit] = run(check(carry_forward=False), campaign("100", [("2023-05-31", "100")], start="2023-05-31T17:00:00Z"))
    assert hit.evidence["window_end"] == "2023-05-31"


def test_history_from_a_reference_table():
    table = {"SKU-1": [(date(2023, 5, 10), Decimal("189.00")), (date(2023, 6, 2), Decimal(10))]}
    [hit] = run(check(table="prices"), campaign("199.00", [("2023-05-20", "279.00")]), tables={"prices": table})
    assert (hit.evidence["minimum"], hit.evidence["minimum_source"]) == ("189.00", "table:prices")
    # only the table: the record's own history is not read
    c = check(table="prices", fields={"history": None})
    assert run(c, campaign("150", [("2023-05-20", "100")]), tables={"prices": table}) == []
    [hit] = run(c, campaign("150", None, sku="OTHER"), tables={"prices": table})
    assert hit.suffix == ":unverifiable"
    with pytest.raises(ValueProblem, match="--table prices="):
        run(c, campaign("150", None))


def test_items_without_a_promo_price_are_not_judged():
    rec = campaign("100", MANUAL_EXAMPLE)
    del rec["items"][0]["promo_price"]
    assert run(check(), rec) == []


def test_other_field_names():
    rec = {"process": "x", "id": "1", "start": "2023-06-01", "lines": [{"code": "A", "price": "10",
                                                                       "log": [{"day": "2023-05-30", "amount": "10"}]}]}
    c = check(fields={"start": "start", "items": "lines", "sku": "code", "promo_price": "price", "history": "log",
                      "date": "day", "price": "amount"})
    [hit] = run(c, rec)
    assert hit.path == "/lines/0/price" and hit.evidence["sku"] == "A"


@pytest.mark.parametrize("params, pointer", [
    ({"window_days": 5}, "/legal_window_days"),  # the default legal window (7) is longer
    ({"legal_window_days": 0}, "/legal_window_days"),
    ({"fields": {"history": None}}, "/fields/history"),
    ({"fields": {"items": "items[]"}}, "/fields/items"),
    ({"fields": {"sku": None}}, "/fields/sku"),
    ({"outcomes": {"nonsense": {}}}, "/outcomes/nonsense"),
])
def test_bad_params_are_load_errors_at_their_pointer(params, pointer):
    with pytest.raises(CheckConfigError) as ei:
        check(**params)
    assert ei.value.pointer == pointer


def test_record_level_paths_are_linted():
    seen: list = []
    PromoPriceCheck({}, env(seen))
    assert ("record.starts_at", "/fields/start") in seen and ("record.items", "/fields/items") in seen


# -- properties ------------------------------------------------------------------

START = date(2023, 6, 1)
entries = st.lists(st.tuples(st.integers(-70, 3), st.integers(1, 400)), max_size=12)


def oracle(points, window, promo, carry):
    """Day by day: the prices in force on each day of the window, from scratch."""
    pts = sorted(points, key=lambda e: e[0])
    seen = []
    for k in range(window):
        d = START - timedelta(days=window - k)
        today = [p for dd, p in pts if dd == d]
        if today:
            seen += today
        elif carry:
            before = [p for dd, p in pts if dd < d]
            seen += before[-1:]
    if not seen:
        return ":unverifiable"
    return None if promo < min(seen) else ""


@settings(max_examples=300, deadline=None)
@given(entries, st.integers(1, 40), st.integers(1, 400), st.booleans())
def test_matches_a_day_by_day_oracle(raw, window, promo_cents, carry):
    points = [(START + timedelta(days=off), Decimal(c) / 100) for off, c in raw]
    hist = [(d.isoformat(), str(p)) for d, p in points]
    c = check(window_days=window, legal_window_days=None, carry_forward=carry)
    hits = run(c, campaign(str(Decimal(promo_cents) / 100), hist))
    expected = oracle(points, window, Decimal(promo_cents) / 100, carry)
    assert [h.suffix for h in hits] == ([] if expected is None else [expected])


@settings(max_examples=200, deadline=None)
@given(entries, st.integers(1, 400))
def test_legal_outcome_exactly_when_the_seven_day_window_is_breached(raw, promo_cents):
    points = [(START + timedelta(days=off), Decimal(c) / 100) for off, c in raw]
    promo = Decimal(promo_cents) / 100
    hits = run(check(), campaign(str(promo), [(d.isoformat(), str(p)) for d, p in points]))
    legal = oracle(points, 7, promo, True)
    assert bool(hits and hits[0].suffix == ":legal") == (legal == "")


def test_lowest_price_prefers_the_most_recent_day_on_ties():
    pts = [PricePoint(date(2023, 5, d), Decimal(10), "record") for d in (3, 9)]
    assert lowest_price(pts, date(2023, 5, 1), date(2023, 6, 1), True).day == date(2023, 5, 9)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(5, 9)), max_size=8), st.integers(4, 10), st.booleans(),
       st.integers(2, 8), st.integers(0, 4))
def test_below_lowest_answers_as_lowest_price_does(entries, promo, carry, first_day, span):
    """The question asked of every priced item, answered without building the lowest price."""
    from sopengine.checks.promo_price import below_lowest

    pts = sorted((PricePoint(date(2023, 5, d), Decimal(p), "record") for d, p in entries), key=lambda p: p.day)
    first, end = date(2023, 5, first_day), date(2023, 5, first_day + span)
    low = lowest_price(pts, first, end, carry)
    assert below_lowest(Decimal(promo), pts, first, end, carry) == (low is not None and Decimal(promo) < low.price)


def test_a_record_without_items_is_answered_by_the_verdict_and_any_other_by_run():
    """The verdict says "nothing found" (True) only where the one-key items field is absent or null, where
    run finds nothing; for anything else it leaves the answer to run (None), and with another path it has none."""
    from .checkkit import context

    c = check()
    verdict = c.verdict()
    assert verdict is not None
    priced = campaign("299.00", [("2023-05-20", "279.00")])
    for items in ("absent", None, [], "not a list", {"sku": "x"}, priced["items"]):
        rec = {k: v for k, v in priced.items() if k != "items"} | ({} if items == "absent" else {"items": items})
        ctx = context(rec)
        said = verdict(ctx.variables)
        assert said is (True if items in ("absent", None) else None)
        assert (list(c.run(ctx)) == []) if said else True
    assert list(c.run(context(priced))) != []  # (the priced one fires: the verdict left it to run)
    assert check(fields={"items": "order.lines"}).verdict() is None


def test_the_evidence_is_json_as_written_for_every_outcome_and_any_sku():
    """The evidence is built as JSON (Decimals as their exact text, days in ISO 8601), what ``jsonable`` makes of
    the typed values: for the plain, legal and unverifiable outcomes, a SKU that is text, a number, a list or
    absent, and a history of Mappings that are not dicts, read as dicts are."""
    import json
    from types import MappingProxyType

    from sopengine.checks.evidence import jsonable

    legal = [("2023-05-02", "199.00"), ("2023-05-20", "279.00"), ("2023-05-26", "259.00")]
    for promo, hist in (("279.00", MANUAL_EXAMPLE), ("259.00", legal), ("10", None), (Decimal("279.000"), MANUAL_EXAMPLE)):
        for sku in ("SKU-1", 42, ["a", 1], None):
            rec = campaign(promo, hist, sku=sku)
            [hit] = run(check(), rec)
            ev = hit.evidence
            assert json.loads(json.dumps(ev)) == ev == jsonable(ev)
            assert ev["sku"] == ("?" if sku is None else sku)
            assert all(type(v) in (str, int) or k == "sku" for k, v in ev.items())
            if hist is not None:
                rec["items"][0]["price_history"] = [MappingProxyType(h) for h in rec["items"][0]["price_history"]]
                assert run(check(), rec) == [hit]
    [hit] = run(check(), campaign("279.00", MANUAL_EXAMPLE))
    assert hit.evidence["minimum_set_on"] == "2023-05-20" and hit.evidence["promotion_start"] == "2023-06-01"

"""Hypothesis: whatever JSON arrives, evaluate returns a result or an error, never raises."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import EXAMPLES, NOW, read_jsonl

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
ORDER_KEYS = ["process", "id", "placed_at", "amount", "payment_status", "address", "phone", "items", "events",
              "big_promotion", "after_sale_status"]
EVENT_TYPES = ["reviewed", "cross_checked", "allocated", "inspected", "packed", "shipped", "delivered",
               "receipt_confirmed", "exception_raised", "archived", "bogus"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_never_raises(engine, value):
    r = engine.evaluate(value, NOW)
    assert r.error is not None or r.state is not None
    json.dumps(r.to_dict())


order_like = st.fixed_dictionaries(
    {"process": st.just("order"), "id": st.text(min_size=1, max_size=8)},
    optional={k: json_values for k in ORDER_KEYS[2:]},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(order_like)
def test_order_shaped_json_never_raises(engine, value):
    r = engine.evaluate(value, NOW)
    assert r.error is None or not r.error.startswith("internal error"), r.error


events = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(EVENT_TYPES),
    "at": st.datetimes(timezones=st.just(NOW.tzinfo)).map(lambda d: d.isoformat()),
}, optional={"role": st.sampled_from(["warehouse", "ops_specialist", "system", "customer", ""]),
             "actor": st.text(max_size=5), "kind": st.sampled_from(["lost", "address_unclear", 3])}), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events)
def test_any_event_history_replays_to_a_known_state(engine, evs):
    rec = copy.deepcopy(read_jsonl(EXAMPLES / "orders.jsonl")[0])
    rec["events"] = evs
    r = engine.evaluate(rec, NOW)
    assert r.error is None or not r.error.startswith("internal error"), r.error
    if r.error is None:
        assert r.state in engine.versions("order")[0].states

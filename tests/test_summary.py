"""``Summary.add`` tallies results as counting them one by one says, whatever their order: records, errors,
violations by severity and the worst severity (which stops being asked once it is "error")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sopengine.report.base import Summary
from sopengine.results import SEVERITY_RANK, Result, Text, Violation

severities = st.sampled_from(["error", "warning", "info"])
violations = st.builds(lambda s: Violation("r", s, (), Text("zh", "en")), severities)
results = st.builds(lambda e, vs: Result("id", "order", "1", None, violations=tuple(vs), error=e),
                    st.none() | st.just("broken"), st.lists(violations, max_size=3))


@given(st.lists(results, max_size=8))
def test_a_summary_counts_what_its_results_hold(rs: list[Result]) -> None:
    s = Summary()
    for r in rs:
        s.add(r)
    worst = [w for r in rs if (w := ("error" if r.error is not None else
                                     max((v.severity for v in r.violations), key=SEVERITY_RANK.__getitem__, default=None)))]
    assert (s.records, s.errors) == (len(rs), sum(r.error is not None for r in rs))
    assert s.by_severity == {k: sum(v.severity == k for r in rs for v in r.violations) for k in ("error", "warning", "info")}
    assert s.worst == max(worst, key=SEVERITY_RANK.__getitem__, default=None)

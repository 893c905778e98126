"""Versions in force (issue 7): every record judged by the rules that applied to it.

A compliance answer is only worth something if it says *which* rules it applied
and can be reproduced later: these tests pin down how a version is chosen (at
the boundaries, pinned, explained), that a record no version covers is an
error rather than a silent default, that a rules tree with ambiguous versions
does not load, that the digest stamped on a result moves with the definition
and nothing else, and that a result from an older commit's rules comes out
identical today.
"""

from __future__ import annotations

import io
import json
import pickle
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import sopengine
from sopengine.checks import REGISTRY, CheckType
from sopengine.cli import main
from sopengine.errors import DefinitionError
from sopengine.loader import parse_yaml
from sopengine.policy import Policy

from .conftest import EXAMPLES, MINI, NOW, ROOT, SH, read_jsonl


@pytest.fixture(scope="module")
def engine(core_engine):
    """Digests here are the rules' own: no configuration (a profile or shop configuration is folded into them)."""
    return core_engine


FROM_1_0 = "effective_from: 2023-01-01T00:00:00+08:00\n"
FROM_1_1 = "effective_from: 2024-01-01T00:00:00+08:00\n"


def definition(version: str = "1.0.0", extra: str = "", body: str = MINI) -> str:
    """The minimal order process of conftest as ``version``, with ``extra`` top-level keys after the version."""
    assert "version: 1.0.0\n" in body
    return body.replace("version: 1.0.0\n", f"version: {version}\n{extra}", 1)


def order(placed_at: str | None, **more: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"process": "order", "id": "V1", "events": []}
    if placed_at is not None:
        rec["placed_at"] = placed_at
    rec.update(more)
    return rec


def two_versions(tree) -> sopengine.Engine:
    """1.0.0 from 2023-01-01 and 1.1.0 from 2024-01-01 (Shanghai); 1.0.0 ends implicitly where 1.1.0 starts."""
    tree("order-1.0.0.yaml", definition("1.0.0", FROM_1_0))
    tree("order-1.1.0.yaml", definition("1.1.0", FROM_1_1, MINI.replace("within: 24h", "within: 48h")))
    return sopengine.load(tree.root)


def line_of(path: Path, startswith: str) -> int:
    """1-based line of the first line of ``path`` starting with ``startswith``: findings must point there."""
    for n, text in enumerate(path.read_text("utf-8").splitlines(), 1):
        if text.startswith(startswith):
            return n
    raise AssertionError(f"{startswith!r} not in {path}")


def load_errors(root: Path) -> str:
    with pytest.raises(DefinitionError) as ei:
        sopengine.load(root)
    return str(ei.value)


# -- 1. selection -------------------------------------------------------------

@pytest.mark.parametrize("placed_at, version", [
    ("2023-01-01T00:00:00+08:00", "1.0.0"),   # exactly at the first version's start
    ("2023-12-31T23:59:59+08:00", "1.0.0"),   # one second before 1.1.0
    ("2024-01-01T00:00:00+08:00", "1.1.0"),   # exactly at effective_from: the new version
    ("2023-12-31T15:59:59Z", "1.0.0"),        # the same instants written in UTC
    ("2023-12-31T16:00:00Z", "1.1.0"),
    ("2024-01-01 00:00:00", "1.1.0"),         # no offset: wall time in the process's zone
    ("2023-12-31 23:59:59", "1.0.0"),
    ("2031-06-01T00:00:00+08:00", "1.1.0"),   # the latest version has no end
])
def test_the_version_in_force_at_the_deciding_instant_judges_the_record(tree, placed_at, version):
    """The boundary is inclusive at effective_from and exclusive one second before, in any offset."""
    engine = two_versions(tree)
    r = engine.evaluate(order(placed_at), NOW)
    assert r.error is None, r.error
    assert (r.process, r.version) == ("order", version)
    assert r.digest == engine.process("order", version).digest


def test_a_remembered_choice_is_the_choice_of_those_versions_for_that_text(tree):
    """The choice by a text is remembered (deciding values recur): asked again, of the same versions, it is the
    same version and reason; of other versions (another engine, other periods), theirs; never another's."""
    from sopengine.versions import choose

    engine = two_versions(tree)
    versions = engine.versions("order")
    for placed_at, version in [("2023-12-31T23:59:59+08:00", "1.0.0"), ("2024-01-01T00:00:00+08:00", "1.1.0")]:
        first = choose("order", versions, order(placed_at))
        again = choose("order", versions, order(placed_at))
        assert first == again and first[0].version == version and placed_at in first[1]
        only = versions[:1]  # 1.0.0 alone: in force from 2023 with no end
        assert choose("order", only, order(placed_at))[0] is only[0]
        assert "order2" in choose("order2", versions, order(placed_at))[1]
        assert engine.evaluate(order(placed_at), NOW).version == version
    with pytest.raises(LookupError):  # refused every time, never remembered
        choose("order", versions, order("2022-06-01T00:00:00+08:00"))
    with pytest.raises(LookupError):
        choose("order", versions, order("2022-06-01T00:00:00+08:00"))


def test_versions_differ_in_what_they_decide(tree):
    """The two scratch versions really judge differently (24 h vs 48 h to ship), so choosing matters."""
    engine = two_versions(tree)
    late = {"events": [{"type": "reviewed", "at": "2024-01-01T01:00:00+08:00", "role": "ops_specialist", "actor": "a"},
                       {"type": "shipped", "at": "2024-01-02T12:00:00+08:00", "role": "warehouse", "actor": "b"}]}
    new = engine.evaluate(order("2024-01-01T00:00:00+08:00", **late), NOW)
    old = engine.evaluate(order("2024-01-01T00:00:00+08:00", **late), NOW, version="1.0.0")
    assert [v.rule for v in new.violations] == [] and [v.rule for v in old.violations] == ["ship.late"]
    assert new.digest != old.digest


def test_effective_until_is_exclusive_and_a_gap_is_an_error(tree):
    """A version with an explicit end stops applying at that instant; no version silently covers the gap."""
    tree("a.yaml", definition("1.0.0", FROM_1_0 + "effective_until: 2023-07-01T00:00:00+08:00\n"))
    tree("b.yaml", definition("1.1.0", FROM_1_1))
    engine = sopengine.load(tree.root)
    assert engine.evaluate(order("2023-06-30T23:59:59+08:00"), NOW).version == "1.0.0"
    gap = engine.evaluate(order("2023-07-01T00:00:00+08:00"), NOW)
    assert gap.version is None and gap.state is None and gap.digest is None and gap.violations == ()
    assert "no version of 'order' is in force at 2023-07-01T00:00:00+08:00" in gap.error
    assert "1.0.0 in force from 2023-01-01T00:00:00+08:00 until 2023-07-01T00:00:00+08:00" in gap.error
    assert "1.1.0 in force from 2024-01-01T00:00:00+08:00 with no end" in gap.error
    assert engine.evaluate(order("2023-12-31T23:59:59+08:00"), NOW).error is not None
    assert engine.evaluate(order("2024-01-01T00:00:00+08:00"), NOW).version == "1.1.0"


def test_an_explicit_end_before_the_next_start_is_used_not_the_implicit_one(tree):
    """effective_until wins over the next version's start when it comes first (the record in between is an error)."""
    tree("a.yaml", definition("1.0.0", FROM_1_0 + "effective_until: 2023-12-31T00:00:00+08:00\n"))
    tree("b.yaml", definition("1.1.0", FROM_1_1))
    engine = sopengine.load(tree.root)
    assert engine.evaluate(order("2023-12-30T23:59:59+08:00"), NOW).version == "1.0.0"
    assert "is in force at 2023-12-31T12:00:00+08:00" in engine.evaluate(order("2023-12-31T12:00:00+08:00"), NOW).error


@pytest.mark.parametrize("files", [
    {"a.yaml": definition("1.0.0", FROM_1_0), "b.yaml": definition("1.1.0", FROM_1_1)},
    {"a.yaml": definition("1.0.0", FROM_1_0)},  # a single version with a start is no default either
])
def test_a_record_before_the_first_version_is_an_error_never_a_default(tree, files):
    """An order placed before any rules applied cannot be judged by the earliest rules as if they did."""
    for name, text in files.items():
        tree(name, text)
    engine = sopengine.load(tree.root)
    r = engine.evaluate(order("2022-12-31T23:59:59+08:00"), NOW)
    assert r.error == ("cannot choose a version of 'order' by placed_at: 2022-12-31T23:59:59+08:00 is before the first "
                       "version of 'order' (1.0.0, in force from 2023-01-01T00:00:00+08:00)")
    assert (r.process, r.version, r.state, r.digest, r.violations) == ("order", None, None, None, ())
    assert r.worst() == "error"


@pytest.mark.parametrize("record, needle", [
    (order(None), "'placed_at' is a required property (it decides which version applies)"),
    (order("last tuesday"), "/placed_at: not an RFC 3339 timestamp: 'last tuesday'"),
    (order("2023-13-45T10:00:00"), "/placed_at: not a valid timestamp"),
])
def test_a_missing_or_unreadable_deciding_field_is_an_error_result(tree, record, needle):
    """Without its deciding instant a record's version is unknown: an error naming the field, not an exception."""
    engine = two_versions(tree)
    r = engine.evaluate(record, NOW)
    assert r.error is not None and r.error.startswith("cannot choose a version of 'order' by placed_at: ")
    assert needle in r.error and r.version is None


def test_version_by_latest_event_decides_by_the_newest_event(tree):
    """version_by overrides start_field; latest_event picks the newest event time, in any order given."""
    tree("a.yaml", definition("1.0.0", FROM_1_0 + "version_by: latest_event\n"))
    tree("b.yaml", definition("1.1.0", FROM_1_1 + "version_by: latest_event\n"))
    engine = sopengine.load(tree.root)
    events = [{"type": "shipped", "at": "2024-01-01T00:00:00+08:00", "role": "warehouse", "actor": "b"},
              {"type": "reviewed", "at": "2023-12-31T20:00:00+08:00", "role": "ops_specialist", "actor": "a"}]
    r = engine.evaluate(order("2023-12-31T19:00:00+08:00", events=events), NOW)
    assert r.version == "1.1.0" and r.trace[0].startswith("version: latest_event = 2024-01-01T00:00:00+08:00 falls in order 1.1.0")
    r = engine.evaluate(order("2023-12-31T19:00:00+08:00", events=events[1:]), NOW)
    assert r.version == "1.0.0"
    r = engine.evaluate(order("2023-12-31T19:00:00+08:00"), NOW)
    assert r.error == ("cannot choose a version of 'order' by latest_event: the record has no event with a time "
                       "(latest_event decides which version applies)")
    bad = [{"type": "shipped", "at": "soon", "role": "warehouse"}]
    assert "/events/0/at: not an RFC 3339 timestamp" in engine.evaluate(order("2023-12-31T19:00:00+08:00", events=bad), NOW).error


def test_pinning_overrides_the_date_and_says_what_the_date_would_choose(tree):
    """version= judges every record by one version (e.g. to re-run an old audit), and the trace keeps the in-force answer."""
    engine = two_versions(tree)
    r = engine.evaluate(order("2024-03-01T00:00:00+08:00"), NOW, version="1.0.0")
    assert r.version == "1.0.0" and r.digest == engine.process("order", "1.0.0").digest
    assert r.trace[0].startswith("version: order 1.0.0 pinned by the caller (by placed_at = 2024-03-01T00:00:00+08:00 "
                                 "the version in force would be 1.1.0); defined in ")
    assert r.trace[0].endswith("order-1.0.0.yaml:4")
    same = engine.evaluate(order("2023-03-01T00:00:00+08:00"), NOW, version="1.0.0")
    assert "(also the version in force at placed_at = 2023-03-01T00:00:00+08:00)" in same.trace[0]
    early = engine.evaluate(order("2020-01-01T00:00:00+08:00"), NOW, version="1.1.0")
    assert early.version == "1.1.0" and early.error is None
    assert "(placed_at chooses no version: 2020-01-01T00:00:00+08:00 is before the first version" in early.trace[0]


def test_pinning_an_unknown_version_is_an_error_naming_the_versions_that_exist(tree):
    """A typo in --version must not fall back to the date-chosen version."""
    engine = two_versions(tree)
    r = engine.evaluate(order("2024-03-01T00:00:00+08:00"), NOW, version="1.2.0")
    assert r.error == "process 'order' has no version '1.2.0'; it has 1.0.0, 1.1.0"
    assert r.version is None and r.digest is None
    with pytest.raises(LookupError, match="it has 1.0.0, 1.1.0"):
        engine.process("order", "2.0.0")


def test_engine_process_lookups(tree):
    """The library API: latest by default, by instant (aware only), by version."""
    engine = two_versions(tree)
    assert [p.version for p in engine.versions("order")] == ["1.0.0", "1.1.0"]
    assert engine.process("order").version == "1.1.0"
    assert engine.process("order", at=datetime(2023, 12, 31, 23, 59, 59, tzinfo=SH)).version == "1.0.0"
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.process("order", at=datetime(2024, 1, 1))
    with pytest.raises(LookupError, match="before the first version"):
        engine.process("order", at=datetime(2022, 1, 1, tzinfo=SH))


def test_the_only_version_without_a_period_judges_every_record_and_says_so(tree):
    """A tree with a single undated version (the spine's shape) keeps working, and explains itself."""
    tree("order.yaml", definition())
    r = sopengine.load(tree.root).evaluate(order("1999-01-01T00:00:00+08:00"), NOW)
    assert r.version == "1.0.0"
    assert r.trace[0].startswith("version: order 1.0.0 is the only version and has no effective period; defined in ")
    assert r.trace[0].endswith("order.yaml:4")


def test_the_trace_explains_the_choice(tree):
    """--explain's first line names the deciding field and value, the version's period and why it ends, and the file."""
    engine = two_versions(tree)
    old = engine.evaluate(order("2023-12-31T23:59:59+08:00"), NOW).trace[0]
    assert old.startswith("version: placed_at = 2023-12-31T23:59:59+08:00 falls in order 1.0.0, in force from "
                          "2023-01-01T00:00:00+08:00 until 2024-01-01T00:00:00+08:00 (exclusive; when 1.1.0 takes effect); "
                          "defined in ")
    assert old.endswith("order-1.0.0.yaml:4")
    new = engine.evaluate(order("2024-01-01T00:00:00+08:00"), NOW).trace[0]
    assert new.startswith("version: placed_at = 2024-01-01T00:00:00+08:00 falls in order 1.1.0, in force from "
                          "2024-01-01T00:00:00+08:00 with no end; defined in ")
    assert new.endswith("order-1.1.0.yaml:4")


# -- 1b. load errors ----------------------------------------------------------

@pytest.mark.parametrize("a_extra, b_extra, a_key, b_key, why", [
    ("", "", "version:", "version:", "neither has an effective_from, so both apply since always"),
    (FROM_1_1, FROM_1_1, "effective_from:", "effective_from:", "both take effect at 2024-01-01T00:00:00+08:00"),
    (FROM_1_0 + "effective_until: 2024-01-01T00:00:01+08:00\n", FROM_1_1, "effective_until:", "effective_from:",
     "1.0.0 applies until 2024-01-01T00:00:01+08:00 but 1.1.0 takes effect at 2024-01-01T00:00:00+08:00"),
    ("", FROM_1_1.replace("+08:00", "Z"), "version:", "effective_from:", None),  # no overlap: since always, then 1.1.0
    (FROM_1_0 + "effective_until: 2024-01-01T00:00:00+08:00\n", FROM_1_1, "", "", None),  # touching is not overlapping
])
def test_overlapping_periods_are_a_load_error_naming_both_files_and_lines(tree, a_extra, b_extra, a_key, b_key, why):
    """Two versions in force at once would make the answer depend on file order: refuse to load, point at both."""
    a = tree("a.yaml", definition("1.0.0", a_extra))
    b = tree("b.yaml", definition("1.1.0", b_extra))
    if why is None:
        assert [p.version for p in sopengine.load(tree.root).versions("order")] == ["1.0.0", "1.1.0"]
        return
    text = load_errors(tree.root)
    la, lb = line_of(a, a_key), line_of(b, b_key)
    assert f"versions 1.0.0 and 1.1.0 of process 'order' overlap in time: {why}" in text
    assert f"({a}:{la}:" in text and f" and {b}:{lb}:" in text
    assert text.count("overlap in time") == 1


def test_an_overlap_with_a_version_that_is_not_the_next_is_reported_too(tree):
    """1.0.0 running past 1.2.0's start overlaps 1.1.0 and 1.2.0; both pairs are named, not only neighbours."""
    tree("a.yaml", definition("1.0.0", FROM_1_0 + "effective_until: 2025-01-01T00:00:00+08:00\n"))
    tree("b.yaml", definition("1.1.0", FROM_1_1))
    tree("c.yaml", definition("1.2.0", "effective_from: 2024-06-01T00:00:00+08:00\n"))
    text = load_errors(tree.root)
    assert "versions 1.0.0 and 1.1.0 of process 'order' overlap" in text
    assert "versions 1.0.0 and 1.2.0 of process 'order' overlap" in text


def test_the_same_version_twice_is_a_load_error_naming_both_files(tree):
    """Two files claiming order 1.0.0 make a result's version stamp ambiguous."""
    a = tree("a.yaml", definition("1.0.0", FROM_1_0))
    b = tree("b.yaml", definition("1.0.0", FROM_1_1))
    text = load_errors(tree.root)
    la, lb = line_of(a, "version:"), line_of(b, "version:")
    assert f"{b}:{lb}:10: error: process 'order' version 1.0.0 is defined twice (also at {a}:{la}:10)" in text


def test_versions_that_disagree_on_what_decides_the_version_do_not_load(tree):
    """The deciding field is read before a version is known, so every version must agree on it."""
    a = tree("a.yaml", definition("1.0.0", FROM_1_0 + "version_by: latest_event\n"))
    b = tree("b.yaml", definition("1.1.0", FROM_1_1))
    text = load_errors(tree.root)
    assert "versions 1.0.0 and 1.1.0 of process 'order' disagree on what decides the version" in text
    assert f"latest_event at {a}:{line_of(a, 'version_by:')}:" in text and f"placed_at at {b}:{line_of(b, 'version:')}:" in text


def test_an_end_before_the_start_is_a_load_error(tree):
    """An empty period is a typo, not a version that never applies."""
    a = tree("a.yaml", definition("1.0.0", FROM_1_1 + "effective_until: 2023-01-01T00:00:00+08:00\n"))
    text = load_errors(tree.root)
    assert f"{a}:{line_of(a, 'effective_until:')}:" in text and "effective_until must be after effective_from" in text


# -- 1c. --explain and --version on the command line --------------------------

def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def versioned_inputs(tree, tmp_path):
    """A two-version scratch tree and a JSON Lines file with one order on each side of 2024-01-01."""
    two_versions(tree)
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(json.dumps(order(at, id=rid)) for rid, at in
                           [("OLD", "2023-12-31T23:59:59+08:00"), ("NEW", "2024-01-01T00:00:00+08:00"),
                            ("EARLY", "2022-06-01T00:00:00+08:00")]) + "\n", "utf-8")
    return str(tree.root), str(p)


def test_explain_prints_the_version_choice_in_text(capsys, versioned_inputs):
    """--explain shows, under each record, which version judged it and why; without it the trace stays out."""
    rules, inp = versioned_inputs
    code, out, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00", "--explain")
    assert code == 1  # EARLY is an error result
    assert "OLD (order 1.0.0)" in out and "NEW (order 1.1.0)" in out
    assert "  trace   version: placed_at = 2023-12-31T23:59:59+08:00 falls in order 1.0.0, in force from " in out
    assert "  trace   version: placed_at = 2024-01-01T00:00:00+08:00 falls in order 1.1.0, in force from " in out
    assert "cannot choose a version of 'order' by placed_at: 2022-06-01T00:00:00+08:00 is before the first version" in out
    _, plain, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00")
    assert "trace" not in plain


def test_explain_json_carries_the_trace_and_version_pins(capsys, versioned_inputs):
    """JSON results carry trace only with --explain; --version judges all by one version and says it was pinned."""
    rules, inp = versioned_inputs
    _, out, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00", "--format", "json", "--explain")
    res = {r["record"]: r for r in json.loads(out)}
    assert res["OLD"]["version"] == "1.0.0" and res["NEW"]["version"] == "1.1.0"
    assert res["NEW"]["trace"][0].startswith("version: placed_at = 2024-01-01T00:00:00+08:00 falls in order 1.1.0")
    assert res["EARLY"]["version"] is None and "before the first version" in res["EARLY"]["error"]
    _, out, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00", "--format", "json")
    assert all("trace" not in r for r in json.loads(out))
    code, out, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00", "--format", "json",
                           "--explain", "--process-version", "1.0.0")
    res = {r["record"]: r for r in json.loads(out)}
    assert {r["version"] for r in res.values()} == {"1.0.0"} and code == 0
    assert res["NEW"]["trace"][0].startswith("version: order 1.0.0 pinned by the caller (by placed_at = "
                                             "2024-01-01T00:00:00+08:00 the version in force would be 1.1.0)")
    code, out, _ = run_cli(capsys, "check", inp, "--rules", rules, "--now", "2024-06-01T00:00:00+08:00", "--format", "json",
                           "--process-version", "3.0.0")
    assert code == 1 and {r["error"] for r in json.loads(out)} == {"process 'order' has no version '3.0.0'; it has 1.0.0, 1.1.0"}


# -- 2. the digest ------------------------------------------------------------

def digest_of(root: Path, version: str = "1.0.0") -> str:
    return sopengine.load(root).process("order", version).digest


def reformatted(text: str) -> str:
    """The same data as ``text`` written differently: JSON (valid YAML), keys reversed, comments, another indent."""
    doc, findings = parse_yaml(text, "x.yaml")
    assert doc is not None and not findings

    def rev(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: rev(v[k]) for k in reversed(list(v))}
        if isinstance(v, list):
            return [rev(x) for x in v]
        return v

    return "# reformatted: keys reversed, JSON flow style\n" + json.dumps(rev(doc.data), ensure_ascii=False, indent=3) + "\n# end\n"


def test_digest_ignores_layout_comments_key_order_and_file_name(tree, tmp_path):
    """The digest is of the parsed data (canonical JSON), so re-indenting or commenting a file is not a new definition."""
    tree("order.yaml", definition())
    before = digest_of(tree.root)
    (tree.root / "order.yaml").unlink()
    tree("elsewhere/renamed.yaml", reformatted(definition()))
    assert "# reformatted" in (tree.root / "elsewhere/renamed.yaml").read_text("utf-8")
    assert digest_of(tree.root) == before
    (tree.root / "elsewhere/renamed.yaml").unlink()
    tree("order.yaml", definition().replace("roles: [ops_specialist, warehouse]",
                                            "roles:   # who acts\n  - ops_specialist\n  - 'warehouse'"))
    assert digest_of(tree.root) == before


@pytest.mark.parametrize("old, new", [
    ("within: 24h", "within: 25h"),                       # a threshold
    ("roles: [warehouse]", "roles: [warehouse, ops_specialist]"),
    ("title: {zh: 订单, en: Order}", "title: {zh: 订单, en: Orders}"),  # text that results quote
    ("sla: {within: 24h, from: {field: placed_at}}", "sla: {within: 24h}"),
])
def test_digest_changes_when_the_definition_changes(tree, old, new):
    """Anything that can change a result (or what a result says) is part of the definition's content."""
    tree("order.yaml", definition())
    before = digest_of(tree.root)
    assert old in definition()
    tree("order.yaml", definition().replace(old, new))
    assert digest_of(tree.root) != before


def test_digest_changes_with_the_record_schema(tree):
    """The record schema decides which records are accepted and read how, so it is covered."""
    tree("order.yaml", definition())
    before = digest_of(tree.root)
    schema_path = tree.root.parent / "schemas" / "records" / "order.schema.json"
    schema = json.loads(schema_path.read_text("utf-8"))
    schema["properties"]["amount"] = {"type": "string"}
    schema_path.write_text(json.dumps(schema), "utf-8")
    after = digest_of(tree.root)
    assert after != before
    other = tree.root.parent / "schemas" / "records" / "campaign.schema.json"
    other.write_text(json.dumps({**json.loads(other.read_text("utf-8")), "description": "changed"}), "utf-8")
    schema_path.write_text(json.dumps(schema, indent=1), "utf-8")
    assert digest_of(tree.root) == after  # another process's schema, and layout, do not count


def test_digest_changes_with_a_schema_the_record_schema_refers_to(tree):
    """common.schema.json defines the order's timestamps and money: changing it changes which records pass."""
    tree("order.yaml", definition())
    before = digest_of(tree.root)
    common = tree.root.parent / "schemas" / "records" / "common.schema.json"
    data = json.loads(common.read_text("utf-8"))
    data["$defs"]["money"] = {"type": "string"}
    common.write_text(json.dumps(data), "utf-8")
    assert digest_of(tree.root) != before


CALENDAR = """
apiVersion: sopengine/v1
kind: Calendar
id: {id}
title: {{zh: 工作日, en: Working days}}
base: weekdays
timezone: Asia/Shanghai
{extra}
"""


def test_digest_covers_the_calendar_it_uses_and_no_other(tree):
    """A process's calendar changes its deadlines; a calendar it does not use cannot change its results."""
    tree("cal/work.yaml", CALENDAR.format(id="work", extra=""))
    tree("cal/other.yaml", CALENDAR.format(id="other", extra=""))
    tree("order.yaml", definition("1.0.0", "calendar: work\n"))
    before = digest_of(tree.root)
    tree("cal/other.yaml", CALENDAR.format(id="other", extra="extra_days_off: [{date: 2024-01-02, reason: x}]"))
    assert digest_of(tree.root) == before
    tree("cal/work.yaml", CALENDAR.format(id="work", extra="extra_days_off: [{date: 2024-01-02, reason: x}]"))
    assert digest_of(tree.root) != before


class _UsesCalendarData(CheckType):
    """A check type that reads a named resource, as vocabulary- or table-driven checks do; it never fires."""

    name = "uses_resource_for_test"

    def __init__(self, params: Mapping[str, Any], env: Any) -> None:
        super().__init__(params, env)
        self.calendar = params["calendar"]
        env.resource("calendar", self.calendar)  # LookupError for a missing one, as a real check would

    def run(self, ctx: Any) -> Iterable[Any]:
        return ()

    def resources(self) -> Iterable[tuple[str, str]]:
        return [("calendar", self.calendar)]


def test_digest_covers_the_resources_its_checks_declare_and_no_other(tree, monkeypatch):
    """compile.py hashes the data of every resource a check declares; an unrelated resource of the tree is left out."""
    monkeypatch.setitem(REGISTRY, _UsesCalendarData.name, _UsesCalendarData)
    check = ("checks:\n  - id: USES\n    severity: info\n    clauses: [ORD-02]\n    type: uses_resource_for_test\n"
             "    params: {calendar: used}\n    message: {zh: 无, en: none}\n")
    tree("used.yaml", CALENDAR.format(id="used", extra=""))
    tree("unused.yaml", CALENDAR.format(id="unused", extra=""))
    tree("order.yaml", definition() + check)
    before = digest_of(tree.root)
    tree("unused.yaml", CALENDAR.format(id="unused", extra="weekly_working_days: [mon]"))
    assert digest_of(tree.root) == before
    tree("used.yaml", CALENDAR.format(id="used", extra="weekly_working_days: [mon]"))
    assert digest_of(tree.root) != before


def test_every_result_carries_its_versions_digest(tree):
    """The stamp on a result is the digest of exactly the version that judged it, error results included."""
    engine = two_versions(tree)
    for at, v in (("2023-05-01T00:00:00+08:00", "1.0.0"), ("2024-05-01T00:00:00+08:00", "1.1.0")):
        ok = engine.evaluate(order(at), NOW)
        bad = engine.evaluate(order(at, amount="abc"), NOW)  # judged by the version, rejected by its schema
        assert ok.digest == bad.digest == engine.process("order", v).digest
        assert bad.error is not None and bad.version == v


# -- 3. reproducibility -------------------------------------------------------

GOLDEN_COMMIT = "1a2c7a49f0f12d33dc1b74c89de1ca25e0450f5d"
GOLDEN = ROOT / "tests" / "golden" / "orders-1a2c7a4.json"
GOLDEN_NOW = "2023-06-03T12:00:00+08:00"


def git_snapshot(commit: str, dest: Path, paths: Iterable[str]) -> None:
    """Extract ``paths`` as they were at ``commit`` (what an auditor does with ``git archive``); skip only without git."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot read an older commit's rules")
    inside = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        pytest.skip(f"{ROOT} is not a git checkout (e.g. an unpacked sdist): no history to reproduce from")
    proc = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, *paths], capture_output=True, check=False)
    assert proc.returncode == 0, (f"git archive {commit} failed: {proc.stderr.decode(errors='replace').strip()}; "
                                  "the repository needs its full history (CI: actions/checkout with fetch-depth: 0)")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(dest, filter="data")


def test_results_from_an_older_commit_are_reproduced_identically(tmp_path, capsys, monkeypatch):
    """The audit procedure of docs/versions.md: take the rules, schemas and inputs of the commit a result came from,
    run today's sopengine on them at the same --now, and get byte-identical JSON (digests included).

    The golden file was written by sopengine *as of that commit* (its own code, not today's), so this also proves
    that later changes to the engine did not change what those rules say. If it fails after an intended change of
    output, old results are no longer reproducible with this release: say so in the changelog before updating it.
    """
    git_snapshot(GOLDEN_COMMIT, tmp_path, ["rules", "schemas", "examples"])
    assert sorted(p.name for p in (tmp_path / "rules").rglob("*.yaml")) == ['cn.yaml', 'manual.yaml', 'order-1.1.0.yaml', 'order.test.yaml', 'order.yaml', 'order_paths.test.yaml', 'promotions.yaml']
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "check", "examples/orders.jsonl", "--rules", "rules", "--now", GOLDEN_NOW, "--format", "json")
    assert code == 1, err
    assert out == GOLDEN.read_text("utf-8")
    golden = json.loads(out)
    assert len(golden) == 13 and {r["digest"] for r in golden} == {sopengine.load("rules").process("order", "1.0.0").digest}


def test_one_changed_threshold_in_the_older_rules_changes_the_golden_digest(tmp_path):
    """The older commit's order 1.0.0 and a copy with one threshold changed stamp different digests: a result names
    the rules it came from, not merely their version number."""
    git_snapshot(GOLDEN_COMMIT, tmp_path, ["rules", "schemas"])
    golden_digest = json.loads(GOLDEN.read_text("utf-8"))[0]["digest"]
    assert digest_of(tmp_path / "rules") == golden_digest
    p = tmp_path / "rules" / "processes" / "order.yaml"
    text = p.read_text("utf-8")
    assert "duration('17520h')" in text
    p.write_text(text.replace("duration('17520h')", "duration('17521h')"), "utf-8")
    assert digest_of(tmp_path / "rules") != golden_digest


def test_the_rules_as_they_are_now_give_the_same_results_from_a_copy_anywhere(engine, orders, tmp_path):
    """Nothing stored: today's rules and schemas copied to another directory give identical results and digests,
    so a result depends on the content of the rule files, never on where they were read from."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    copy_engine = sopengine.load(tmp_path / "rules")
    for rec in orders.values():
        assert copy_engine.evaluate(rec, NOW).to_dict() == engine.evaluate(rec, NOW).to_dict()
    assert {(p.key, p.digest) for p, _ in copy_engine.rules()} == {(p.key, p.digest) for p, _ in engine.rules()}


def test_an_unpickled_engine_has_the_same_versions_and_digests(tree):
    """Engines cross process boundaries as their sources; the rebuilt one must stamp the same digests."""
    engine = two_versions(tree)
    clone = pickle.loads(pickle.dumps(engine))
    assert [(p.version, p.digest, p.effective_from) for p in clone.versions("order")] == \
           [(p.version, p.digest, p.effective_from) for p in engine.versions("order")]
    rec = order("2024-01-01T00:00:00+08:00")
    assert clone.evaluate(rec, NOW).to_dict(trace=True) == engine.evaluate(rec, NOW).to_dict(trace=True)


def test_the_bundled_engine_unpickles_with_equal_digests(engine):
    """The same for the shipped rules, every process and version."""
    clone = pickle.loads(pickle.dumps(engine))
    assert {p.key: p.digest for p, _ in clone.rules()} == {p.key: p.digest for p, _ in engine.rules()}
    assert clone.process_ids == engine.process_ids


# -- 4. the bundled rules: order 1.0.0 and 1.1.0, the archive retention a parameter --------------

VERSIONS_NOW = datetime(2024, 12, 1, 12, 0, tzinfo=SH)
VERSIONS_FILE = EXAMPLES / "orders_versions.jsonl"
EXPECTED_VERSIONS = {  # example -> (version that judges it, retention check fires for a platform operator: 3 years)
    "DV20230301001": ("1.0.0", True),   # 2.5 years kept: enough under the manual's 2 years, whichever version
    "DV20231231001": ("1.0.0", True),   # placed one second before 1.1.0 takes effect
    "DV20240101001": ("1.1.0", True),   # placed the instant 1.1.0 takes effect
    "DV20240305001": ("1.1.0", True),
    "DV20240305002": ("1.1.0", False),  # 3 years kept
}
PLATFORM = {"ORD-archive-retention": {"retention_years": 3}}  # a shop that is itself a platform operator
BEFORE_FIRST = "DV20221231001"


@pytest.fixture
def version_examples() -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(VERSIONS_FILE)}


def test_the_bundled_order_process_has_two_dated_versions(engine):
    """1.0.0 applies from 2023-01-01 until 1.1.0 takes effect on 2024-01-01 (Shanghai), which says why it exists."""
    v0, v1 = engine.versions("order")
    assert (v0.version, v1.version) == ("1.0.0", "1.1.0")
    assert (v0.effective_from, v0.effective_until) == (datetime(2023, 1, 1, tzinfo=SH), None)
    assert (v1.effective_from, v1.effective_until) == (datetime(2024, 1, 1, tzinfo=SH), None)
    assert v0.digest != v1.digest
    changes = v1.document.data["changes"]
    assert "Article 31" in changes and "ORD-10" in changes and "GEN-03" in changes


@pytest.fixture(scope="module")
def platform_engine() -> sopengine.Engine:
    return sopengine.load(ROOT / "rules", policy=Policy(profile="full", params=PLATFORM))


@pytest.mark.parametrize("rid", sorted(EXPECTED_VERSIONS))
def test_each_example_order_is_judged_by_its_own_version(engine, platform_engine, version_examples, rid):
    """Each order by the version of its date; the manual's 2 years is kept by every 2.5-year archive, whichever
    version (1.1.0 as first published demanded 3 years of every shop, a misreading of E-Commerce Law art. 31,
    which binds platform operators); a platform operator's 3 years is the check's parameter, in both versions."""
    version, fires = EXPECTED_VERSIONS[rid]
    r = engine.evaluate(version_examples[rid], VERSIONS_NOW)
    assert r.error is None and (r.version, r.state) == (version, "archived")
    assert r.digest == engine.process("order", version).digest
    assert "ORD-archive-retention" not in [v.rule for v in r.violations]
    p = platform_engine.evaluate(version_examples[rid], VERSIONS_NOW)
    hits = [v for v in p.violations if v.rule == "ORD-archive-retention"]
    assert p.version == version and bool(hits) == fires, [v.rule for v in p.violations]
    if fires:
        assert hits[0].clauses == ("ORD-10", "GEN-03") and "less than 3 years" in hits[0].messages.en
        assert "不足 3 年" in hits[0].messages.zh


def test_an_example_order_placed_before_1_0_0_is_an_error(engine, version_examples):
    """Orders from before the rules took effect are reported, not judged by rules that did not apply to them."""
    r = engine.evaluate(version_examples[BEFORE_FIRST], VERSIONS_NOW)
    assert r.version is None and r.error == (
        "cannot choose a version of 'order' by placed_at: 2022-12-31T10:00:00+08:00 is before the first version of "
        "'order' (1.0.0, in force from 2023-01-01T00:00:00+08:00)")


def test_the_examples_on_the_command_line_by_date_and_pinned(capsys):
    """``sopengine check`` judges each by its own version; ``--version 1.0.0`` re-judges all by the 2-year rule."""
    args = ["check", str(VERSIONS_FILE), "--rules", str(ROOT / "rules"), "--now", "2024-12-01T12:00:00+08:00",
            "--format", "json", "--explain"]
    code, out, _ = run_cli(capsys, *args)
    res = {r["record"]: r for r in json.loads(out)}
    assert code == 1
    assert {rid: res[rid]["version"] for rid in EXPECTED_VERSIONS} == {rid: v for rid, (v, _) in EXPECTED_VERSIONS.items()}
    assert res["DV20240101001"]["trace"][0].startswith(
        "version: placed_at = 2024-01-01T00:00:00+08:00 falls in order 1.1.0, in force from 2024-01-01T00:00:00+08:00")
    code, out, _ = run_cli(capsys, *args, "--process-version", "1.0.0")
    res = {r["record"]: r for r in json.loads(out)}
    assert {r["version"] for r in res.values()} == {"1.0.0"} and all(r["error"] is None for r in res.values())
    assert not any(v["rule"] == "ORD-archive-retention" for r in res.values() for v in r["violations"])
    assert "the version in force would be 1.1.0" in res["DV20240305001"]["trace"][0]
    assert "placed_at chooses no version" in res[BEFORE_FIRST]["trace"][0]


def _differences(a: Any, b: Any, path: str = "") -> Iterable[str]:
    """JSON Pointers at which two parsed documents differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield f"{path}/{k}"
            else:
                yield from _differences(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{path}/{i}")
    elif a != b:
        yield path


def test_order_1_1_0_is_1_0_0_with_only_its_period_and_note_changed(engine):
    """1.1.0 was copied from 1.0.0 to keep records 3 years instead of 2; that reading is corrected (the 3 years of
    E-Commerce Law art. 31 bind platform operators, so they are the parameter retention_years, default 2, in both
    versions), and the two now decide alike. A later edit to one of them (an SLA, a new check) that is not mirrored
    in the other would be an undeclared difference between the versions. Mirror it, or list it here on purpose."""
    old = engine.process("order", "1.0.0").document.data
    new = engine.process("order", "1.1.0").document.data
    diff = set(_differences(old, new))
    assert diff - {"/version", "/effective_from", "/changes"} == set(), \
        f"order.yaml and order-1.1.0.yaml differ beyond the period and its note at {sorted(diff)}"
    i = next(n for n, c in enumerate(old["checks"]) if c["id"] == "ORD-archive-retention")
    declared = old["checks"][i]["parameters"]["retention_years"]
    assert (declared["default"], declared["minimum"]) == (2, 2)  # the manual's rule, and its floor
    assert "params.retention_years" in old["checks"][i]["params"]["assert"]
    assert "Article 31 binds platform operators" in new["changes"]

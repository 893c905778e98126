"""bench/bench_instructions.py: what its counted runs do, and what it says without valgrind."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import sopengine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_instructions", ROOT / "bench" / "bench_instructions.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    yield mod
    sys.modules.pop("bench_engine", None)


@pytest.mark.parametrize("mode", ["examples", "distinct"])
def test_a_counted_run_evaluates_the_warm_up_and_its_own_records_only(bench, monkeypatch, mode):
    seen: list[str] = []
    monkeypatch.setattr(sopengine.Engine, "evaluate", lambda self, record, now=None, **kw: seen.append(record["id"]))
    bench.child("kpi_daily", mode, 3, 10)  # the records of a 10-record run are made; 3 of them judged
    assert len(seen) == bench.WARM + 3
    if mode == "distinct":  # every one different, as bench_engine makes them
        assert len(set(seen)) == len(seen)


def test_without_valgrind_the_figure_says_it_was_not_measured(bench, monkeypatch, capsys):
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    result = bench.main(["--processes", "order"])
    (fig,) = result["figures"]
    assert fig["value"] is None and fig["ok"] is None and "valgrind" in fig["note"]
    assert "not measured" in capsys.readouterr().out


def test_an_unknown_process_is_refused_by_name(bench, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--processes", "order,nosuch"])
    assert "nosuch" in capsys.readouterr().err

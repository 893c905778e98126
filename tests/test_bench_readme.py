"""bench/run.py --readme: README's bench table is rebuilt from kept bench results, never hand-copied."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _kept(out: Path, name: str, value: float, quick: bool = False) -> None:
    fig = {"name": f"{name} figure", "value": value, "unit": "µs", "target": "≤ 2 µs", "baseline": "b", "ok": value <= 2,
           "note": ""}
    stamp = {"at": "2026-12-01 16:00 UTC", "commit": "abc1234", "cores": 2, "load": [0.2, 1.1], "quick": quick}
    (out / f"bench_{name}.json").write_text(json.dumps({"stamp": stamp, "result": {"figures": [fig]}}), "utf-8")


def test_the_table_between_the_markers_is_rebuilt_from_full_size_runs_only(tmp_path):
    run = _run_module()
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{run.BEGIN}\nold table\n{run.END}\nafter\n", "utf-8")
    _kept(tmp_path, "engine", 1.5)
    _kept(tmp_path, "cli", 3.0)
    _kept(tmp_path, "words", 9.0, quick=True)  # a smoke run never lands in the README
    assert "from 2 bench result(s)" in run.readme(tmp_path, readme)
    text = readme.read_text("utf-8")
    assert text.startswith("intro\n") and text.endswith(f"{run.END}\nafter\n") and "old table" not in text
    assert "- `cli`: 2026-12-01 16:00 UTC, commit abc1234, 2 cores, load average 0.2 at start, 1.1 at end" in text
    assert "| cli figure    | 3 µs   | ≤ 2 µs | b                 | NO  |" in text
    assert "engine figure" in text and "words figure" not in text


def test_a_readme_without_markers_is_left_alone(tmp_path):
    run = _run_module()
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n", "utf-8")
    _kept(tmp_path, "engine", 1.5)
    assert "no bench markers" in run.readme(tmp_path, readme)
    assert readme.read_text("utf-8") == "no markers\n"


def test_the_projects_readme_has_the_markers():
    run = _run_module()
    text = (ROOT / "README.md").read_text("utf-8")
    assert text.count(run.BEGIN) == 1 and text.count(run.END) == 1 and text.index(run.BEGIN) < text.index(run.END)

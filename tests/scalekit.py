"""What the columnar, Spark and Dask tests share: the optional extras, and the CLI's results as the reference."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import EXAMPLES
from .optional import missing

NOW = "2023-06-03T12:00:00+08:00"


def need(module: str, extra: str) -> Any:
    """Import an optional dependency. In CI (CI=true) its absence is a failure, not a skip:
    .ci/run installs every extra, so a missing one means the suite did not test what it claims."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(module, f"pip install 'sopengine[{extra}]'")


def cli_results(capsys: pytest.CaptureFixture[str], *inputs: Path | str, extra: tuple[str, ...] = ()) -> list[dict]:
    """What `sopengine check --format json` says of ``inputs``, without ``source`` (rows have none)."""
    from .clirun import run

    code, out, err = run(capsys, "check", *map(str, inputs), "--now", NOW, "--format", "json", *extra)
    assert code in (0, 1) or (code == 2 and "could not be read" in err), err  # 2: an unreadable input (#16)
    results = json.loads(out)
    for r in results:
        r.pop("source", None)
    return results


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.jsonl"))


def by_record(results: list[dict]) -> list[dict]:
    """Results in a canonical order, for comparing runs whose row order is the engine's choice."""
    return sorted(results, key=lambda d: json.dumps([d["record"], d["process"], d["version"], d["error"]],
                                                   ensure_ascii=False))

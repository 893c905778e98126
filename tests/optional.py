"""Tests of optional machinery (Spark, Dask, a browser): skip on a developer's machine without it,
fail in CI, where .ci/run installs all of it and a skip would hide a broken feature."""

from __future__ import annotations

import os

import pytest


def missing(what: str, install: str) -> None:
    """Skip (locally) or fail (CI set) because ``what`` is not there; ``install`` says how to get it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: .ci/run must install it ({install})")
    pytest.skip(f"{what} is not installed ({install})")

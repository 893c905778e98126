"""``Policy.is_default`` (asked for every result, so worked out once when the policy is made) says True only for
no configuration at all, however the policy was made: directly, by ``replace``, or unpickled."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from sopengine.policy import Policy


def test_no_configuration_at_all_is_the_default() -> None:
    assert Policy().is_default
    assert Policy("core", records={"order": frozenset()}).is_default  # declaring nothing recorded declares nothing
    assert pickle.loads(pickle.dumps(Policy())).is_default


@pytest.mark.parametrize("change", [
    {"profile": "full"}, {"records": {"order": frozenset({"inspected"})}}, {"overrides": ("x",)}, {"select": ("ORD-*",)},
    {"ignore": ("ORD-01",)}, {"params": {"c": {"n": 1}}}, {"documents": ("d",)}])
def test_any_configuration_is_not_the_default(change: dict[str, object]) -> None:
    assert not Policy(**change).is_default  # type: ignore[arg-type]
    assert not replace(Policy(), **change).is_default
    assert not pickle.loads(pickle.dumps(Policy(**change))).is_default  # type: ignore[arg-type]
    assert replace(Policy(**change), **{k: Policy().__dict__[k] for k in change}).is_default  # type: ignore[arg-type]

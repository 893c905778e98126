"""Registry of check types: one small class each, registered in one place."""

from __future__ import annotations

from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit

REGISTRY: dict[str, type[CheckType]] = {}


def register(cls: type[CheckType]) -> type[CheckType]:
    if cls.name in REGISTRY:
        raise RuntimeError(f"check type {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


# Importing the modules registers their classes.
from . import banned_words, decision_table, expression, main_images, privacy, promo_price, qualifications  # noqa: E402,F401

__all__ = ["REGISTRY", "register", "CheckType", "CheckContext", "CompileEnv", "Hit", "CheckConfigError"]

"""Check types: one small class each, registered in one place (``base.REGISTRY``).

The registry and the contract live in ``base.py``; each check type's module
imports only from there (never from this package), and this module imports
them all so that loading the package registers every built-in check type.
"""

from __future__ import annotations

from . import (
    banned_words,
    decision_table,
    expression,
    main_images,
    privacy,
    promo_price,
    qualifications,
)
from .base import (
    REGISTRY,
    CheckConfigError,
    CheckContext,
    CheckType,
    CompileEnv,
    Hit,
    register,
)

BUILT_IN = (banned_words, decision_table, expression, main_images, privacy, promo_price, qualifications)

__all__ = ["BUILT_IN", "REGISTRY", "CheckConfigError", "CheckContext", "CheckType", "CompileEnv", "Hit", "register"]

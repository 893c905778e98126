"""sopengine: the operations manual as executable, versioned rules.

    engine = sopengine.load("rules/")                 # validated, compiled, immutable
    result = engine.evaluate(record, now=...)          # pure: same inputs, same result
    for r in engine.evaluate_many(records, now=...):   # lazily, in order
        ...
"""

from __future__ import annotations

from .engine import Engine, load
from .errors import DefinitionError, Finding, InputError, SopError, UsageError
from .results import NextAction, Result, SourceRef, Text, Violation
from .version import __version__

__all__ = [
    "DefinitionError",
    "Engine",
    "Finding",
    "InputError",
    "NextAction",
    "Result",
    "SopError",
    "SourceRef",
    "Text",
    "UsageError",
    "Violation",
    "__version__",
    "load",
]

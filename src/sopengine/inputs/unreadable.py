"""What a reader yields for a record it could not parse, so the batch goes on and the record is not lost.

Its own module because every reader (JSON, YAML, Parquet, Arrow batches) yields it
and the engine judges it as an error result: none of them has to import another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a record that could not be parsed; evaluates to an error result."""

    message: str

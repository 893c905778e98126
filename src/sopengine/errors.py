"""Errors that say where: every finding names a file, line, column and JSON Pointer.

Modelled on jsonschema's errors: a finding is data (so ``validate`` can print all
of them, and CI can turn them into SARIF), and the exception that carries them
is raised only after a whole rules tree has been read, never at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

from .results import SourceRef

FindingSeverity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    severity: FindingSeverity
    message: str
    source: SourceRef
    code: str = ""  # stable identifier of the kind of finding, e.g. "schema", "unknown-role"
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.source}: {self.severity}: {self.message}"
        if self.source.pointer:
            text += f" [at {self.source.pointer}]"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict:
        d = {"severity": self.severity, "code": self.code, "message": self.message, **self.source.to_dict()}
        if self.hint:
            d["hint"] = self.hint
        return d


class SopError(Exception):
    """Base of the errors sopengine raises on purpose."""


class DefinitionError(SopError):
    """A rules tree that cannot be loaded; carries every finding, not just the first."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.severity == "error"]
        head = f"{len(errors)} error(s) in the rules" if errors else "problems in the rules"
        super().__init__(head + ":\n" + "\n".join(str(f) for f in self.findings))


class InputError(SopError):
    """A records file that cannot be read at all (as opposed to one bad record)."""

    def __init__(self, message: str, source: SourceRef | None = None):
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)

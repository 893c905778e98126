"""Errors that say where: every finding names a file, line, column and JSON Pointer.

Modelled on jsonschema's errors: a finding is data (so ``validate`` can print all
of them, and CI can turn them into SARIF), and the exception that carries them
is raised only after a whole rules tree has been read, never at the first one.

Every error sopengine raises on purpose is one of this tree::

    SopError                       raised on purpose by sopengine (catch this one)
    ├── DefinitionError            a rules tree that cannot be loaded; .findings, all of them
    ├── InputError                 a records file that cannot be read at all
    │   └── UsageError             a command-line value that cannot be used (exit 2)
    ├── TableError (ValueError)    a reference table (price log) that cannot be read
    ├── ValueProblem (ValueError)  a value in a record or rule that is not what its field declares
    ├── ConversionError (ValueError)  (columnar/records.py) a Spark/Parquet value with no JSON form
    ├── CalendarRangeError (ValueError)  a day the calendar or promotion data does not cover
    ├── EvaluationError            an expression that compiled but failed on this record
    ├── NotUnique                  (checks/dmn.py) several rows of a UNIQUE decision table match
    ├── Uninspectable              (checks/imaging.py) an image that must not or cannot be measured
    └── PointedError               a piece of a definition that cannot work, at .pointer
        ├── CalendarError (ValueError)    a calendar or promotion-windows document
        ├── VocabularyError (ValueError)  a vocabulary document
        ├── CheckConfigError       a check's params
        ├── ParameterError         a parameter a rule declares, or a shop's value for it
        ├── SlaError               a rule's SLA
        └── ExpressionError        a CEL expression (.line/.column inside it)

A ``PointedError``'s pointer is relative to the piece that was being read (the
SLA, the check's params, the document); ``finding`` is the one conversion to a
``Finding`` at file:line:column, given the document and where the piece sits in it.
The rest carry their JSON Pointer inside the message, since they are about records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal, Protocol

from .results import SourceRef
from .text.masking import mask_text

FindingSeverity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    severity: FindingSeverity
    message: str
    source: SourceRef
    code: str = ""  # stable identifier of the kind of finding, e.g. "schema", "unknown-role"
    hint: str = ""

    def __post_init__(self) -> None:
        # a finding may quote a value of a rule test's record: masked like every message (CS-10)
        object.__setattr__(self, "message", mask_text(self.message))
        object.__setattr__(self, "hint", mask_text(self.hint))

    def __str__(self) -> str:
        text = f"{self.source}: {self.severity}: {self.message}"
        if self.source.pointer:
            text += f" [at {self.source.pointer}]"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"severity": self.severity, "code": self.code, "message": self.message, **self.source.to_dict()}
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


class ConfigError(DefinitionError):
    """A shop configuration (sopengine.yaml, [tool.sopengine], a baseline file) that cannot be used; every
    finding names file:line:column. A DefinitionError so that callers handling bad rules handle it too."""

    def __init__(self, findings: Iterable[Finding]):
        super().__init__(findings)
        self.args = (f"{sum(f.severity == 'error' for f in self.findings)} error(s) in the configuration:\n"
                     + "\n".join(str(f) for f in self.findings),)


class InputError(SopError):
    """A records file that cannot be read at all (as opposed to one bad record)."""

    def __init__(self, message: str, source: SourceRef | None = None):
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UsageError(InputError):
    """A command-line value that cannot be used; the CLI prints it and exits 2 (never SystemExit)."""


class OutputError(SopError):
    """A report that could not be written (``-o``, stdout); the CLI exits 2."""


class TableError(SopError, ValueError):
    """A reference table that cannot be read; the message starts with ``file:line:``."""


class ValueProblem(SopError, ValueError):
    """A value in a record or rule that cannot be read as what its field declares."""


class CalendarRangeError(SopError, ValueError):
    """A question about a day the data does not cover: a guess would be silently wrong.

    ``what`` names the kind of data ("calendar", "promotion windows") so that the
    message tells the reader which file to extend.
    """

    def __init__(self, day: date, covered: tuple[date, date], calendar: str, *, what: str = "calendar",
                 detail: str = "") -> None:
        """``detail`` replaces the plain range where the data has gaps or an estimate follows it."""
        super().__init__(f"{what} {calendar!r} has no data for {day.isoformat()}: "
                         f"it covers {detail or f'{covered[0].isoformat()}..{covered[1].isoformat()}'}")
        self.day, self.covered, self.calendar = day, covered, calendar


class EvaluationError(SopError):
    """An expression that compiled but could not be evaluated on this record (e.g. a missing key)."""


class Located(Protocol):
    """What a ``PointedError`` is placed in: a parsed YAML document (loader.Document)."""

    def where(self, pointer: str) -> SourceRef: ...

    def where_inside(self, pointer: str, line: int, column: int) -> SourceRef: ...


class PointedError(SopError):
    """A piece of a definition that cannot work; ``pointer`` is relative to the piece."""

    code: ClassVar[str] = "definition"  # the Finding code when the caller names none

    def __init__(self, message: str, pointer: str = "", *, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.pointer, self.hint = message, pointer, hint

    def source(self, doc: Located, at: str = "") -> SourceRef:
        """Where in ``doc`` the problem is, the piece being at JSON Pointer ``at``."""
        return doc.where(at + self.pointer)

    def finding(self, doc: Located, at: str = "", *, code: str | None = None, label: str = "") -> Finding:
        """The problem as a Finding at file:line:column; ``label`` prefixes the message (e.g. "SLA: ")."""
        return Finding("error", f"{label}{self.message}", self.source(doc, at), code or self.code, self.hint)


class CalendarError(PointedError, ValueError):
    """A calendar or promotion definition that cannot work.

    Carries the file and a JSON pointer to the offending key, so that a loader can
    turn it into file:line for the rule author.
    """

    code = "calendar"

    def __init__(self, message: str, *, pointer: str = "", source: str = "") -> None:
        super().__init__(message, pointer)
        where = ": ".join(p for p in (source, pointer) if p)
        self.args = (f"{where}: {message}" if where else message,)
        self.file = source


class VocabularyError(PointedError, ValueError):
    """A vocabulary document that cannot be used; ``pointer`` is the JSON Pointer of the bad entry."""

    code = "vocabulary"

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message, pointer)
        self.args = (f"{pointer}: {message}" if pointer else message,)


class CheckConfigError(PointedError):
    """A parameter of a check that cannot work; ``pointer`` is relative to the check's ``params``."""

    code = "check-params"


class ParameterError(PointedError):
    """A declared parameter (params.py) or a configuration's value for it; ``pointer`` is relative to the declaration."""

    code = "parameter"


class SlaError(PointedError):
    """A rule's SLA that cannot work; ``pointer`` is relative to the SLA, for file:line."""

    code = "sla"


class ExpressionError(PointedError):
    """A CEL expression that does not compile; line/column are 1-based inside the expression."""

    code = "cel"

    def __init__(self, message: str, line: int = 1, column: int = 1, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.line, self.column = line, column

    def source(self, doc: Located, at: str = "") -> SourceRef:
        return doc.where_inside(at, self.line, self.column)

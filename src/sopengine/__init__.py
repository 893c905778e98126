"""sopengine: the operations manual as executable, versioned rules.

    engine = sopengine.load("rules/")                 # validated, compiled, immutable
    result = engine.evaluate(record, now=...)          # pure: same inputs, same result
    for r in engine.evaluate_many(records, now=...):   # lazily, in order
        ...

Besides the engine and its results, the names users need from the side systems
(docs/api.md): reading records (``read_records``, ``Unreadable``), writing reports
(``write_report``, ``report_formats``, ``ReportOptions``, ``Summary``), price
tables (``load_price_table``, ``PriceTable``, ``TableError``), and extending the
engine (``register_check`` with ``CheckType``, ``CheckContext``, ``CompileEnv``,
``Hit``, ``CheckConfigError``; ``register_format``). Those are resolved on first
use, so ``import sopengine`` (every CLI run) costs what it did before they existed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .engine import Engine, load
from .errors import DefinitionError, Finding, InputError, SopError, UsageError
from .results import NextAction, Result, SourceRef, Text, Violation
from .version import __version__

# public name -> (module, name in it): the module is imported when the name is first used
_ELSEWHERE: dict[str, tuple[str, str]] = {
    "read_records": ("sopengine.inputs.records", "read_records"),
    "Unreadable": ("sopengine.inputs.unreadable", "Unreadable"),
    "write_report": ("sopengine.report", "write_report"),
    "report_formats": ("sopengine.report", "report_formats"),
    "register_format": ("sopengine.report.base", "register"),
    "ReportOptions": ("sopengine.report.base", "ReportOptions"),
    "Summary": ("sopengine.report.base", "Summary"),
    "load_price_table": ("sopengine.inputs.price_log", "load_price_table"),
    "PriceTable": ("sopengine.inputs.price_log", "PriceTable"),
    "TableError": ("sopengine.errors", "TableError"),
    "register_check": ("sopengine.checks.base", "register"),
    "CheckType": ("sopengine.checks.base", "CheckType"),
    "CheckContext": ("sopengine.checks.base", "CheckContext"),
    "CompileEnv": ("sopengine.checks.base", "CompileEnv"),
    "Hit": ("sopengine.checks.base", "Hit"),
    "CheckConfigError": ("sopengine.errors", "CheckConfigError"),
}

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ below imports on first use
    from .checks.base import CheckContext, CheckType, CompileEnv, Hit
    from .checks.base import register as register_check
    from .errors import CheckConfigError, TableError
    from .inputs.price_log import PriceTable, load_price_table
    from .inputs.records import read_records
    from .inputs.unreadable import Unreadable
    from .report import report_formats, write_report
    from .report.base import ReportOptions, Summary
    from .report.base import register as register_format
else:
    def __getattr__(name: str) -> Any:
        """A name of ``_ELSEWHERE``, imported from its module the first time it is asked for."""
        try:
            module, attr = _ELSEWHERE[name]
        except KeyError:
            raise AttributeError(f"module 'sopengine' has no attribute {name!r}") from None
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value

__all__ = [
    "CheckConfigError",
    "CheckContext",
    "CheckType",
    "CompileEnv",
    "DefinitionError",
    "Engine",
    "Finding",
    "Hit",
    "InputError",
    "NextAction",
    "PriceTable",
    "ReportOptions",
    "Result",
    "SopError",
    "SourceRef",
    "Summary",
    "TableError",
    "Text",
    "Unreadable",
    "UsageError",
    "Violation",
    "__version__",
    "load",
    "load_price_table",
    "read_records",
    "register_check",
    "register_format",
    "report_formats",
    "write_report",
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ELSEWHERE))

"""docs/api.md: the public names users need besides the engine, each importable from ``sopengine``,
typed, and shown by an example that runs (in a fresh interpreter, as a reader would) and prints what it says."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import typing

import pytest

import sopengine

from .conftest import ROOT

DOC = ROOT / "docs" / "api.md"
_EXAMPLE = re.compile(r"^```python\n(.*?)^```\n\nprints\n\n```text\n(.*?)^```", re.DOTALL | re.MULTILINE)
NAMES = ("read_records", "Unreadable", "write_report", "report_formats", "ReportOptions", "Summary", "load_price_table",
         "PriceTable", "TableError", "register_format", "register_check", "CheckType", "CompileEnv", "CheckContext", "Hit",
         "CheckConfigError")
KEPT = ("DefinitionError", "Engine", "Finding", "InputError", "NextAction", "Result", "SopError", "SourceRef", "Text",
        "UsageError", "Violation", "__version__", "load")


def examples() -> list:
    found = _EXAMPLE.findall(DOC.read_text("utf-8"))
    return [pytest.param(code, out, id=f"example-{i}") for i, (code, out) in enumerate(found, 1)]


def test_the_page_has_an_example_of_each_need():
    assert len(examples()) == 6


@pytest.mark.parametrize("code, expected", examples())
def test_example_prints_what_the_page_says(code: str, expected: str):
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected


def _annotated(fn: typing.Callable[..., object]) -> bool:
    """Every parameter and the return annotated (as written: some name types imported only for checkers)."""
    sig = inspect.signature(fn)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    return sig.return_annotation is not sig.empty and all(p.annotation is not p.empty for p in params)


@pytest.mark.parametrize("name", NAMES)
def test_each_name_is_public_documented_and_typed(name: str):
    obj = getattr(sopengine, name)
    assert name in sopengine.__all__ and name in dir(sopengine)
    assert f"`{name}`" in DOC.read_text("utf-8")
    if name == "PriceTable":
        assert typing.get_origin(obj) is dict
    elif inspect.isclass(obj):
        methods = [m for n, m in vars(obj).items() if inspect.isfunction(m) and (not n.startswith("_") or n == "__init__")]
        assert all(_annotated(m) for m in methods), name
    else:
        assert _annotated(obj), name


def test_every_earlier_public_name_is_kept_and_every_listed_name_resolves():
    assert set(KEPT) <= set(sopengine.__all__)
    for name in sopengine.__all__:
        getattr(sopengine, name)
    with pytest.raises(AttributeError, match="no attribute 'lod'"):
        sopengine.lod  # noqa: B018 - a typo is an AttributeError, not a silent None


def test_importing_sopengine_does_not_import_the_report_writers_or_the_price_log_reader():
    """Every CLI run imports sopengine: the names of side systems resolve on first use, not at import."""
    code = ("import sys, sopengine; print(sorted(m for m in ('sopengine.report', 'sopengine.inputs.price_log') if m in sys.modules));"
            "sopengine.write_report; print('sopengine.report' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split("\n")[:2] == ["[]", "True"]

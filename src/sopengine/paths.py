"""Where the bundled rules, schemas and examples are, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    bundled = _PKG / "bundled" / name
    if bundled.is_dir():
        return bundled
    return _PKG.parent.parent / name  # src/sopengine -> repository root (editable install, tests)


def bundled_rules_dir() -> Path:
    return _find("rules")


def bundled_schemas_dir() -> Path:
    return _find("schemas")


def bundled_examples_dir() -> Path:
    return _find("examples")

"""Where the bundled rules, schemas and examples are, in a checkout or an installed wheel."""

from __future__ import annotations

import os
from collections.abc import Iterable
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


def shown(path: str | Path) -> str:
    """A path as a report can print it. A file name that is not UTF-8 reaches Python with
    lone surrogates in place of its bytes (surrogateescape), which no UTF-8 report can
    write: those bytes are shown as U+FFFD. Open the path itself, never what this returns."""
    text = str(path)
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def walk_files(root: Path, suffixes: Iterable[str]) -> list[tuple[Path, str | None]]:
    """Every file under ``root`` whose suffix (any case) is one of ``suffixes``, sorted, each with
    why it cannot be read, or None.

    Path.rglob skips silently what it cannot list, and a broken link is not a file
    to it: a rules tree or a records directory would lose those without a word.
    Here they stay, with their reason: a directory that cannot be listed, a broken
    link or a loop of links, something that is not a regular file (opening a named
    pipe would wait forever). Links to directories are not followed.
    """
    wanted = {s.lower() for s in suffixes}
    found: list[tuple[Path, str | None]] = []

    def unlisted(exc: OSError) -> None:
        found.append((Path(exc.filename), f"cannot list the directory: {exc.strerror}"))

    for top, _dirs, files in os.walk(root, onerror=unlisted):
        for name in files:
            if Path(name).suffix.lower() not in wanted:
                continue
            path = Path(top, name)
            if path.is_file():
                found.append((path, None))
            elif path.is_symlink() and not path.exists():
                found.append((path, "cannot read the file: a broken link (or a loop of links)"))
            else:
                found.append((path, "not a regular file"))
    return sorted(found)

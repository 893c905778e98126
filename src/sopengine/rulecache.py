"""A content-addressed record of rules trees already found clean, in the user's cache directory.

Validating a whole tree (schemas, lint, compiling every process) is what a cold
``check`` of one record used to spend most of its CPU on. When the exact same tree
(every file's path and text, every schema, this sopengine version) was validated
clean before, ``check`` compiles only the processes its records need and
``validate`` reports the clean result at once. The key is a sha256 of the content,
never a modification time, so any changed byte is seen.

The entry holds no rules, only "this content was clean" and each file's kind and id
(``kinds``), so that a check parses only the files it needs: not the rule tests, not
the processes its records do not name. It is JSON, read only if the current user owns
it and nobody else may write it, and anything unexpected in it is ignored (the tree is
then validated as usual; ``kinds`` that do not name exactly the tree's files are
dropped, and the whole tree is parsed). A process that fails to compile despite a
clean entry is still an error, and so is a file whose kind or id is not the entry's. ``SOPENGINE_CACHE=off`` disables
it; ``SOPENGINE_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/sopengine``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

FORMAT = 2  # 2: with each file's kind and id
MAX_ENTRY_BYTES = 1024 * 1024  # a kind and an id for each of up to 5,000 files (tree.MAX_RULE_FILES)

Kinds = dict[str, tuple[str, str | None]]  # path of a rules file -> (its kind, its id)


def enabled() -> bool:
    return os.environ.get("SOPENGINE_CACHE", "").lower() not in ("off", "0", "no", "false")


def directory() -> Path:
    explicit = os.environ.get("SOPENGINE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sopengine"


def tree_key(sources: Iterable[tuple[str, str]], schema_docs: Mapping[str, Any]) -> str:
    """sha256 over this version, every (path, text) and every schema: content, never times."""
    from .version import __version__

    h = hashlib.sha256(f"sopengine {__version__} rules-cache {FORMAT}\0".encode())
    for path, text in sorted(sources):
        for part in (path, text):
            b = part.encode("utf-8", "surrogatepass")
            h.update(len(b).to_bytes(8, "big") + b)
    h.update(json.dumps(schema_docs, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _entry(key: str) -> Path:
    return directory() / f"clean-{key}.json"


def is_clean(key: str) -> dict[str, Any] | None:
    """The entry saying the tree with this key was validated clean, or None (absent, foreign, odd)."""
    if not enabled():
        return None
    path = _entry(key)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES
                or (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        raw = os.read(fd, MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key
            or type(data.get("files")) is not int or type(data.get("processes")) is not int):
        return None
    kinds = data.pop("kinds", None)
    if isinstance(kinds, dict) and all(
            isinstance(v, list) and len(v) == 2 and type(v[0]) is str and (v[1] is None or type(v[1]) is str)
            for v in kinds.values()):
        data["kinds"] = {path: (v[0], v[1]) for path, v in kinds.items()}
    return data


def kinds_of(sources: Sequence[tuple[str, str]], entry: Mapping[str, Any]) -> Kinds | None:
    """The entry's kinds when they name exactly the files of ``sources``, else None (parse them all)."""
    kinds: Kinds | None = entry.get("kinds")
    if (kinds is None or len(kinds) != len(sources) or any(path not in kinds for path, _ in sources)
            or any(kind == "Process" and rid is None for kind, rid in kinds.values())):
        return None
    return kinds


def mark_clean(key: str, files: int, processes: int, kinds: Mapping[str, tuple[str, str | None]] | None = None) -> None:
    """Remember that the tree with this key is clean; a cache that cannot be written is no error."""
    if not enabled():
        return
    d = directory()
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".clean-", dir=d)
        try:
            entry: dict[str, Any] = {"format": FORMAT, "key": key, "files": files, "processes": processes}
            if kinds is not None:
                entry["kinds"] = {path: list(v) for path, v in kinds.items()}
            text = json.dumps(entry, ensure_ascii=False)
            if len(text.encode("utf-8")) > MAX_ENTRY_BYTES:  # (never read back: without the kinds, all is parsed)
                del entry["kinds"]
                text = json.dumps(entry, ensure_ascii=False)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, _entry(key))
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def forget(key: str) -> None:
    try:
        _entry(key).unlink()
    except OSError:
        pass

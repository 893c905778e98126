"""Baselines: adopt sopengine on an existing shop without a red gate on day one.

``--write-baseline FILE`` records the fingerprints of today's findings;
``--baseline FILE`` then reports only findings not in it, says how many it
suppressed, and lists the entries that no longer occur as fixed, so the file
shrinks as the shop cleans up. Fingerprints (``report/fingerprint.py``) are
stable across runs, record order, ``--now`` and message wording. The file is
JSON written atomically; one that is not a baseline is a positioned error.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Finding
from ..results import Result, SourceRef
from .fingerprint import FINGERPRINT_KEY, violation_fingerprint

KIND = "sopengine-baseline"


def _entry(r: Result, v: Any) -> dict[str, Any]:
    return {"fingerprint": violation_fingerprint(r, v), "record": r.record, "process": r.process, "rule": v.rule,
            "path": v.path}


def read_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """fingerprint -> entry; ConfigError (file:line:column) for anything that is not a baseline of this recipe."""
    shown = str(path)

    def bad(msg: str, line: int | None = 1, col: int | None = 1) -> ConfigError:
        return ConfigError([Finding("error", msg, SourceRef(shown, line, col), "baseline")])

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(f"cannot read the baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad(f"not a baseline: not JSON ({exc.msg})", exc.lineno, exc.colno) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise bad(f"not a baseline: expected a JSON object with \"kind\": \"{KIND}\" (write one with --write-baseline)")
    if data.get("fingerprint") != FINGERPRINT_KEY:
        raise bad(f"baseline of fingerprint recipe {data.get('fingerprint')!r}; this sopengine uses {FINGERPRINT_KEY!r}: "
                  "write it again with --write-baseline")
    out: dict[str, dict[str, Any]] = {}
    for i, e in enumerate(given if isinstance(given := data.get("findings"), list) else [None]):
        if not isinstance(e, dict) or not isinstance(e.get("fingerprint"), str):
            raise bad(f"not a baseline: /findings/{i} has no fingerprint")
        out[e["fingerprint"]] = e
    return out


def write_baseline(path: Path, entries: Iterable[dict[str, Any]]) -> int:
    """Write atomically (a reader never sees half a baseline); returns the number of entries."""
    rows = sorted({e["fingerprint"]: e for e in entries}.values(),
                  key=lambda e: (e["process"] or "", e["record"] or "", e["rule"], e["path"], e["fingerprint"]))
    doc = {"kind": KIND, "fingerprint": FINGERPRINT_KEY, "findings": rows}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, ensure_ascii=False, indent=1)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return len(rows)


@dataclass
class BaselineRun:
    """Filters results against a baseline (if any) and collects today's findings (for --write-baseline)."""

    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppressed: int = 0
    seen: set[str] = field(default_factory=set)
    current: list[dict[str, Any]] = field(default_factory=list)

    def filter(self, results: Iterable[Result]) -> Iterator[Result]:
        for r in results:
            kept = []
            for v in r.violations:
                e = _entry(r, v)
                self.current.append(e)
                if e["fingerprint"] in self.known:
                    self.suppressed += 1
                    self.seen.add(e["fingerprint"])
                else:
                    kept.append(v)
            yield r if len(kept) == len(r.violations) else replace(r, violations=tuple(kept))

    def fixed(self) -> list[dict[str, Any]]:
        return [e for fp, e in self.known.items() if fp not in self.seen]


__all__ = ["BaselineRun", "read_baseline", "write_baseline"]

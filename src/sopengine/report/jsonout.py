"""The result contract of RECORDS.md, as a JSON list or JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from ..results import Result
from .base import ReportOptions, Summary, register


def _dump(r: Result, opts: ReportOptions) -> str:
    return json.dumps(r.to_dict(opts.lang, opts.trace), ensure_ascii=False, sort_keys=False)


@register("json")
def write_json(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    out.write("[")
    for i, r in enumerate(results):
        s.add(r)
        out.write(("," if i else "") + "\n  " + _dump(r, opts))
    out.write("\n]\n" if s.records else "]\n")
    return s


@register("jsonl")
def write_jsonl(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    for r in results:
        s.add(r)
        out.write(_dump(r, opts) + "\n")
    return s

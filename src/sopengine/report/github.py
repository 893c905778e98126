"""GitHub Actions workflow commands: each violation an annotation on the record's line.

``::error file=F,line=L,col=C,title=T::message`` is what the runner turns into an
annotation on the pull request's diff. Values are escaped as the runner's own
toolkit escapes them (``%``, CR and LF everywhere; ``:`` and ``,`` too in
properties), so a message with a colon or a newline cannot end the command
early or forge a second one.
"""

from __future__ import annotations

from typing import IO, Iterable

from ..results import Result
from . import ReportOptions, Summary, register
from .locate import pointer, record_name, where

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, r: Result, title: str, message: str) -> str:
    file, line, col = where(r.source)
    props = [f"file={escape_property(file)}"]
    if line:
        props += [f"line={line}", f"col={col or 1}"]
    props.append(f"title={escape_property(title)}")
    return f"::{COMMAND[level]} {','.join(props)}::{escape_data(message)}"


@register("github")
def write_github(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    for r in results:
        s.add(r)
        name = record_name(r)
        if r.error is not None:
            out.write(annotation("error", r, "sopengine: record not evaluated", f"{name}: {r.error}") + "\n")
        for v in r.violations:
            ptr = pointer(r, v)
            msg = f"{name}: {v.messages.get(opts.lang)}" + (f" (at {ptr})" if ptr else "")
            title = f"{v.rule} [{', '.join(v.clauses)}]" if v.clauses else v.rule
            out.write(annotation(v.severity, r, title, msg) + "\n")
    sev = s.by_severity
    out.write(f"sopengine: {s.records} records, {sum(sev.values())} violations (error {sev['error']}, warning "
              f"{sev['warning']}, info {sev['info']}), {s.errors} evaluation errors\n")
    return s

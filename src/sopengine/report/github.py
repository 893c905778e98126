"""GitHub Actions workflow commands: violations as annotations on the records' lines, and a job summary.

``::error file=F,line=L,col=C,title=T::message`` is what the runner turns into an
annotation on the pull request's diff. Values are escaped as the runner's own
toolkit escapes them (``%``, CR and LF everywhere; ``:`` and ``,`` too in
properties), so a message with a colon or a newline cannot end the command
early or forge a second one.

GitHub shows 10 annotations of each kind (error, warning, notice) per step and
drops the rest without a word; so findings are buffered and the most severe
become annotations first, every other finding is a plain log line, the last line
says how many were not annotated, and ``$GITHUB_STEP_SUMMARY`` (when set) gets a
Markdown summary with the counts by process, rule and severity. Paths are
relative to the source root, where GitHub looks for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from ..results import SEVERITY_RANK, Result
from .base import ReportOptions, Summary, register
from .jobsummary import Tally, write_step_summary
from .locate import pointer, record_name, shown_file, where

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
PER_KIND = 10  # annotations of each kind GitHub shows for one step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, file: str, line: int | None, col: int | None, title: str, message: str) -> str:
    """One workflow command: an annotation of ``level`` (error, warning, info) at file:line:col."""
    props = [f"file={escape_property(file)}"]
    if line:
        props += [f"line={line}", f"col={col or 1}"]
    props.append(f"title={escape_property(title)}")
    return f"::{COMMAND[level]} {','.join(props)}::{escape_data(message)}"


def annotation(level: str, r: Result, title: str, message: str, file: str | None = None) -> str:
    shown, line, col = where(r.source)
    return command(level, file or shown, line, col, title, message)


def _plain(level: str, r: Result, title: str, message: str, file: str) -> str:
    _shown, line, col = where(r.source)
    at = f"{file}:{line}:{col or 1}" if line else file
    return escape_data(f"{at}: {level} {title}: {message}")  # one log line, never a command


@register("github")
def write_github(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    tally = Tally()
    found: list[tuple[int, int, str, Result, str, str]] = []
    for r in results:
        s.add(r)
        tally.add(r)
        name = record_name(r)
        if r.error is not None:
            found.append((-SEVERITY_RANK["error"], len(found), "error", r, "sopengine: record not evaluated", f"{name}: {r.error}"))
        for v in r.violations:
            ptr = pointer(r, v)
            msg = f"{name}: {v.messages.get(opts.lang)}" + (f" (at {ptr})" if ptr else "")
            title = f"{v.rule} [{', '.join(v.clauses)}]" if v.clauses else v.rule
            found.append((-SEVERITY_RANK[v.severity], len(found), v.severity, r, title, msg))
    shown: dict[str, int] = {}
    left: dict[str, int] = {}
    for _rank, _seq, level, r, title, msg in sorted(found, key=lambda f: (f[0], f[1])):
        file = shown_file(where(r.source)[0], opts.srcroot)
        if shown.get(level, 0) < PER_KIND:
            shown[level] = shown.get(level, 0) + 1
            out.write(annotation(level, r, title, msg, file) + "\n")
        else:
            left[level] = left.get(level, 0) + 1
            out.write(_plain(level, r, title, msg, file) + "\n")
    sev = s.by_severity
    notes = []
    if left:
        counts = ", ".join(f"{n} {lvl}" for lvl, n in left.items())
        notes.append(f"{sum(left.values())} findings are not annotated ({counts}): GitHub shows {PER_KIND} annotations "
                     f"of each kind per step, the most severe first; every finding is in the step's log.")
    write_step_summary(tally.markdown("sopengine check", notes))
    out.write(f"sopengine: {s.records} records, {sum(sev.values())} violations (error {sev['error']}, warning "
              f"{sev['warning']}, info {sev['info']}), {s.errors} evaluation errors\n")
    for n in notes:
        out.write(f"sopengine: {n}\n")
    return s

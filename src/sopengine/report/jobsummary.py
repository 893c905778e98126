"""A Markdown job summary (``$GITHUB_STEP_SUMMARY``): what a person reads on the run's page.

Annotations stop at 10 of each kind per step; the summary counts everything: by
severity, by process (records, violations, evaluation errors) and by rule (the
most frequent first, at most ``MAX_RULE_ROWS`` rows, well inside GitHub's 1 MiB
per step). Cells are escaped so that a record's text cannot break the table.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field

from ..results import SEVERITY_RANK, Result

MAX_RULE_ROWS = 50
SEVERITIES = ("error", "warning", "info")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def cell(text: object) -> str:
    """``text`` as one Markdown table cell: no line breaks, no column separator, no inline HTML."""
    s = _BREAKS.sub(" ", str(text))
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Tally:
    """Counts for the summary, gathered one result at a time."""

    records: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # evaluation errors by process
    by_process: dict[str, Counter[str]] = field(default_factory=dict)
    by_rule: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    clauses: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, r: Result) -> None:
        process = r.process or "unknown"
        self.records[process] += 1
        if r.error is not None:
            self.errors[process] += 1
        sev = self.by_process.setdefault(process, Counter())
        for v in r.violations:
            sev[v.severity] += 1
            self.by_rule.setdefault((process, v.rule), Counter())[v.severity] += 1
            self.clauses.setdefault(v.rule, v.clauses)

    def markdown(self, title: str, notes: list[str]) -> str:
        total = Counter[str]()
        for c in self.by_process.values():
            total.update(c)
        n_rec, n_err = sum(self.records.values()), sum(self.errors.values())
        lines = [f"## {cell(title)}", "",
                 (f"**{n_rec} records**, {sum(total.values())} violations "
                  f"({', '.join(f'{s} {total[s]}' for s in SEVERITIES)}), {n_err} evaluation errors"), ""]
        lines += [f"> {cell(n)}" for n in notes] + ([""] if notes else [])
        lines += ["### By process", "", "| process | records | " + " | ".join(SEVERITIES) + " | evaluation errors |",
                  "|---|---:|" + "---:|" * len(SEVERITIES) + "---:|"]
        for p in sorted(self.records):
            c = self.by_process.get(p, Counter())
            lines.append(f"| {cell(p)} | {self.records[p]} | " + " | ".join(str(c[s]) for s in SEVERITIES)
                         + f" | {self.errors[p]} |")
        rows = sorted(self.by_rule.items(), key=lambda kv: (-max(SEVERITY_RANK[s] for s in kv[1]), -sum(kv[1].values()), kv[0]))
        if rows:
            lines += ["", "### By rule", "", "| rule | process | clauses | " + " | ".join(SEVERITIES) + " |",
                      "|---|---|---|" + "---:|" * len(SEVERITIES)]
            for (p, rule), c in rows[:MAX_RULE_ROWS]:
                lines.append(f"| `{cell(rule)}` | {cell(p)} | {cell(', '.join(self.clauses.get(rule, ())))} | "
                             + " | ".join(str(c[s]) for s in SEVERITIES) + " |")
            if len(rows) > MAX_RULE_ROWS:
                lines.append(f"\n… and {len(rows) - MAX_RULE_ROWS} more rules (every finding: `--format json`)")
        return "\n".join(lines) + "\n\n"


def write_step_summary(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it; a summary that cannot be
    written is a warning, never the end of the run (the report itself is already out)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(markdown)
    except OSError as exc:
        print(f"sopengine: warning: cannot write the job summary to {path}: {exc.strerror}", file=sys.stderr)

"""The findings of one record, bounded: violations listed up to MAX_LISTED per rule, the rest counted.

A 6 MB listing text of one banned word repeated had 1,000,000 findings: a 1 GB report
and 5 GB of memory. Past MAX_LISTED findings of one rule in one record the rest are
counted, and one more violation says how many (at their worst severity). Every text
and evidence value a finding carries is masked here (CS-10), once, as it is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .results import SEVERITY_RANK, Text, Unverified, Violation, make_violation
from .rulebook import UNLISTED, outcome
from .text.masking import mask_texts, mask_value

MAX_LISTED = 100


class Findings:
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.unverified: dict[str, Unverified] = {}
        self._listed: dict[str, int] = {}
        self._unlisted: dict[str, tuple[int, str, tuple[str, ...]]] = {}  # rule -> (count, worst severity, clauses)

    def violation(self, rule: str, severity: str, clauses: tuple[str, ...], zh: str, en: str, path: str = "",
                  evidence: Mapping[str, Any] | None = None) -> None:
        n = self._listed.get(rule, 0)
        if n >= MAX_LISTED:
            self._unlist(rule, severity, clauses)
            return
        self._listed[rule] = n + 1
        ev = mask_value(evidence if type(evidence) is dict else dict(evidence or {}))  # a masked copy either way
        zh, en = mask_texts(zh, en)
        self.violations.append(make_violation(rule, severity, clauses, zh, en, path, ev))  # type: ignore[arg-type]

    def unverify(self, rule: str, clauses: tuple[str, ...], needs: Iterable[str]) -> None:
        if rule not in self.unverified:
            self.unverified[rule] = Unverified(rule, clauses, tuple(needs))

    def _unlist(self, rule: str, severity: str, clauses: tuple[str, ...], n: int = 1) -> None:
        count, worst, _ = self._unlisted.get(rule, (0, severity, clauses))
        if SEVERITY_RANK[severity] > SEVERITY_RANK[worst]:
            worst = severity
        self._unlisted[rule] = (count + n, worst, clauses)

    def _report_unlisted(self) -> None:
        """One violation per rule that had more than MAX_LISTED: how many more, at their worst severity."""
        for rule, (n, severity, clauses) in self._unlisted.items():
            self.violations.append(Violation(outcome(rule, UNLISTED), severity, clauses, Text(  # type: ignore[arg-type]
                f"另有 {n} 项 {rule} 违规未列出（每条记录每项规则最多列出 {MAX_LISTED} 项）",
                f"{n} more violation(s) of {rule} not listed (a record lists at most {MAX_LISTED} of one rule)"),
                "", {"rule": rule, "unlisted": n, "listed": self._listed.get(rule, 0), "limit": MAX_LISTED}))

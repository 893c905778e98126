"""What a shop records and how it tailors the rules: the policy an Engine judges under.

The rules say what the manual requires; the policy says what this shop's
systems hold (``profile`` and per-process ``records``), so that absent
optional data is reported as ``unverified`` rather than as a breach
(RECORDS.md, core and optional data). ``core`` (the default) assumes only the
RECORDS.md data; ``full`` assumes every optional field and event is recorded,
which is how the bundled examples and rule tests are judged. A policy built
from a shop's configuration also carries its overrides (a rule off or
re-graded, always with a reason), parameter overrides (applied when the rules
are compiled) and the rules a run selects; ``apply`` makes each visible in the
result: the trace names the override and where it is written, and the digest
covers the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .contract import declared
from .results import Result, Unverified, Violation

if TYPE_CHECKING:  # pragma: no cover
    from .compile import CompiledProcess

PROFILES = ("core", "full")


@dataclass(frozen=True)
class Policy:
    profile: str = "core"
    records: Mapping[str, frozenset[str]] = field(default_factory=dict)  # process id -> optional names recorded
    overrides: tuple[Any, ...] = ()  # config.Override
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # check id -> params replacing the rule's
    source: Any = None  # what the digest covers of the configuration (its parsed content)
    # process id -> trace lines naming the parameter overrides of its checks and where they are written
    param_notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # rules documents the configuration adds (its `qualifications:` section, a QualificationTable that
    # extends the rules' own), compiled with the rules and positioned in the configuration file
    documents: tuple[Any, ...] = ()
    _digests: dict[str, str] = field(default_factory=dict, init=False, compare=False, repr=False)
    _recorded: dict[CompiledProcess, frozenset[str]] = field(default_factory=dict, init=False, compare=False, repr=False)
    _default: bool = field(default=False, init=False, compare=False, repr=False)  # is_default, worked out once

    def __getstate__(self) -> dict[str, Any]:  # the memos stay behind (they hold compiled processes)
        return {**self.__dict__, "_digests": {}, "_recorded": {}}

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; known: {', '.join(PROFILES)}")
        # (asked for every result: the fields never change, so the answer is found here, once)
        object.__setattr__(self, "_default", self.profile == "core" and not any(self.records.values()) and not self.overrides
                           and not self.select and not self.ignore and not self.params and not self.documents)

    def recorded(self, proc: CompiledProcess) -> frozenset[str]:
        """The optional names of ``proc``'s record schema this shop records (asked for every record: one set
        per process version, remembered)."""
        names = self._recorded.get(proc)
        if names is None:
            if len(self._recorded) >= 1024:
                self._recorded.clear()
            names = self._recorded[proc] = (declared("*", proc.optional) if self.profile == "full"
                                            else frozenset(self.records.get(proc.id, ())))
        return names

    @property
    def is_default(self) -> bool:
        """No configuration at all: results (and digests) are exactly those of the rules alone."""
        return self._default

    def selected(self, rule: str, clauses: tuple[str, ...]) -> bool:
        from .config import rule_matches

        if self.select and not any(rule_matches(p, rule, clauses) for p in self.select):
            return False
        return not any(rule_matches(p, rule, clauses) for p in self.ignore)

    def override_for(self, rule: str) -> Any:
        base = rule.split(":", 1)[0]
        for o in self.overrides:
            if o.rule in (rule, base):
                return o
        return None

    def digest_part(self) -> Mapping[str, Any]:
        return {"profile": self.profile, "records": {k: sorted(v) for k, v in sorted(self.records.items())},
                "overrides": [[o.rule, o.action, o.reason] for o in self.overrides], "select": list(self.select),
                "ignore": list(self.ignore), "params": dict(self.params)}

    def apply(self, result: Result) -> Result:
        """The result as this shop's configuration reads it (unchanged under the default policy)."""
        if self._default:
            return result
        notes: list[str] = []
        kept, unverified = self._kept(result, notes) if self.select or self.ignore or self.overrides else (
            result.violations, result.unverified)  # a profile or records alone change only the digest
        notes += [n for n in self.param_notes.get(result.process or "", ()) if n not in notes]
        return result.but(violations=kept, unverified=unverified, digest=self._digest(result.digest),
                          trace=result.trace_then(notes))

    def _kept(self, result: Result, notes: list[str]) -> tuple[tuple[Violation, ...], tuple[Unverified, ...]]:
        """The violations and unverified rules this configuration selects, re-graded by its overrides
        (each override that applied described in ``notes``)."""
        kept = []
        for v in result.violations:
            if not self.selected(v.rule, v.clauses):
                continue
            o = self.override_for(v.rule)
            if o is not None:
                if o.describe() not in notes:
                    notes.append(o.describe())
                if o.off:
                    continue
                v = replace(v, severity=o.severity)
            kept.append(v)
        unverified = tuple(u for u in result.unverified if self.selected(u.rule, u.clauses)
                           and not getattr(self.override_for(u.rule), "off", False))
        return tuple(kept), unverified

    def _digest(self, digest: str | None) -> str | None:
        """The digest of the rules that judged a result (``digest``) and this configuration: the same for every
        result of one process version, so hashed once per version (a bounded memo; the policy is immutable)."""
        if not digest:
            return digest
        memo = self._digests
        out = memo.get(digest)
        if out is None:
            from .compile import canonical_digest

            if len(memo) >= 1024:
                memo.clear()
            out = memo[digest] = canonical_digest(digest, self.digest_part())
        return out


__all__ = ["PROFILES", "Policy"]

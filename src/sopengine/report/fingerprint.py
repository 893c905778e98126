"""A finding's stable fingerprint: the identity baselines and SARIF use.

A baseline must keep suppressing a finding when the same records are checked
again tomorrow, in another order, with another ``--lang`` or after a message was
reworded; and it must stop suppressing it when the finding changes in substance
(another banned word in the same title is a new finding). So the fingerprint
covers what identifies the finding — record id, process, rule id, the JSON
Pointer it points at — and a hash of its *decisive* evidence: the evidence minus
values that only say how far ``now`` is from a deadline (``late_by``, ``left``
...) and minus wording (bilingual titles, the quoted legal basis, SLA text).
The record's position in its file and the rules' version are deliberately left
out: moving a record or upgrading the rules does not make an old finding new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ..results import Result, Violation

#: The key under which SARIF carries the fingerprint in ``partialFingerprints``;
#: the version suffix changes if the recipe ever changes, so old baselines fail loudly.
FINGERPRINT_KEY = "sopengine/v1"

#: Evidence keys whose value depends on ``now`` (how late, how much time is left,
#: today's date) rather than on the record: excluded so a later run matches.
NOW_DEPENDENT = frozenset({"late_by", "left", "used", "today", "days_expired", "days_left", "days", "delay_h"})
#: Evidence keys that are wording, not substance: a reworded message or vocabulary
#: title is the same finding; so is a qualification entry that moved to another line (defined_at).
WORDING = frozenset({"legal_basis", "sla", "message", "messages", "defined_at"})


def _decisive(value: Any) -> Any:
    """The evidence in canonical form: volatile keys dropped, 1.0 and 1 equal, keys sorted on dump."""
    if isinstance(value, Mapping):
        return {str(k): _decisive(v) for k, v in value.items()
                if k not in NOW_DEPENDENT and k not in WORDING and not str(k).endswith(("_zh", "_en"))}
    if isinstance(value, (list, tuple)):
        return [_decisive(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def evidence_hash(evidence: Mapping[str, Any]) -> str:
    """A hash of the decisive part of a finding's evidence."""
    text = json.dumps(_decisive(evidence), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(record: str | None, process: str | None, rule: str, pointer: str,
                evidence: Mapping[str, Any]) -> str:
    """The stable fingerprint of one finding, as 32 hex digits."""
    parts = [record or "", process or "", rule, pointer, evidence_hash(evidence)]
    key = "\x1f".join(parts)  # a separator no id or pointer contains
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def violation_fingerprint(result: Result, violation: Violation) -> str:
    """The fingerprint of ``violation`` as found in ``result``."""
    return fingerprint(result.record, result.process, violation.rule, violation.path, violation.evidence)


__all__ = ["FINGERPRINT_KEY", "NOW_DEPENDENT", "WORDING", "evidence_hash", "fingerprint", "violation_fingerprint"]

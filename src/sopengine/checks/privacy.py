"""CS-10: customer phone numbers and addresses must not appear unmasked in what the shop writes.

The manual's rule is about leaking, so what is scanned is the shop's side:
messages whose sender is one of ``senders`` (default: agent; supervisors count
as agent in the ticket schema), plus any fields the rule names (exported notes,
comments). A customer typing their own number is not a leak. Masked forms
(``138****5678``, ``杭州市西湖区****``) pass; detection is that of
:mod:`sopengine.text.masking`, the same code that masks every result.

Shops legitimately send their own return address or service number; ``allowed``
lists such texts, and anything found inside one of them is not reported.

One finding per text (message or field value) that leaks, with the counts of
mobile numbers and addresses and a masked excerpt: the evidence itself must not
repeat the leak.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..text.masking import find_private, mask_text
from ..text.scan import Cover
from .base import CheckConfigError, CheckContext, CheckType, CompileEnv, Hit, register
from .fields import MISSING, FieldPath, field_paths, strings_under

KINDS = ("mobile", "address")
MESSAGES = {"path": "messages", "from": "from", "text": "text", "at": "at"}
_EXCERPT = 60


def excerpt(text: str) -> str:
    """The masked text, cut to a window around its first mask when long."""
    masked = mask_text(text)
    if len(masked) <= _EXCERPT:
        return masked
    at = max(masked.find("****"), 0)
    start = max(0, min(at - _EXCERPT // 3, len(masked) - _EXCERPT))
    return ("…" if start else "") + masked[start:start + _EXCERPT] + ("…" if start + _EXCERPT < len(masked) else "")


def _read_back(kind: str, found: str, said: Sequence[str]) -> bool:
    """The customer wrote it earlier in the conversation: the whole number of a mobile; the most specific end
    of an address (its last 8 characters: road, number, building; what precedes may be the agent's own words)."""
    key = found if kind == "mobile" else found[-8:]
    return any(key in earlier for earlier in said)


@register
class PrivacyCheck(CheckType):
    name = "privacy"

    def __init__(self, params: Mapping[str, Any], env: CompileEnv) -> None:
        super().__init__(params, env)
        spec = params.get("messages", {})
        self.msg: dict[str, FieldPath] = {}
        self.senders: frozenset[str] = frozenset()
        if spec is not None:
            self.senders = frozenset(spec.get("senders", ["agent"]))
            self.msg = field_paths({k: v for k, v in spec.items() if k != "senders"}, MESSAGES, "/messages")
            for k in ("path", "from", "text"):
                if k not in self.msg:
                    raise CheckConfigError(f"messages.{k} cannot be null", f"/messages/{k}")
            self.msg["path"].lint(env, "/messages/path")
        self.fields = [FieldPath(p, f"/fields/{i}") for i, p in enumerate(params.get("fields") or [])]
        for i, p in enumerate(self.fields):
            p.lint(env, f"/fields/{i}")
        if not self.msg and not self.fields:
            raise CheckConfigError("nothing to scan: with messages: null, name fields", "/fields")
        self.detect = frozenset(params.get("detect", KINDS))
        if not self.detect:
            raise CheckConfigError("detect must name at least one of mobile, address", "/detect")
        self.allowed = tuple(a for a in params.get("allowed") or () if a)

    def leaks(self, text: str, said: Sequence[str] = ()) -> dict[str, int]:
        """Counts per kind of what ``text`` leaks, ignoring what lies inside an allowed text and what the
        customer wrote earlier in the same conversation (reading their own new address back to them, CS-10)."""
        spans = []
        for a in self.allowed:
            start = text.find(a)
            while start >= 0:
                spans.append((start, start + len(a)))
                start = text.find(a, start + 1)
        counts = dict.fromkeys(KINDS, 0)
        allowed = Cover(spans)  # not a scan of every allowed occurrence per finding: quadratic on long texts
        for f in find_private(text):
            if f.kind in self.detect and not allowed.contains(f.start, f.end) \
                    and not _read_back(f.kind, text[f.start:f.end], said):
                counts[f.kind] += 1
        return counts

    @staticmethod
    def _hit(path: str, text: str, extra: Mapping[str, Any], counts: Mapping[str, int]) -> Hit:
        return Hit(path, {**extra, "mobiles": counts["mobile"], "addresses": counts["address"], "excerpt": excerpt(text)})

    def run(self, ctx: CheckContext) -> Iterator[Hit]:
        if self.msg:
            ptr, messages = self.msg["path"].get(ctx.record)
            said: list[str] = []  # what the customer wrote so far: theirs to hear back
            for i, m in enumerate(messages if isinstance(messages, list) else ()):
                if not isinstance(m, Mapping):
                    continue
                _, sender = self.msg["from"].get(m)
                tp, text = self.msg["text"].get(m, f"{ptr}/{i}")
                if sender == "customer" and isinstance(text, str):
                    said.append(text)
                if sender not in self.senders or not isinstance(text, str):
                    continue
                counts = self.leaks(text, said)  # (said: read, not kept; the evidence only for a leak)
                if any(counts.values()):
                    _, at = self.msg["at"].get(m) if "at" in self.msg else ("", MISSING)
                    yield self._hit(tp, text, {"field": self.msg["path"].text, "number": i + 1, "from": sender,
                                               "at": "" if at is MISSING else at}, counts)
        for fp in self.fields:
            for ptr, value in fp.values(ctx.record):
                for sp, text in strings_under(value, ptr):
                    counts = self.leaks(text)
                    if any(counts.values()):
                        yield self._hit(sp, text, {"field": fp.text}, counts)

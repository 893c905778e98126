"""The record's events by type, for the comprehensions that pick events of one type.

Most rules over events start ``events.filter(e, e.type == 'shipped' ...)`` or
``events.exists(e, e.type == 'delivered' && ...)``; a record's checks run a dozen of
them over the same events. The evaluator indexes the events by type once per record
(``index_events``) and passes the index under ``BY_TYPE``, a key no CEL identifier can
be; a ``filter``, ``exists`` or ``exists_one`` whose condition is ``x.type == '<text>'``,
alone or as the first operand of ``&&``, then visits only the events of that type.

The same answer: every event is an object whose ``type`` is text (``index_events``
gives no index otherwise), so for any other event ``x.type == '<text>'`` is false, and
``false && <anything>`` is false in CEL even where the rest would be an error: such an
event neither joins a filter, nor makes an ``exists`` true, nor counts for
``exists_one``, nor makes any of them an error. The iteration budget still counts every
event, so a long list goes to CEL exactly when it did without the index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .parse import Node

BY_TYPE = " events by type"  # the space: not a CEL identifier, so never a rule's variable
Index = tuple[int, dict[str, list[Any]]]  # (how many events, type -> its events in order)


def index_events(events: Sequence[Any]) -> Index | None:
    """The index of ``events`` (CEL's view of them), or None if one is not an object with a text ``type``."""
    by: dict[str, list[Any]] = {}
    for e in events:
        if type(e) is not dict:
            return None
        t = e.get("type")
        if type(t) is not str:
            return None
        group = by.get(t)
        if group is None:
            by[t] = [e]
        else:
            group.append(e)
    return len(events), by


def picked_type(kind: str, target: Node, var: str, body: Node, shadowed: bool) -> str | None:
    """The event type a comprehension over the engine's ``events`` is limited to, or None."""
    if kind not in ("filter", "exists", "exists_one") or shadowed or target != ("ident", "events"):
        return None
    test = body
    while test[0] == "and":  # a && b && c is (a && b) && c: the first operand is the leftmost
        test = test[1]
    if (test[0] == "bin" and test[1] == "==" and test[2] == ("select", ("ident", var), "type")
            and test[3][0] == "lit" and type(test[3][1]) is str):
        return str(test[3][1])
    return None


def events_of(env: Mapping[str, Any], etype: str) -> tuple[list[Any], int] | None:
    """(the events of ``etype``, how many events there are) from the index in ``env``, if it has one."""
    index: Index | None = env.get(BY_TYPE)
    if index is None:
        return None
    return index[1].get(etype, []), index[0]

"""A process drawn from its compiled state machine: Mermaid (renders on GitHub) or Graphviz DOT.

The edges come from the very ``transitions`` Machine that replays records, not
from the YAML, so the picture cannot show a path the engine would refuse or
miss one it takes. Each transition is matched back to the step that added it
(steps were added in order, one transition per source state) for its labels:
the event, the roles allowed, and the SLA with its conditional cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..compile import CompiledProcess, StepDef


@dataclass(frozen=True)
class Edge:
    source: str
    dest: str
    step: StepDef


def edges(proc: CompiledProcess) -> list[Edge]:
    """Every transition of ``proc.machine``, in the order the steps declare them."""
    out: list[Edge] = []
    for event, ev in proc.machine.events.items():
        steps = proc.steps_by_event.get(event, ())
        for src, transitions in ev.transitions.items():
            candidates = [s for s in steps if src in s.follows]  # with the skips of optional steps
            if len(candidates) != len(transitions):
                raise RuntimeError(f"machine of {proc.key} has {len(transitions)} '{event}' transition(s) from {src!r}, "
                                   f"its steps declare {len(candidates)}")
            for t, step in zip(transitions, candidates):
                if t.dest != step.to:
                    raise RuntimeError(f"machine of {proc.key}: '{event}' from {src!r} goes to {t.dest!r}, step {step.id} says {step.to!r}")
                if src in step.sources:  # a skip of an optional step is not drawn: the diagram is the rules as written
                    out.append(Edge(src, t.dest, step))
    order = {s.id: i for i, s in enumerate(proc.steps)}
    return sorted(out, key=lambda e: order[e.step.id])


def sla_text(step: StepDef) -> str:
    """``24h (made-to-order by due date, big-promotion 48h)``: the default first, then each case by its short name."""
    sla = step.sla
    if sla is None:
        return ""
    default, cases = None, []
    for case in sla.cases:
        what = f"{case.span}" if case.span is not None else "by due date"
        if case.when is None and case.during is None:  # a `during:` case is conditional too
            default = what
        else:
            name = case.id[len(sla.id) + 1:] if case.id.startswith(sla.id + "-") else case.id
            cases.append(f"{name} {what}")
    text = default or ""
    if cases:
        text = f"{text} ({', '.join(cases)})" if text else ", ".join(cases)
    return text


def label_parts(step: StepDef) -> list[str]:
    parts = [step.event, ", ".join(step.roles)]
    sla = sla_text(step)
    if sla:
        parts.append(f"SLA {sla}")
    return parts


def _title(proc: CompiledProcess, state: str, lang: str) -> str:
    t = proc.states[state].get("title")
    title: str = (t[lang] if lang in t else t.get("en", "")) if isinstance(t, dict) else ""
    return title


_MERMAID_UNSAFE = re.compile(r"[;#{}<>\"`]")


def _mermaid_text(text: str) -> str:
    """Mermaid's state grammar ends a label at ';' or a second ':' (``":"[^:\\n;]+``) and reads '#' as
    an entity, braces and angle brackets as markup; a colon becomes the look-alike ratio sign."""
    return _MERMAID_UNSAFE.sub(" ", text).replace(":", "\u2236").strip()


def mermaid(proc: CompiledProcess, lang: str = "en") -> str:
    lines = ["stateDiagram-v2", f"    %% {proc.key}: drawn from the compiled state machine by sopengine graph"]
    for state in proc.machine.states:
        title = _title(proc, state, lang)
        if title:
            lines.append(f"    {state} : {_mermaid_text(title)}")
    lines.append(f"    [*] --> {proc.initial}")
    for e in edges(proc):
        label = " · ".join(_mermaid_text(p) for p in label_parts(e.step))
        lines.append(f"    {e.source} --> {e.dest} : {label}")
    for state in proc.machine.states:
        if state in proc.finals:
            lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(proc: CompiledProcess, lang: str = "en") -> str:
    """Exception steps (``expected: false``: they may happen, nobody is asked to do them) are dashed."""
    lines = [f"digraph {_dot(proc.key)} {{", "    rankdir=LR;",
             '    node [shape=box, style=rounded, fontname="Helvetica"];',
             '    edge [fontname="Helvetica", fontsize=10];',
             '    "__start" [shape=point, label=""];',
             f'    "__start" -> {_dot(proc.initial)};']
    for state in proc.machine.states:
        title = _title(proc, state, lang)
        attrs = [f"label={_dot(state + (chr(10) + title if title else ''))}"]
        if state in proc.finals:
            attrs.append("peripheries=2")
        lines.append(f"    {_dot(state)} [{', '.join(attrs)}];")
    for e in edges(proc):
        st = e.step
        tip = f"step {st.id}: {st.title.get(lang)}" + (f"; when {st.when.source}" if st.when is not None else "") + \
              f"; clauses {', '.join(st.clauses)}"
        label = "\n".join(label_parts(st) + ([f"if {st.when.source}"] if st.when is not None else []))
        attrs = [f"label={_dot(label)}", f"tooltip={_dot(tip)}"]
        if not st.expected:
            attrs.append("style=dashed")
        lines.append(f"    {_dot(e.source)} -> {_dot(e.dest)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Any] = {"mermaid": mermaid, "dot": dot}

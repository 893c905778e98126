"""A process drawn as SVG (or an HTML page around it) by sopengine itself: no Graphviz needed.

Layered layout, as Graphviz's ``dot`` does it in spirit: back edges (found by a
depth-first search from the initial state) are reversed so the graph is acyclic,
each state goes to the layer of its longest path from the start, layers are
ordered by a few barycentre sweeps to uncross edges, and the layers run top to
bottom. Edges are cubic curves, labelled with event, roles and SLA (the same
labels as Mermaid and DOT, from :mod:`sopengine.tools.graph`); back edges and
self-loops arc to the right of the nodes.

Given a :class:`~sopengine.tools.graph_counts.Flow`, edges get thicker and blue
by how many records took them, red where a step's rules were broken; states turn
amber by how many records are stuck in them and get a red border where rules
were broken.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ..compile import CompiledProcess
from .graph import Edge, _title, edges, label_parts
from .graph_counts import Flow

__all__ = ["html", "layout", "svg"]

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 160, 46, 130, 78, 30


def layout(proc: CompiledProcess) -> dict[str, tuple[int, int]]:
    """state -> (layer, position in layer)."""
    states = list(proc.machine.states)
    es = edges(proc)
    out: dict[str, list[str]] = {s: [] for s in states}
    for e in es:
        if e.source != e.dest and e.dest not in out[e.source]:
            out[e.source].append(e.dest)
    back: set[tuple[str, str]] = set()
    seen, stack = set(), set()

    def dfs(s: str) -> None:  # iterative would be longer; processes have tens of states
        seen.add(s)
        stack.add(s)
        for d in out[s]:
            if d in stack:
                back.add((s, d))
            elif d not in seen:
                dfs(d)
        stack.discard(s)

    for root in [proc.initial] + states:
        if root not in seen:
            dfs(root)
    layer = {s: 0 for s in states}
    for _ in range(len(states)):  # longest path on the acyclic rest (Bellman-Ford style, small graphs)
        changed = False
        for s in states:
            for d in out[s]:
                if (s, d) not in back and layer[d] < layer[s] + 1:
                    layer[d] = layer[s] + 1
                    changed = True
        if not changed:
            break
    layers: dict[int, list[str]] = {}
    for s in states:
        layers.setdefault(layer[s], []).append(s)
    pos = {s: i for ls in layers.values() for i, s in enumerate(ls)}
    preds: dict[str, list[str]] = {s: [] for s in states}
    for s in states:
        for d in out[s]:
            preds[d].append(s)
    for sweep in range(4):  # barycentre: order each layer by the mean position of its neighbours in the last one
        for li in sorted(layers) if sweep % 2 == 0 else sorted(layers, reverse=True):
            nbrs = preds if sweep % 2 == 0 else out

            def bary(s: str, nbrs: dict[str, list[str]] = nbrs) -> float:
                ps = [pos[n] for n in nbrs[s] if layer[n] != layer[s]]
                return sum(ps) / len(ps) if ps else float(pos[s])

            layers[li].sort(key=lambda s: (bary(s), pos[s]))
            for i, s in enumerate(layers[li]):
                pos[s] = i
    return {s: (layer[s], pos[s]) for s in states}


def _centre(place: tuple[int, int], width: int, count: int) -> tuple[float, float]:
    layer, i = place
    left = MARGIN + (width - count * (NODE_W + GAP_X)) / 2
    return left + i * (NODE_W + GAP_X) + NODE_W / 2, MARGIN + layer * (NODE_H + GAP_Y) + NODE_H / 2


def _width(n: int, most: int) -> float:
    return 1.2 if not n else 1.5 + 5.0 * math.log1p(n) / math.log1p(max(most, 1))


def svg(proc: CompiledProcess, lang: str = "en", flow: Flow | None = None) -> str:
    place = layout(proc)
    per_layer: dict[int, int] = {}
    for layer, _ in place.values():
        per_layer[layer] = per_layer.get(layer, 0) + 1
    widest = max(per_layer.values(), default=1)
    inner_w = widest * (NODE_W + GAP_X)
    width = inner_w + 2 * MARGIN + 80
    height = 2 * MARGIN + (max(per_layer, default=0) + 1) * (NODE_H + GAP_Y) - GAP_Y + 20
    xy = {s: _centre(p, inner_w, per_layer[p[0]]) for s, p in place.items()}
    most = max(flow.edges.values(), default=0) if flow else 0
    parts: list[str] = []
    seen_pairs: dict[tuple[str, str], int] = {}
    for e in edges(proc):
        parts.append(_edge(e, xy, place, lang, flow, most, seen_pairs))
    for s in proc.machine.states:
        parts.append(_node(proc, s, xy[s], lang, flow))
    sx, sy = xy[proc.initial]
    parts.append(f'<circle cx="{sx - NODE_W / 2 - 18:.1f}" cy="{sy:.1f}" r="6" fill="#1c2833"/>'
                 f'<path d="M{sx - NODE_W / 2 - 12:.1f},{sy:.1f} L{sx - NODE_W / 2 - 1:.1f},{sy:.1f}" stroke="#1c2833" '
                 'marker-end="url(#arrow)"/>')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="process-graph" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="system-ui, \'Noto Sans CJK SC\', sans-serif" font-size="11">'
            f'<title>{escape(proc.key)}</title>'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
            'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#566573"/></marker></defs>'
            '<style>.edge text{fill:#283747}.node text{fill:#1c2833}.edge:hover path{stroke-opacity:1}</style>')
    return head + "".join(parts) + "</svg>\n"


def _edge(e: Edge, xy: dict[str, tuple[float, float]], place: dict[str, tuple[int, int]], lang: str,
          flow: Flow | None, most: int, seen: dict[tuple[str, str], int]) -> str:
    (x1, y1), (x2, y2) = xy[e.source], xy[e.dest]
    k = seen.get((e.source, e.dest), 0)
    seen[(e.source, e.dest)] = k + 1
    n = flow.edges.get((e.step.id, e.source, e.dest), 0) if flow else 0
    broke = flow.step_violations.get(e.step.id, 0) if flow else 0
    colour = "#c0392b" if broke else ("#2471a3" if n else "#85929e")
    dash = "" if e.step.expected else ' stroke-dasharray="5,4"'
    if e.source == e.dest:  # a loop on the right of the node
        r = x1 + NODE_W / 2
        d = f"M{r:.1f},{y1 - 10:.1f} C{r + 46 + 14 * k:.1f},{y1 - 34:.1f} {r + 46 + 14 * k:.1f},{y1 + 34:.1f} {r:.1f},{y1 + 10:.1f}"
        lx, ly, anchor = r + 40 + 14 * k, y1 - 22, "start"
    elif place[e.dest][0] > place[e.source][0]:  # forward: bottom to top
        sy, ty = y1 + NODE_H / 2, y2 - NODE_H / 2
        mid = (sy + ty) / 2
        d = f"M{x1:.1f},{sy:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{ty:.1f}"
        lx, ly, anchor = (x1 + x2) / 2 + 6, mid - 12 + 13 * k, "start"
    else:  # backward or within a layer: an arc on the right of the nodes
        out = max(x1, x2) + NODE_W / 2 + 30 + 22 * k
        d = f"M{x1 + NODE_W / 2:.1f},{y1:.1f} C{out:.1f},{y1:.1f} {out:.1f},{y2:.1f} {x2 + NODE_W / 2:.1f},{y2:.1f}"
        lx, ly, anchor = out - 8, (y1 + y2) / 2, "start"
    label = label_parts(e.step)
    tip = f"{e.step.id}: {e.step.title.get(lang)} ({e.source} → {e.dest})"
    if flow:
        tip += f"; {n} record(s) took it" + (f"; {broke} violation(s) of this step's rules" if broke else "")
    lines = [" · ".join(label[:2])] + label[2:] + ([f"{n} records" + (f", {broke} broke" if broke else "")] if flow and (n or broke) else [])
    text = "".join(f'<tspan x="{lx:.1f}" dy="{0 if i == 0 else 12}">{escape(t)}</tspan>' for i, t in enumerate(lines))
    return (f'<g class="edge" data-step="{escape(e.step.id)}" data-from="{escape(e.source)}" data-to="{escape(e.dest)}" '
            f'data-records="{n}" data-violations="{broke}"><title>{escape(tip)}</title>'
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-opacity="0.85" stroke-width="{_width(n, most):.1f}"{dash} '
            f'marker-end="url(#arrow)"/><text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{text}</text></g>')


def _node(proc: CompiledProcess, s: str, c: tuple[float, float], lang: str, flow: Flow | None) -> str:
    x, y = c[0] - NODE_W / 2, c[1] - NODE_H / 2
    stuck = flow.stuck.get(s, 0) if flow else 0
    reached = flow.reached.get(s, 0) if flow else 0
    broke = flow.state_violations.get(s, 0) if flow else 0
    fill = "#fdebd0" if stuck else ("#e8f8f5" if s in proc.finals else "#f4f6f7")
    stroke = "#c0392b" if broke else "#566573"
    title = _title(proc, s, lang)
    tip = f"{s}" + (f": {title}" if title else "")
    if flow:
        tip += f"; {reached} record(s) ended here" + (f", {stuck} stuck" if stuck else "") + \
               (f"; {broke} violation(s) raised here" if broke else "")
    sub = (f"{stuck} stuck" if stuck else (f"{reached} done" if reached else "")) + (f" · {broke} broke" if broke else "") \
        if flow else title
    double = (f'<rect x="{x + 3:.1f}" y="{y + 3:.1f}" width="{NODE_W - 6}" height="{NODE_H - 6}" rx="6" fill="none" '
              f'stroke="{stroke}"/>') if s in proc.finals else ""
    return (f'<g class="node" data-state="{escape(s)}" data-stuck="{stuck}" data-reached="{reached}" data-violations="{broke}">'
            f'<title>{escape(tip)}</title><rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if broke else 1.2}"/>{double}'
            f'<text x="{c[0]:.1f}" y="{c[1] - 3:.1f}" text-anchor="middle" font-weight="600">{escape(s)}</text>'
            f'<text x="{c[0]:.1f}" y="{c[1] + 12:.1f}" text-anchor="middle">{escape(_clip(sub, 26))}</text></g>')


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def html(proc: CompiledProcess, lang: str = "en", flow: Flow | None = None) -> str:
    """The SVG in a page of its own, with a legend and, given a flow, what it counted."""
    zh = lang == "zh"
    head = f"{proc.key}" + (" 流程图" if zh else " process graph")
    note = ""
    if flow is not None:
        note = (f"<p>{flow.records} {'条记录' if zh else 'record(s)'} ({flow.traced} "
                f"{'条带追踪，计入边' if zh else 'with a trace, counted on the edges'})"
                + (f"; {flow.skipped} {'条属于其他流程或版本，未计入' if zh else 'of other processes or versions left out'}" if flow.skipped else "")
                + (f". {'用 check --explain 生成结果才能统计边。' if zh else 'Write the results with check --explain to count edges.'}"
                   if flow.records and not flow.traced else "") + "</p>")
    legend = ("边：蓝色越粗经过的记录越多，红色表示该步骤的规则被违反，虚线为例外步骤；状态：橙色为停留（未完成）的记录，红框表示在此产生违规，双框为终态。"
              if zh else "Edges: thicker blue = more records took it, red = the step's rules were broken, dashed = an exception "
                         "step. States: amber = records stuck there, red border = violations raised there, double border = final.")
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{escape(head)}</title><style>body{{font:14px system-ui,'Noto Sans CJK SC',sans-serif;margin:20px;"
            "color:#1c2833}.wrap{overflow:auto;border:1px solid #d5d8dc;border-radius:6px;background:#fff}</style></head>"
            f"<body><h1>{escape(head)}</h1>{note}<p>{escape(legend)}</p><div class=\"wrap\">{svg(proc, lang, flow)}</div>"
            "</body></html>\n")


FORMATS: dict[str, Any] = {"svg": svg, "html": html}

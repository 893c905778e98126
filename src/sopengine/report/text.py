"""Human-readable report: one block per record, worst news first in each block."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from ..results import SEVERITY_RANK, Result
from ..text.controls import (
    escape_controls as _line,  # a newline from a record would forge a report line
)
from .base import ReportOptions, Summary, register

_HEAD = {"en": ("state", "next", "due", "overdue", "error", "records", "violations", "evaluation errors", "no due time",
                "unverif", ("{n} rule(s) could not be checked: the record lacks optional data the shop does not declare "
                            "it records (--explain lists them)"), "needs"),
         "zh": ("状态", "待办", "期限", "已逾期", "错误", "条记录", "项违规", "条无法评估", "无期限",
                "未核实", "{n} 项规则无法核实：记录缺少店铺未声明记录的可选数据（--explain 列出明细）", "缺少")}


@register("text")
def write_text(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    s = Summary()
    h = _HEAD["zh" if opts.lang == "zh" else "en"]
    for r in results:
        s.add(r)
        where = f"{r.source.file}:{r.source.line}" if r.source and r.source.line else (r.source.file if r.source else "")
        ident = r.record or "(no id)"
        ver = f"{r.process} {r.version}" if r.version else (r.process or "?")
        out.write(_line(f"{where + ' ' if where else ''}{ident} ({ver})" + (f" {h[0]}={r.state}" if r.state else "")) + "\n")
        if r.error:
            out.write(f"  {h[4]:<8}{_line(r.error)}\n")
        for v in sorted(r.violations, key=lambda v: -SEVERITY_RANK[v.severity]):
            loc = f"  ({v.path})" if v.path else ""
            clauses = ", ".join(v.clauses)
            out.write(f"  {v.severity:<8}" + _line(f"{v.rule} [{clauses}] {v.messages.get(opts.lang)}{loc}") + "\n")
        if r.unverified:
            out.write(f"  {h[9]:<8}" + _line(h[10].format(n=len(r.unverified))) + "\n")
            if opts.trace:
                for u in r.unverified:
                    out.write(f"  {h[9]:<8}" + _line(f"{u.rule} [{', '.join(u.clauses)}] {h[11]}: {', '.join(u.needs)}") + "\n")
        for a in r.next_actions:
            due = f"{h[2]} {a.due}" if a.due else h[8]
            flag = f" {h[3]}!" if a.overdue else ""
            clauses = ", ".join(a.clauses)
            out.write(f"  {h[1]:<8}" + _line(f"{a.action}: {a.title.get(opts.lang)} → {a.role}, {due}{flag} [{clauses}]") + "\n")
        if opts.trace:
            for t in r.trace:
                out.write(f"  trace   {_line(t)}\n")
    sev = s.by_severity
    out.write(f"\n{s.records} {h[5]}, {sum(sev.values())} {h[6]} (error {sev['error']}, warning {sev['warning']}, "
              f"info {sev['info']}), {s.errors} {h[7]}\n")
    return s

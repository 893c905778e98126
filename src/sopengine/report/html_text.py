"""The HTML report's words (zh, en) and its server-drawn sections: totals, the agenda, the rules that judged.

Every value from data passes through ``escape`` (and record texts through
``mask_text``) here; the section functions return markup ready to write.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from ..text.masking import mask_text
from ..tools.agenda import Agenda
from .base import Summary

_EN: dict[str, Any] = {
    "title": "sopengine report", "at": "judged at", "records": "records", "totals": "Totals",
    "violations": "violations", "eval": "evaluation errors", "clean": "clean", "open": "open actions",
    "overdue": "overdue", "process": "Process", "charts": "Violations by clause and by rule",
    "by_clause": "Violations by manual clause", "by_rule": "Violations by rule", "more_bars": "{n} more not drawn",
    "none": "No violations.", "agenda": "Agenda by role", "agenda_note": "the {n} most urgent open actions per role; roles with overdue actions are open",
    "left_out": "{n} more", "records_h": "Records", "record": "Record", "state": "State", "worst": "Worst",
    "viol": "Violations", "acts": "Next actions", "rules": "Rules", "rule": "Rule", "clause": "Clause",
    "severity": "Severity", "search": "Record id contains", "reset": "Reset", "all": "(all)",
    "matching": "records match", "click": "click a record for its violations, next actions and trace",
    "per_page": "per page", "judged": "Rules that judged the batch", "version": "Version", "digest": "Digest",
    "due": "Due", "action": "Action", "message": "Message", "no_actions": "Nothing open.",
    "unverified": "unverified checks", "unverified_h": "Rules that could not be checked",
    "unverified_note": "the records lack optional data the shop has not declared it records; not findings",
    "needs": "Needs",
    "js": {"violations": "Violations", "next": "Next actions", "trace": "Trace", "due": "due", "nodue": "no due time",
           "overdue": "overdue", "error": "Evaluation error", "notrace": "Run check with --explain to include the trace.",
           "page": "page", "noid": "(no id)", "unverified": "Unverified", "needs": "needs",
           "sev": {"error": "error", "warning": "warning", "info": "info", "eval": "evaluation error", "none": "clean"}},
}
_ZH: dict[str, Any] = {
    "title": "sopengine 检查报告", "at": "评估时间", "records": "条记录", "totals": "总览",
    "violations": "项违规", "eval": "条无法评估", "clean": "条无违规", "open": "项待办",
    "overdue": "项逾期", "process": "流程", "charts": "按条款和规则统计的违规",
    "by_clause": "按手册条款", "by_rule": "按规则", "more_bars": "另有 {n} 项未画出",
    "none": "没有违规。", "agenda": "按角色的待办", "agenda_note": "每个角色最紧急的 {n} 项待办；有逾期的角色已展开",
    "left_out": "另有 {n} 项", "records_h": "记录", "record": "记录", "state": "状态", "worst": "最严重",
    "viol": "违规", "acts": "待办", "rules": "规则", "rule": "规则", "clause": "条款",
    "severity": "严重程度", "search": "记录编号包含", "reset": "重置", "all": "（全部）",
    "matching": "条记录符合", "click": "点击记录查看违规、待办和追踪",
    "per_page": "每页", "judged": "评估所用的规则", "version": "版本", "digest": "摘要",
    "due": "期限", "action": "动作", "message": "说明", "no_actions": "没有待办。",
    "unverified": "项无法核实", "unverified_h": "无法核实的规则",
    "unverified_note": "记录缺少店铺未声明会记录的可选数据；不算违规",
    "needs": "所需数据",
    "js": {"violations": "违规", "next": "待办", "trace": "追踪", "due": "期限", "nodue": "无期限",
           "overdue": "已逾期", "error": "无法评估", "notrace": "用 check --explain 生成报告以包含追踪。",
           "page": "第", "noid": "（无编号）", "unverified": "无法核实", "needs": "需要",
           "sev": {"error": "错误", "warning": "警告", "info": "提示", "eval": "无法评估", "none": "无违规"}},
}
UI: dict[str, dict[str, Any]] = {"en": _EN, "zh": _ZH}


def _card(cls: str, ident: str, n: int, label: str) -> str:
    return f'<div class="card {cls}"><b id="{ident}" data-count="{n}">{n}</b>{escape(label)}</div>'


def totals_html(ui: dict[str, Any], s: Summary, by_process: dict[str, Counter[str]], actions: int, overdue: int,
                unverified: int = 0) -> str:
    sev = s.by_severity
    cards = "".join([
        _card("", "n-records", s.records, ui["records"]),
        _card("", "n-violations", sum(sev.values()), ui["violations"]),
        _card("error", "n-error", sev["error"], ui["js"]["sev"]["error"]),
        _card("warning", "n-warning", sev["warning"], ui["js"]["sev"]["warning"]),
        _card("info", "n-info", sev["info"], ui["js"]["sev"]["info"]),
        _card("", "n-eval", s.errors, ui["eval"]),
        _card("", "n-actions", actions, ui["open"]),
        _card("error", "n-overdue", overdue, ui["overdue"]),
        _card("", "n-unverified", unverified, ui["unverified"]),
    ])
    cols = [("records", ui["records"]), ("error", ui["js"]["sev"]["error"]), ("warning", ui["js"]["sev"]["warning"]),
            ("info", ui["js"]["sev"]["info"]), ("eval", ui["eval"]), ("clean", ui["clean"])]
    head = f'<tr><th>{escape(ui["process"])}</th>' + "".join(f'<th class="n">{escape(label)}</th>' for _, label in cols) + "</tr>"
    body = "".join(f'<tr data-process="{escape(p)}"><td>{escape(p)}</td>'
                   + "".join(f'<td class="n" data-col="{k}">{c[k]}</td>' for k, _ in cols) + "</tr>"
                   for p, c in sorted(by_process.items()))
    return (f'<section id="totals"><h2>{escape(ui["totals"])}</h2><div class="cards">{cards}</div>'
            f'<table id="by-process"><thead>{head}</thead><tbody>{body}</tbody></table></section>\n')


def agenda_html(ui: dict[str, Any], agenda: Agenda) -> str:
    parts = [(f'<section id="agenda"><h2>{escape(ui["agenda"])}</h2>'
              f'<p class="muted">{escape(ui["agenda_note"].format(n=agenda.limit))}</p>')]
    groups = agenda.by_role()
    if not groups:
        parts.append(f'<p class="muted">{escape(ui["no_actions"])}</p>')
    for role, items in groups:
        late = sum(i.overdue for i in items)
        more = agenda.left_out.get(role, 0)
        parts.append(f'<details class="agenda-role" data-role="{escape(role)}"{" open" if late else ""}><summary><b>{escape(role)}</b> · '
                     f'{len(items) + more} {escape(ui["open"])}'
                     + (f', {late}{"+" if more else ""} {escape(ui["overdue"])}' if late else "") + "</summary>"
                     f'<table><thead><tr><th>{escape(ui["due"])}</th><th>{escape(ui["record"])}</th><th>{escape(ui["action"])}</th>'
                     f'<th>{escape(ui["clause"])}</th><th>{escape(ui["message"])}</th></tr></thead><tbody>')
        for i in items:
            when = (f'<span class="late">{escape(i.due or "")} · {escape(ui["js"]["overdue"])} {escape(i.late_by or "")}</span>'
                    if i.overdue else escape(i.due or ui["js"]["nodue"]))
            parts.append(f"<tr><td>{when}</td><td>{escape(mask_text(i.record or ui['js']['noid']))}</td>"
                         f"<td>{escape(f'{i.process}/{i.action}')}</td><td>{escape(', '.join(i.clauses))}</td>"
                         f"<td>{escape(mask_text(i.message))}</td></tr>")
        parts.append("</tbody></table>")
        if more:
            parts.append(f'<p class="muted">{escape(ui["left_out"].format(n=more))}</p>')
        parts.append("</details>")
    parts.append("</section>\n")
    return "".join(parts)


def digests_html(ui: dict[str, Any], digests: Counter[tuple[str, str, str]]) -> str:
    rows = "".join(f"<tr><td>{escape(p)}</td><td>{escape(v)}</td><td><code>{escape(d)}</code></td><td class=\"n\">{n}</td></tr>"
                   for (p, v, d), n in sorted(digests.items()))
    return (f'<section id="rules"><h2>{escape(ui["judged"])}</h2><table><thead><tr><th>{escape(ui["process"])}</th>'
            f'<th>{escape(ui["version"])}</th><th>{escape(ui["digest"])}</th><th class="n">{escape(ui["records"])}</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></section>\n")


def unverified_html(ui: dict[str, Any], counts: Counter[str], needs: dict[str, tuple[tuple[str, ...], set[str]]]) -> str:
    """Rules the batch could not check, with what a shop would have to record; nothing when there are none."""
    if not counts:
        return ""
    rows = "".join(f'<tr data-rule="{escape(rule)}"><td>{escape(rule)}</td><td>{escape(", ".join(needs[rule][0]))}</td>'
                   f'<td>{escape(", ".join(sorted(needs[rule][1])))}</td><td class="n">{n}</td></tr>'
                   for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f'<section id="unverified"><h2>{escape(ui["unverified_h"])}</h2><p class="muted">{escape(ui["unverified_note"])}</p>'
            f'<table><thead><tr><th>{escape(ui["rule"])}</th><th>{escape(ui["clause"])}</th><th>{escape(ui["needs"])}</th>'
            f'<th class="n">{escape(ui["records"])}</th></tr></thead><tbody>{rows}</tbody></table></section>\n')

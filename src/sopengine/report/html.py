"""One self-contained HTML file for people: totals, charts, the agenda by role, and every record.

Built for a batch of 100,000 records: the writer streams the results, keeping
aggregates (counts by process, severity, rule, clause), a bounded agenda, and
two spool files (a compact index row per record; the record's details in chunks)
rather than the results; the page opens on the aggregates drawn server-side
(tables and SVG), filters the index in the browser, shows 50 rows a page, and
parses a record's details (violations, next actions, the ``--explain`` trace)
only when it is clicked.

Nothing from data becomes markup: server-side text goes through ``html.escape``;
the inlined JSON has ``<``, ``>``, ``&`` and the line separators as ``\\u``
escapes, so no ``</script>`` can end its block; the script puts data in the page
as text only; and a Content-Security-Policy allows no network and no script but
the report's own (by its hash), so an injected handler would not run either.
Personal data is masked (CS-10) in every text from a record, as in every format.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from base64 import b64encode
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from importlib.resources import files
from typing import IO, Any

from ..results import Result
from ..text.masking import mask_text
from ..tools.agenda import Agenda
from .base import ReportOptions, Summary, register
from .html_text import UI, agenda_html, digests_html, totals_html, unverified_html
from .svgchart import bar_chart

CHUNK = 500  # records per details block: one click parses one block
SPOOL = 8 << 20  # bytes of index and details kept in memory before they spool to a temporary file
AGENDA_PER_ROLE = 20
TOP = 25  # bars per chart
_BIT = {"info": 1, "warning": 2, "error": 4}
_EVAL = 8


def js_data(obj: Any) -> str:
    """JSON that is safe inside a <script> block whatever strings it holds."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _asset(name: str) -> str:
    return files("sopengine.report").joinpath("assets", name).read_text("utf-8")


def _m(text: str | None) -> str | None:
    return None if text is None else mask_text(text)


class _Names:
    """Interned names (processes, states, rules, clauses): index rows carry small numbers, not strings."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.counts: Counter[int] = Counter()

    def __call__(self, name: str, count: bool = True) -> int:
        i = self.index.setdefault(name, len(self.index))
        if count:
            self.counts[i] += 1
        return i

    def names(self) -> list[str]:
        return list(self.index)


class _Batch:
    def __init__(self, opts: ReportOptions) -> None:
        self.opts, self.lang = opts, ("zh" if opts.lang == "zh" else "en")
        self.now = opts.now if opts.now is not None else datetime.now(UTC).astimezone()
        self.summary = Summary()
        self.processes, self.states, self.rules, self.clauses = _Names(), _Names(), _Names(), _Names()
        self.by_process: dict[str, Counter[str]] = {}
        self.rule_sev: dict[str, Counter[str]] = {}
        self.clause_sev: dict[str, Counter[str]] = {}
        self.digests: Counter[tuple[str, str, str]] = Counter()
        self.agenda = Agenda(self.now, lang=self.lang, limit=AGENDA_PER_ROLE)
        self.actions = self.overdue = 0
        # rules that could not be checked for want of optional data (results' ``unverified``): rule -> records, needs
        self.unverified: Counter[str] = Counter()
        self.unverified_needs: dict[str, tuple[tuple[str, ...], set[str]]] = {}
        # closed by write(), which the writer always reaches or leaves by an exception that ends the run
        self.index = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.details = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.n = 0

    def add(self, r: Result) -> None:
        self.summary.add(r)
        self.agenda.add(r)
        lang = self.lang
        proc = r.process or "?"
        totals = self.by_process.setdefault(proc, Counter())
        totals["records"] += 1
        mask = _EVAL if r.error is not None else 0
        if r.error is not None:
            totals["eval"] += 1
        rules: list[int] = []
        clauses: list[int] = []
        for v in r.violations:
            totals[v.severity] += 1
            mask |= _BIT[v.severity]
            self.rule_sev.setdefault(v.rule, Counter())[v.severity] += 1
            ri = self.rules(v.rule)
            if ri not in rules:
                rules.append(ri)
            for c in v.clauses:
                self.clause_sev.setdefault(c, Counter())[v.severity] += 1
                ci = self.clauses(c)
                if ci not in clauses:
                    clauses.append(ci)
        if not mask:
            totals["clean"] += 1
        late = sum(a.overdue for a in r.next_actions)
        self.actions += len(r.next_actions)
        self.overdue += late
        if r.digest:
            self.digests[(proc, r.version or "", r.digest)] += 1
        src = r.source
        where = None if src is None else (f"{src.file}:{src.line}" if src.line else src.file)
        chunk, pos = divmod(self.n, CHUNK)
        row = [_m(r.record), self.processes(proc), r.version, self.states(r.state) if r.state else -1, mask, rules,
               clauses, len(r.violations), len(r.next_actions), late, where, chunk, pos]
        unverified = getattr(r, "unverified", ())  # results carry it once the engine reports unverified rules
        for u in unverified:
            self.unverified[u.rule] += 1
            needs = self.unverified_needs.setdefault(u.rule, (tuple(u.clauses), set()))[1]
            if len(needs) < 8:  # bounded: what to record, not every record's list
                needs.update(u.needs)
        detail = [[[v.rule, v.severity, list(v.clauses), _m(v.messages.get(lang)), v.path] for v in r.violations],
                  [[a.action, a.role, a.due, a.overdue, a.title.get(lang)] for a in r.next_actions],
                  [mask_text(t) for t in r.trace] if self.opts.trace else [], _m(r.error),
                  [[u.rule, list(u.clauses), list(u.needs)] for u in unverified]]
        self.index.write(("," if self.n else "") + js_data(row))
        if pos == 0:
            self.details.write(("]</script>\n" if self.n else "") + f'<script type="application/json" id="d{chunk}">[')
        self.details.write(("," if pos else "") + js_data(detail))
        self.n += 1

    def write(self, out: IO[str]) -> None:
        ui = UI[self.lang]
        script = _asset("report.js")
        sha = b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{sha}'; img-src data:"
        out.write(f'<!DOCTYPE html>\n<html lang="{"zh-CN" if self.lang == "zh" else "en"}"><head><meta charset="utf-8">'
                  f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                  f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
                  f'<title>{escape(ui["title"])}</title><style>{_asset("report.css")}</style></head><body>\n')
        stamp = self.now.isoformat(timespec="seconds")
        out.write(f'<header><h1>{escape(ui["title"])}</h1><p>{escape(ui["at"])} {escape(stamp)} · sopengine '
                  f'{escape(self.opts.tool_version)} · <span id="total-records" data-count="{self.summary.records}">'
                  f'{self.summary.records}</span> {escape(ui["records"])}</p></header><main>\n')
        out.write(totals_html(ui, self.summary, self.by_process, self.actions, self.overdue, sum(self.unverified.values())))
        out.write(self._charts(ui))
        out.write(agenda_html(ui, self.agenda))
        out.write(self._table(ui))
        out.write(unverified_html(ui, self.unverified, self.unverified_needs))
        out.write(digests_html(ui, self.digests))
        out.write("</main>\n")
        meta = {"t": ui["js"], "processes": self.processes.names(), "states": self.states.names(),
                "rules": self.rules.names(), "clauses": self.clauses.names(), "chunk": CHUNK}
        out.write(f'<script type="application/json" id="meta">{js_data(meta)}</script>\n'
                  '<script type="application/json" id="rows">[')
        self.index.seek(0)
        shutil.copyfileobj(self.index, out)
        out.write("]</script>\n")
        self.details.seek(0)
        shutil.copyfileobj(self.details, out)
        if self.n:
            out.write("]</script>\n")
        out.write(f"<script>{script}</script>\n</body></html>\n")
        self.index.close()
        self.details.close()

    def _charts(self, ui: dict[str, Any]) -> str:
        def bars(table: dict[str, Counter[str]]) -> tuple[list[tuple[str, list[tuple[str, int]]]], str]:
            ranked = sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
            rest = len(ranked) - TOP
            chosen = [(name, [(s, c[s]) for s in ("error", "warning", "info")]) for name, c in ranked[:TOP]]
            return chosen, (ui["more_bars"].format(n=rest) if rest > 0 else "")

        by_clause, more_c = bars(self.clause_sev)
        by_rule, more_r = bars(self.rule_sev)
        if not by_rule:
            return f'<section id="charts"><h2>{escape(ui["charts"])}</h2><p class="muted">{escape(ui["none"])}</p></section>\n'
        return (f'<section id="charts"><h2>{escape(ui["charts"])}</h2><div class="charts"><div><h3>{escape(ui["by_clause"])}</h3>'
                + bar_chart(by_clause, title=ui["by_clause"], filter_name="clause", more=more_c)
                + f'</div><div><h3>{escape(ui["by_rule"])}</h3>'
                + bar_chart(by_rule, title=ui["by_rule"], filter_name="rule", more=more_r) + "</div></div></section>\n")

    def _table(self, ui: dict[str, Any]) -> str:
        def select(name: str, label: str, names: _Names) -> str:
            opts = "".join(f'<option value="{i}" data-name="{escape(n)}">{escape(n)} ({names.counts[i]})</option>'
                           for n, i in sorted(names.index.items()))
            return (f'<label>{escape(label)}<select id="f-{name}"><option value="">{escape(ui["all"])}</option>{opts}'
                    "</select></label>")

        sev = "".join(f'<option value="{b}">{escape(ui["js"]["sev"][s])}</option>'
                      for b, s in ((2, "error"), (1, "warning"), (0, "info"), (3, "eval")))
        heads = "".join(f"<th{' class=n' if h in ('#', ui['viol'], ui['acts']) else ''}>{escape(h)}</th>"
                        for h in ("#", ui["record"], ui["process"], ui["state"], ui["worst"], ui["viol"], ui["acts"], ui["rules"]))
        return (f'<section id="records"><h2>{escape(ui["records_h"])}</h2><div class="filters">'
                + select("process", ui["process"], self.processes) + select("rule", ui["rule"], self.rules)
                + select("clause", ui["clause"], self.clauses)
                + f'<label>{escape(ui["severity"])}<select id="f-severity"><option value="">{escape(ui["all"])}</option>{sev}'
                  f'<option value="none">{escape(ui["js"]["sev"]["none"])}</option></select></label>'
                + select("state", ui["state"], self.states)
                + f'<label>{escape(ui["search"])}<input id="f-q" type="search" autocomplete="off"></label>'
                  f'<button id="reset" type="button">{escape(ui["reset"])}</button></div>'
                  f'<p><span id="count-matching">0</span> {escape(ui["matching"])} · {escape(ui["click"])}</p>'
                  f'<table id="rows-table"><thead><tr>{heads}</tr></thead><tbody id="rows-body"></tbody></table>'
                  f'<div class="pager"><button id="prev" type="button">‹</button><span id="page-info"></span>'
                  f'<button id="next" type="button">›</button><label>{escape(ui["per_page"])} <select id="f-size">'
                  '<option>50</option><option>100</option><option>500</option></select></label></div></section>\n')


@register("html")
def write_html(results: Iterable[Result], out: IO[str], opts: ReportOptions) -> Summary:
    batch = _Batch(opts)
    for r in results:
        batch.add(r)
    batch.write(out)
    return batch.summary

// sopengine HTML report: filters and pages the records table, loads a record's details on a click.
// Data comes from <script type="application/json"> blocks and is only ever put in the page as text
// (textContent, never innerHTML), so nothing in a record can become markup or script.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var meta = JSON.parse($("meta").textContent);
  var rows = JSON.parse($("rows").textContent);
  var T = meta.t, SEV = ["info", "warning", "error", "eval"];
  // index row: [id, process, version, state, sevmask, rules, clauses, nviol, nact, noverdue, source, chunk, pos]
  var chunks = {};
  var state = { page: 0, size: 50, open: {} };
  var filters = ["process", "rule", "clause", "severity", "state"];
  var matching = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function value(name) { return $("f-" + name).value; }

  function matches(r, f, q) {
    if (f.process !== "" && r[1] !== +f.process) { return false; }
    if (f.state !== "" && r[3] !== +f.state) { return false; }
    if (f.rule !== "" && r[5].indexOf(+f.rule) < 0) { return false; }
    if (f.clause !== "" && r[6].indexOf(+f.clause) < 0) { return false; }
    if (f.severity === "none") { if (r[4] !== 0) { return false; } }
    else if (f.severity !== "" && !(r[4] & (1 << +f.severity))) { return false; }
    if (q && String(r[0]).toLowerCase().indexOf(q) < 0) { return false; }
    return true;
  }

  function refilter() {
    var f = {}, i;
    for (i = 0; i < filters.length; i++) { f[filters[i]] = value(filters[i]); }
    var q = $("f-q").value.trim().toLowerCase();
    matching = [];
    for (i = 0; i < rows.length; i++) { if (matches(rows[i], f, q)) { matching.push(i); } }
    state.page = 0;
    state.open = {};
    render();
  }

  function worst(mask) {
    if (mask & 8) { return "eval"; }
    for (var b = 2; b >= 0; b--) { if (mask & (1 << b)) { return SEV[b]; } }
    return "none";
  }

  function detailOf(i) {
    var r = rows[i], c = r[11];
    if (!(c in chunks)) { chunks[c] = JSON.parse($("d" + c).textContent); }
    return chunks[c][r[12]];
  }

  function detailRow(i) {
    var d = detailOf(i), tr = el("tr", "detail"), td = el("td");
    td.colSpan = 8;
    if (rows[i][10]) { td.appendChild(el("p", "muted", rows[i][10])); }
    if (d[3]) { td.appendChild(el("p", "late", T.error + ": " + d[3])); }
    td.appendChild(el("h3", null, T.violations + " (" + d[0].length + ")"));
    var ul = el("ul");
    d[0].forEach(function (v) {
      var li = el("li");
      li.appendChild(el("span", "sev " + v[1], T.sev[v[1]] || v[1]));
      li.appendChild(document.createTextNode(" " + v[0] + " [" + v[2].join(", ") + "] " + v[3] + (v[4] ? "  (" + v[4] + ")" : "")));
      ul.appendChild(li);
    });
    td.appendChild(ul);
    td.appendChild(el("h3", null, T.next + " (" + d[1].length + ")"));
    ul = el("ul");
    d[1].forEach(function (a) {
      var li = el("li", a[3] ? "late" : null,
        a[0] + ": " + a[4] + " → " + a[1] + ", " + (a[2] ? T.due + " " + a[2] : T.nodue) + (a[3] ? " " + T.overdue + "!" : ""));
      ul.appendChild(li);
    });
    td.appendChild(ul);
    if (d[4] && d[4].length) {
      td.appendChild(el("h3", null, T.unverified + " (" + d[4].length + ")"));
      ul = el("ul");
      d[4].forEach(function (u) { ul.appendChild(el("li", null, u[0] + " [" + u[1].join(", ") + "] " + T.needs + ": " + u[2].join(", "))); });
      td.appendChild(ul);
    }
    td.appendChild(el("h3", null, T.trace));
    td.appendChild(d[2].length ? el("pre", null, d[2].join("\n")) : el("p", "muted", T.notrace));
    tr.appendChild(td);
    return tr;
  }

  function render() {
    var body = $("rows-body"), pages = Math.max(1, Math.ceil(matching.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var start = state.page * state.size, end = Math.min(matching.length, start + state.size);
    for (var k = start; k < end; k++) {
      var i = matching[k], r = rows[i], tr = el("tr", "rec");
      tr.setAttribute("data-index", String(i));
      tr.appendChild(el("td", "n", i + 1));
      tr.appendChild(el("td", null, r[0] === null ? T.noid : r[0]));
      tr.appendChild(el("td", null, meta.processes[r[1]] + (r[2] ? " " + r[2] : "")));
      tr.appendChild(el("td", null, r[3] < 0 ? "—" : meta.states[r[3]]));
      var w = el("td"); w.appendChild(el("span", "sev " + worst(r[4]), T.sev[worst(r[4])])); tr.appendChild(w);
      tr.appendChild(el("td", "n", r[7]));
      tr.appendChild(el("td", "n" + (r[9] ? " late" : ""), r[8] + (r[9] ? " (" + r[9] + " " + T.overdue + ")" : "")));
      tr.appendChild(el("td", null, r[5].slice(0, 3).map(function (x) { return meta.rules[x]; }).join(", ") + (r[5].length > 3 ? " …" : "")));
      body.appendChild(tr);
      if (state.open[i]) { body.appendChild(detailRow(i)); }
    }
    $("count-matching").textContent = String(matching.length);
    $("page-info").textContent = T.page + " " + (state.page + 1) + " / " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  $("rows-body").addEventListener("click", function (ev) {
    var tr = ev.target.closest ? ev.target.closest("tr.rec") : null;
    if (!tr) { return; }
    var i = +tr.getAttribute("data-index");
    if (state.open[i]) { delete state.open[i]; } else { state.open[i] = true; }
    render();
  });
  filters.concat(["q"]).forEach(function (name) {
    $("f-" + name).addEventListener(name === "q" ? "input" : "change", refilter);
  });
  $("f-size").addEventListener("change", function () { state.size = +$("f-size").value; state.page = 0; render(); });
  $("prev").addEventListener("click", function () { state.page -= 1; render(); });
  $("next").addEventListener("click", function () { state.page += 1; render(); });
  $("reset").addEventListener("click", function () {
    filters.concat(["q"]).forEach(function (name) { $("f-" + name).value = ""; });
    refilter();
  });
  // a click on a chart's bar filters the table by that rule or clause
  Array.prototype.forEach.call(document.querySelectorAll(".chart .bar"), function (g) {
    g.addEventListener("click", function () {
      var sel = $("f-" + g.getAttribute("data-filter")), want = g.getAttribute("data-value");
      for (var k = 0; k < sel.options.length; k++) {
        if (sel.options[k].getAttribute("data-name") === want) { sel.selectedIndex = k; }
      }
      refilter();
      $("records").scrollIntoView();
    });
  });
  refilter();
  document.body.setAttribute("data-ready", "1");
}());

// proctor report: the run page's task table (sort, filter, page) and per-task agreement.
// Data comes from <script type="application/json"> blocks; every value goes into the page as
// text (textContent), never as HTML.
(function () {
  "use strict";
  var PAGE = 100;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function data(id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.textContent) : null;
  }

  function ratio(pair) {
    return pair[1] ? pair[0] / pair[1] : -1;
  }

  function sortValue(row, key) {
    var v = row[key];
    if (key === "f2p" || key === "p2p") return ratio(v);
    if (key === "holds") return v === null ? -1 : v ? 1 : 0;
    if (v === null || v === undefined) return -Infinity;
    return v;
  }

  function cells(row) {
    var link = el("a", row.id);
    link.href = encodeURI(row.href).replace(/#/g, "%23").replace(/\?/g, "%3F");
    var outcome = el("span", row.outcome, "o o-" + row.outcome);
    return [
      link,
      outcome,
      row.holds === null ? "—" : row.holds ? "yes" : "no",
      row.f2p[0] + "/" + row.f2p[1],
      row.p2p[0] + "/" + row.p2p[1],
      row.findings === null ? "—" : row.findings,
      row.confidence === null ? "—" : row.confidence,
      row.seconds.toFixed(1),
      row.cost ? row.cost.toFixed(4) : "0",
      row.note
    ];
  }

  var KEYS = ["id", "outcome", "holds", "f2p", "p2p", "findings", "confidence", "seconds", "cost", "note"];
  var NUMERIC = { f2p: 1, p2p: 1, findings: 1, confidence: 1, seconds: 1, cost: 1 };

  function taskTable(rows) {
    var table = document.getElementById("tasks");
    var body = table.tBodies[0];
    var filter = document.getElementById("filter");
    var outcome = document.getElementById("outcome-filter");
    var state = { key: null, dir: 1, page: 0 };

    function chosen() {
      var text = filter.value.toLowerCase();
      var only = outcome.value;
      var kept = rows.filter(function (r) {
        if (only && r.outcome !== only) return false;
        return !text || r.id.toLowerCase().indexOf(text) >= 0 || r.note.toLowerCase().indexOf(text) >= 0;
      });
      if (state.key) {
        var key = state.key, dir = state.dir;
        kept.sort(function (a, b) {
          var x = sortValue(a, key), y = sortValue(b, key);
          if (typeof x === "string" && typeof y === "string") return dir * x.localeCompare(y);
          return x < y ? -dir : x > y ? dir : 0;
        });
      }
      return kept;
    }

    function draw() {
      var kept = chosen();
      var pages = Math.max(1, Math.ceil(kept.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      var slice = kept.slice(state.page * PAGE, (state.page + 1) * PAGE);
      var fragment = document.createDocumentFragment();
      slice.forEach(function (row) {
        var tr = el("tr");
        tr.dataset.id = row.id;
        tr.dataset.outcome = row.outcome;
        cells(row).forEach(function (value, i) {
          var td = el("td", null, NUMERIC[KEYS[i]] ? "num" : KEYS[i] === "note" ? "note" : "");
          td.dataset.col = KEYS[i];
          if (value instanceof Node) td.appendChild(value); else td.textContent = String(value);
          tr.appendChild(td);
        });
        fragment.appendChild(tr);
      });
      body.replaceChildren(fragment);
      document.getElementById("shown").textContent = kept.length + " of " + rows.length + " tasks";
      document.getElementById("page").textContent = "page " + (state.page + 1) + " of " + pages;
      document.getElementById("prev").disabled = state.page === 0;
      document.getElementById("next").disabled = state.page >= pages - 1;
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.tabIndex = 0;
      th.setAttribute("role", "button");
      th.addEventListener("click", function () {
        var key = th.dataset.key;
        state.dir = state.key === key ? -state.dir : 1;
        state.key = key;
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        draw();
      });
    });
    filter.addEventListener("input", function () { state.page = 0; draw(); });
    outcome.addEventListener("change", function () { state.page = 0; draw(); });
    document.getElementById("prev").addEventListener("click", function () { state.page -= 1; draw(); });
    document.getElementById("next").addEventListener("click", function () { state.page += 1; draw(); });
    draw();
  }

  var rows = data("rows");
  if (rows && document.getElementById("tasks")) taskTable(rows);
  if (window.performance && performance.mark) performance.mark("report-ready");
  document.documentElement.dataset.ready = "1";
})();

/* Sorting and filtering of the communes table. Without this script the table is complete and
   readable; the filters stay hidden. No external asset, no network. */
(function () {
  "use strict";
  var table = document.getElementById("communes-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var q = document.getElementById("q");
  var status = document.getElementById("status");
  var unmet = document.getElementById("unmet");
  var shown = document.getElementById("shown");
  document.getElementById("filters").hidden = false;

  function fold(s) {
    return s.toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim();
  }
  function filter() {
    var text = fold(q.value), st = status.value, only = unmet.checked, n = 0;
    rows.forEach(function (r) {
      var ok = (!text || r.getAttribute("data-search").indexOf(text) >= 0) &&
               (!st || r.getAttribute("data-status") === st) &&
               (!only || r.getAttribute("data-unmet") !== "0");
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  [q, status, unmet].forEach(function (el) {
    el.addEventListener("input", filter);
    el.addEventListener("change", filter);
  });

  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, i, numeric) {
    var v = row.cells[i].getAttribute("data-sort");
    if (v === null) { v = row.cells[i].textContent; }
    return numeric ? parseFloat(v) || 0 : v;
  }
  heads.forEach(function (th, i) {
    th.tabIndex = 0;
    function sort() {
      var numeric = th.getAttribute("data-type") === "num";
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = key(a, i, numeric), y = key(b, i, numeric);
        var c = numeric ? x - y : String(x).localeCompare(String(y), document.documentElement.lang);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
}());

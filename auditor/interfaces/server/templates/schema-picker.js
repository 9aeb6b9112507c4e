/* The schema picker of the check page: a search box above the schema list (a plain <select> that works without
   JavaScript), which keeps only the schemas whose title or name holds every word typed (accents and case
   ignored) and opens the list to show their versions. No network request: the list is the page's own. */
(function () {
  "use strict";
  var select = document.getElementById("schema");
  if (!select || !select.querySelector("optgroup")) { return; }
  var groups = Array.prototype.slice.call(select.querySelectorAll("optgroup"));
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var keys = groups.map(function (g) { return fold(g.label + " " + (g.getAttribute("data-name") || "")); });
  var input = document.createElement("input");
  input.type = "search";
  input.id = "schema-search";
  input.autocomplete = "off";
  input.placeholder = select.getAttribute("data-placeholder");
  input.setAttribute("aria-label", select.getAttribute("data-placeholder"));
  input.setAttribute("aria-controls", "schema");
  var status = document.createElement("p");
  status.id = "schema-count";
  status.className = "small muted";
  status.setAttribute("aria-live", "polite");
  select.parentNode.insertBefore(input, select);
  select.parentNode.insertBefore(status, select);

  function filter() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    var options = 1;
    groups.forEach(function (g, i) {
      var match = words.every(function (w) { return keys[i].indexOf(w) !== -1; });
      if (match) {
        select.appendChild(g);  /* in the list's order: every kept group is appended again, in turn */
        shown += 1;
        options += g.children.length + 1;
      } else if (g.parentNode) {
        g.parentNode.removeChild(g);
      }
    });
    select.size = words.length ? Math.max(2, Math.min(12, options)) : 0;
    status.textContent = !words.length ? "" :
      shown ? select.getAttribute("data-some").replace("{n}", String(shown)) : select.getAttribute("data-none");
  }
  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {  /* Enter chooses the first match, not the form */
    if (event.key === "Enter") {
      event.preventDefault();
      var first = select.querySelector("optgroup option");
      if (first) { select.value = first.value; select.focus(); }
    }
  });
}());

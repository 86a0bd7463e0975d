// The harm ledger, enhanced: sort by any column and filter by harm type, affected group,
// responsible body and status, all in the browser. Without JavaScript it stays a plain table.
(function () {
  var table = document.getElementById("ledger");
  var controls = document.getElementById("ledger-controls");
  if (!table || !controls) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var filters = [
    ["harmType", "Harm type"], ["affected", "Affected group"], ["responsible", "Responsible"], ["status", "Status"]
  ];
  var selects = {};
  filters.forEach(function (f) {
    var values = {};
    rows.forEach(function (r) { (r.dataset[f[0]] || "").split("|").forEach(function (v) { if (v) values[v] = true; }); });
    var label = document.createElement("label");
    label.textContent = f[1];
    var select = document.createElement("select");
    var all = document.createElement("option"); all.value = ""; all.textContent = "All";
    select.appendChild(all);
    Object.keys(values).sort().forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o);
    });
    select.addEventListener("change", apply);
    label.appendChild(select);
    controls.appendChild(label);
    selects[f[0]] = select;
  });
  var textLabel = document.createElement("label");
  textLabel.textContent = "Words in the title";
  var text = document.createElement("input"); text.type = "search";
  text.addEventListener("input", apply);
  textLabel.appendChild(text);
  controls.appendChild(textLabel);
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  controls.appendChild(status);

  function apply() {
    var shown = 0, words = text.value.toLowerCase().trim();
    rows.forEach(function (r) {
      var ok = filters.every(function (f) {
        var want = selects[f[0]].value;
        return !want || (r.dataset[f[0]] || "").split("|").indexOf(want) >= 0;
      }) && (!words || r.cells[0].textContent.toLowerCase().indexOf(words) >= 0);
      r.hidden = !ok;
      if (ok) shown++;
    });
    status.textContent = shown + " of " + rows.length + " harms shown";
  }

  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, col) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var key = function (r) {
        var cell = r.cells[col];
        var s = cell.getAttribute("data-sort");
        return s !== null ? Number(s) : cell.textContent.trim().toLowerCase();
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });
  apply();
})();

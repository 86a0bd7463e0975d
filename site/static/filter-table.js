// A table filtered and sorted in the browser (the harm ledger, the commitments), its state kept
// in the address (?status=met&sort=-due) so a filtered view can be bookmarked, shared and
// reloaded. Without JavaScript the page is the plain table in date order and the form stays hidden.
//
// The form names its table (data-filters="<table id>"). Each select but "sort" keeps the rows
// whose data-<name> (values joined by "|") holds its value; "q" keeps rows holding every word;
// "sort" orders by a column whose heading says data-sort="<key>" ("-<key>": descending), by
// each cell's data-sort or else its text; its first option is the table's own (date) order. The caption counts what is shown and says how it is
// filtered and ordered; when nothing is left, the empty state says so and offers a reset.
(function () {
  Array.prototype.forEach.call(document.querySelectorAll("form[data-filters]"), setUp);

  function setUp(form) {
    var table = document.getElementById(form.getAttribute("data-filters"));
    if (!table || !table.tBodies[0] || !table.tHead) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var caption = table.caption;
    var one = form.getAttribute("data-one"), many = form.getAttribute("data-many");
    var empty = document.getElementById(form.getAttribute("data-empty"));
    var live = form.querySelector("[data-live]");
    var sort = form.elements.sort;
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "sort" && (el.tagName === "SELECT" || el.tagName === "INPUT");
    });

    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && params.has(el.name)) el.value = params.get(el.name);
    });
    form.hidden = false;

    heads.forEach(function (th) {
      var key = th.getAttribute("data-sort");
      if (!key) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        sort.value = sort.value === key ? "-" + key : key;
        update();
      });
    });

    form.addEventListener("input", function () { update(); });
    form.addEventListener("change", function () { update(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    if (empty) {
      var reset = empty.querySelector("button");
      reset.addEventListener("click", function () {
        fields.forEach(function (el) { el.value = ""; });
        update();
        (fields[0] || form).focus();
      });
    }
    update(true);

    function matches(row) {
      return fields.every(function (el) {
        var want = el.value.trim();
        if (!want) return true;
        if (el.name === "q") {
          var text = row.textContent.toLowerCase();
          return want.toLowerCase().split(/\s+/).every(function (w) { return text.indexOf(w) >= 0; });
        }
        return (row.getAttribute("data-" + el.name) || "").split("|").indexOf(want) >= 0;
      });
    }

    function sortKey(row, column) {
      var cell = row.cells[column];
      var value = cell.getAttribute("data-sort");
      return value !== null && /^-?\d+$/.test(value) ? Number(value) : (value || cell.textContent).trim().toLowerCase();
    }

    function order() {
      var wanted = sort ? sort.value : "";
      var key = wanted.replace(/^-/, ""), down = wanted.charAt(0) === "-";
      var column = -1;
      heads.forEach(function (th, i) {
        var own = th.getAttribute("data-sort");
        if (own) th.removeAttribute("aria-sort");
        if (own && own === key) column = i;
      });
      var sorted = rows.slice();
      if (column >= 0) {
        heads[column].setAttribute("aria-sort", down ? "descending" : "ascending");
        sorted.sort(function (a, b) {
          var x = sortKey(a, column), y = sortKey(b, column);
          var c = x < y ? -1 : x > y ? 1 : rows.indexOf(a) - rows.indexOf(b);
          return down && x !== y ? -c : c;
        });
      }
      sorted.forEach(function (row) { body.appendChild(row); });
    }

    function describe() {
      return fields.filter(function (el) { return el.value.trim(); }).map(function (el) {
        var label = form.querySelector('label[for="' + el.id + '"]');
        var name = label ? label.textContent.trim().toLowerCase() : el.name;
        var value = el.tagName === "SELECT" ? el.options[el.selectedIndex].text : el.value.trim();
        return name + " “" + value + "”";
      });
    }

    function update(first) {
      var shown = 0;
      rows.forEach(function (row) {
        row.hidden = !matches(row);
        if (!row.hidden) shown++;
      });
      order();
      var filters = describe();
      var how = sort && sort.selectedIndex > 0 ? "sorted by " + sort.options[sort.selectedIndex].text.toLowerCase() : "in date order";
      var count = filters.length ? shown + " of " + rows.length + " " + many : rows.length + " " + (rows.length === 1 ? one : many);
      if (caption) caption.textContent = count + (filters.length ? " (" + filters.join(", ") + ")" : "") + ", " + how;
      if (empty) {
        empty.hidden = shown > 0;
        empty.querySelector("[data-what]").textContent = filters.join(" and ");
      }
      if (live && !first) live.textContent = shown ? shown + " of " + rows.length + " " + many + " shown" : "No " + one + " matches";
      var query = new URLSearchParams(window.location.search);
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        var usual = el.tagName === "SELECT" ? el.options[0].value : "";  // the default needs no mention
        if (el.value.trim() && el.value !== usual) query.set(el.name, el.value.trim()); else query.delete(el.name);
      });
      var search = query.toString();
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    }
  }
})();

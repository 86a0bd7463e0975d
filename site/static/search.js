// The site's search page: asks the archive's JSON API. On a static-only host the API is
// absent and the page says so (a prebuilt static index is planned).
(function () {
  var params = new URLSearchParams(window.location.search);
  var q = params.get("q");
  var box = document.getElementById("q");
  var out = document.getElementById("results");
  if (!q) return;
  box.value = q;
  out.textContent = "Searching…";
  fetch("/api/search?q=" + encodeURIComponent(q))
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      out.textContent = "";
      var p = document.createElement("p");
      p.textContent = data.total + (data.total === 1 ? " result" : " results") + " for “" + data.query + "”";
      out.appendChild(p);
      var ol = document.createElement("ol");
      data.hits.forEach(function (hit) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = hit.url; a.textContent = hit.title;
        li.appendChild(a);
        var meta = document.createElement("span");
        meta.className = "kind"; meta.textContent = " " + hit.type + (hit.date ? " · " + hit.date : "");
        li.appendChild(meta);
        var snip = document.createElement("p");
        snip.innerHTML = hit.snippet;  // the server escapes the text and adds only <mark>
        li.appendChild(snip);
        ol.appendChild(li);
      });
      out.appendChild(ol);
    })
    .catch(function () { out.textContent = "Search needs the archive's server, which is not reachable from this copy of the site."; });
})();

// The search page. It asks the archive's JSON API (/api/search); on a static-only host, where
// there is no API, it loads the prebuilt index the build ships in search/ (public material
// only): one small "terms" shard per query word and one "docs" shard per page of results.
(function () {
  var form = document.getElementById("search");
  var box = document.getElementById("q");
  var out = document.getElementById("results");
  var apiUrl = form.getAttribute("data-api");
  var indexUrl = form.getAttribute("data-index");
  var q = new URLSearchParams(window.location.search).get("q");
  if (!q) return;
  box.value = q;
  out.textContent = "Searching…";

  function show(query, total, hits, note) {
    out.textContent = "";
    var p = document.createElement("p");
    p.textContent = total + (total === 1 ? " result" : " results") + " for “" + query + "”" + (note || "");
    out.appendChild(p);
    var ol = document.createElement("ol");
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.url; a.textContent = hit.title;
      li.appendChild(a);
      var meta = document.createElement("span");
      meta.className = "kind"; meta.textContent = " " + hit.type + (hit.date ? " · " + hit.date : "");
      li.appendChild(meta);
      if (hit.snippet) {
        var snip = document.createElement("p");
        snip.innerHTML = hit.snippet;  // the server escapes the text and adds only <mark>
        li.appendChild(snip);
      }
      ol.appendChild(li);
    });
    out.appendChild(ol);
  }

  function getJSON(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      var type = r.headers.get("content-type") || "";
      if (type.indexOf("json") < 0) throw new Error("not JSON");
      return r.json();
    });
  }

  function tokens(text, stop) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/[^a-z0-9]+/).filter(function (t) { return t.length > 1 && !stop[t]; });
  }

  function prefix(url) {  // the index's links are site paths; the site may live under a sub-path
    var base = indexUrl.replace(/search\/$/, "");
    return url.charAt(0) === "/" ? base + url.slice(1) : url;
  }

  function staticSearch(query) {
    return getJSON(indexUrl + "meta.json").then(function (meta) {
      var stop = {};
      meta.stopwords.forEach(function (w) { stop[w] = true; });
      var words = tokens(query, stop);
      if (!words.length) return {total: 0, hits: []};
      return Promise.all(words.map(function (w) {
        return getJSON(indexUrl + "terms/" + w.slice(0, meta.prefix_length) + ".json").catch(function () { return {}; });
      })).then(function (shards) {
        var scores = null;
        words.forEach(function (w, i) {
          var found = {};
          Object.keys(shards[i]).forEach(function (term) {
            if (term === w || (w.length >= 3 && term.indexOf(w) === 0)) {
              shards[i][term].forEach(function (p) { found[p[0]] = Math.max(found[p[0]] || 0, p[1]); });
            }
          });
          if (scores === null) { scores = found; return; }
          var both = {};
          Object.keys(scores).forEach(function (d) { if (found[d]) both[d] = scores[d] + found[d]; });
          scores = both;
        });
        var ranked = Object.keys(scores).map(Number).sort(function (a, b) { return scores[b] - scores[a] || a - b; });
        var top = ranked.slice(0, 20);
        var needed = {};
        top.forEach(function (d) { needed[Math.floor(d / meta.docs_per_shard)] = true; });
        var numbers = Object.keys(needed);
        return Promise.all(numbers.map(function (n) { return getJSON(indexUrl + "docs/" + n + ".json"); }))
          .then(function (lists) {
            var docs = {};
            numbers.forEach(function (n, i) { docs[n] = lists[i]; });
            return {total: ranked.length, hits: top.map(function (d) {
              var doc = docs[Math.floor(d / meta.docs_per_shard)][d % meta.docs_per_shard];
              return {type: doc[0], title: doc[1], url: prefix(doc[2]), date: doc[3]};
            })};
          });
      });
    });
  }

  getJSON(apiUrl + "?q=" + encodeURIComponent(q))
    .then(function (data) {
      data.hits.forEach(function (hit) { hit.url = prefix(hit.url); });
      show(data.query, data.total, data.hits);
    })
    .catch(function () {
      return staticSearch(q).then(function (res) {
        show(q, res.total, res.hits, " (searched this copy's built-in index: every word must match)");
      });
    })
    .catch(function () { out.textContent = "Search is not available on this copy of the site."; });
})();

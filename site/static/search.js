// The search page. It asks the archive's JSON API (/api/search); on a static-only host, where
// there is no API, it answers from the prebuilt index the build ships in search/ (public
// material only): term shards per query word, a facet table, per-document dates and facet
// values (attrs), document shards per page of results and a vocabulary for "did you mean".
// Both paths give the same page: facets with counts (links that add or remove a filter),
// a date range, sorting, pages and a suggestion. Everything lives in the page's address, so
// a search can be bookmarked, shared and navigated with Back.
(function () {
  "use strict";
  var FACETS = ["type", "harm_type", "affected_group", "institution", "decade"];
  var FACET_TITLES = {type: "Type", harm_type: "Harm type", affected_group: "Affected group",
                      institution: "Institution", decade: "Decade"};
  var TYPE_LABELS = {record: "Record", narrative: "Narrative", harm: "Harm", timeline: "Timeline",
                     segment: "Narrative passage", part: "Part of a record"};
  var PER_PAGE = 20;
  var form = document.getElementById("search");
  var status = document.getElementById("search-status");
  var out = document.getElementById("results");
  var apiUrl = form.getAttribute("data-api");
  var indexUrl = form.getAttribute("data-index");
  var params = new URLSearchParams(window.location.search);
  var state = {
    q: (params.get("q") || "").trim(),
    from: (params.get("from") || "").trim(),
    to: (params.get("to") || "").trim(),
    sort: params.get("sort") || "relevance",
    page: Math.max(1, parseInt(params.get("page"), 10) || 1),
    filters: {}
  };
  if (["relevance", "date", "-date"].indexOf(state.sort) < 0) state.sort = "relevance";
  FACETS.forEach(function (name) {
    var values = params.getAll(name).filter(Boolean);
    if (values.length) state.filters[name] = values;
  });

  document.getElementById("q").value = state.q;
  document.getElementById("from").value = state.from;
  document.getElementById("to").value = state.to;
  document.getElementById("sort").value = state.sort;
  var keep = document.getElementById("active-filters");  // a new query keeps the chosen filters
  FACETS.forEach(function (name) {
    (state.filters[name] || []).forEach(function (value) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      keep.appendChild(input);
    });
  });
  var hasFilters = Object.keys(state.filters).length > 0;
  // The order applies as soon as it is chosen: the same search is drawn again in place (focus
  // stays on the choice; the status says what changed) and the address follows.
  document.getElementById("sort").addEventListener("change", function (event) {
    state.sort = event.target.value;
    state.q = document.getElementById("q").value.trim();
    state.from = document.getElementById("from").value.trim();
    state.to = document.getElementById("to").value.trim();
    state.page = 1;
    if (!state.q && !hasFilters && !state.from && !state.to) return;
    window.history.replaceState(null, "", pageLink({}));
    run(false);
  });
  if (!state.q && !hasFilters && !state.from && !state.to) return;

  // ---- addresses -------------------------------------------------------------------------
  function query(changes) {
    var s = {q: state.q, from: state.from, to: state.to, sort: state.sort, page: 1, filters: state.filters};
    Object.keys(changes || {}).forEach(function (k) { s[k] = changes[k]; });
    var p = new URLSearchParams();
    if (s.q) p.append("q", s.q);
    FACETS.forEach(function (name) { (s.filters[name] || []).forEach(function (v) { p.append(name, v); }); });
    if (s.from) p.append("from", s.from);
    if (s.to) p.append("to", s.to);
    if (s.sort !== "relevance") p.append("sort", s.sort);
    if (s.page > 1) p.append("page", String(s.page));
    return p;
  }
  function pageLink(changes) { return window.location.pathname + "?" + query(changes).toString(); }
  function toggled(name, value) {
    var filters = {};
    Object.keys(state.filters).forEach(function (k) { filters[k] = state.filters[k].slice(); });
    var list = filters[name] || [];
    var at = list.indexOf(value);
    if (at >= 0) list.splice(at, 1); else list.push(value);
    if (list.length) filters[name] = list; else delete filters[name];
    return filters;
  }
  function withWords(url) {  // the page a hit lands on marks the search words (highlight.js)
    if (!state.q) return url;
    var hash = url.indexOf("#"), path = hash < 0 ? url : url.slice(0, hash);
    return path + (path.indexOf("?") < 0 ? "?" : "&") + "hl=" + encodeURIComponent(state.q) + (hash < 0 ? "" : url.slice(hash));
  }
  function prefix(url) {  // the index's links are site paths; the site may live under a sub-path
    var base = indexUrl.replace(/search\/$/, "");
    return url.charAt(0) === "/" ? base + url.slice(1) : url;
  }

  // ---- drawing ---------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function hidden(text) { return el("span", {"class": "visually-hidden"}, text); }

  function show(res, note) {
    out.textContent = "";
    var words = res.total + (res.total === 1 ? " result" : " results");
    status.textContent = words + (state.q ? " for “" + state.q + "”" : "") + (note || "") +
      (res.pages > 1 ? ", page " + state.page + " of " + res.pages : "") + ".";
    if (res.suggestion) {
      var p = el("p", {"class": "suggestion"}, "Did you mean ");
      var a = el("a", {href: pageLink({q: res.suggestion})}, res.suggestion);
      p.appendChild(a); p.appendChild(document.createTextNode("?"));
      out.appendChild(p);
    }
    var layout = el("div", {"class": "search-layout"});
    var list = el("section", {"class": "hits", "aria-labelledby": "hits-h"});
    list.appendChild(el("h2", {id: "hits-h", tabindex: "-1"}, "Results"));
    var jump = el("p", {"class": "to-filters"});
    jump.appendChild(el("a", {href: "#facets-h"}, "Filter these results"));
    list.appendChild(jump);
    if (!res.hits.length) list.appendChild(el("p", {}, "Nothing matches. Try fewer words, another spelling or fewer filters."));
    var ol = el("ol", {start: String((state.page - 1) * PER_PAGE + 1)});
    res.hits.forEach(function (hit) {
      var li = el("li");
      li.appendChild(el("a", {href: withWords(hit.url)}, hit.title));
      var kind = TYPE_LABELS[hit.type] || hit.type;
      // A passage of a transcript: the stretch it covers, as its "Cite this passage" names it.
      li.appendChild(el("span", {"class": "kind"}, " " + kind + (hit.date ? " · " + hit.date : "") +
                                                   (hit.locator ? " · " + hit.locator : "")));
      if (hit.snippet) {
        var snip = el("p", {"class": "snippet"});
        snip.innerHTML = hit.snippet;  // the server escapes the text and adds only <mark>
        li.appendChild(snip);
      }
      ol.appendChild(li);
    });
    if (res.hits.length) list.appendChild(ol);
    list.appendChild(pager(res.pages));
    layout.appendChild(list);
    layout.appendChild(facetPanel(res.facets || {}));  // after the results, as it is read
    out.appendChild(layout);
  }

  function facetPanel(facets) {
    var panel = el("section", {"class": "facets", "aria-labelledby": "facets-h"});
    panel.appendChild(el("h2", {id: "facets-h", tabindex: "-1"}, "Filter results"));
    FACETS.forEach(function (name) {
      var entries = (facets[name] || []).slice();
      var chosen = state.filters[name] || [];
      chosen.forEach(function (v) {  // a chosen value always shows, so it can be removed
        if (!entries.some(function (e) { return e.value === v; })) entries.push({value: v, label: name === "type" ? (TYPE_LABELS[v] || v) : v, count: 0});
      });
      if (!entries.length) return;
      var group = el("div", {"class": "facet"});
      var id = "facet-" + name;
      group.appendChild(el("h3", {id: id}, FACET_TITLES[name]));
      var ul = el("ul", {"aria-labelledby": id});
      entries.forEach(function (e) {
        var on = chosen.indexOf(e.value) >= 0;
        var li = el("li");
        var label = name === "decade" && e.label === e.value ? e.value + "s" : e.label;
        var a = el("a", {href: pageLink({filters: toggled(name, e.value)}), "data-facet": name,
                         "data-value": e.value});
        if (on) { a.setAttribute("aria-current", "true"); a.appendChild(hidden("Remove filter: ")); }
        a.appendChild(document.createTextNode(label + " "));
        a.appendChild(el("span", {"class": "count"}, "(" + e.count + ")"));
        li.appendChild(a);
        ul.appendChild(li);
      });
      group.appendChild(ul);
      panel.appendChild(group);
    });
    if (hasFilters) panel.appendChild(el("p", {}, "")).appendChild(
      el("a", {href: pageLink({filters: {}}), "class": "clear"}, "Clear all filters"));
    return panel;
  }

  function pager(pages) {
    var nav = el("nav", {"class": "pager", "aria-label": "Result pages"});
    if (pages <= 1) return nav;
    var p = el("p");
    if (state.page > 1) p.appendChild(el("a", {href: pageLink({page: state.page - 1}), rel: "prev"}, "Previous page"));
    var first = Math.max(1, state.page - 4), last = Math.min(pages, first + 9);
    for (var n = first; n <= last; n++) {
      p.appendChild(document.createTextNode(" "));
      var a = el("a", {href: pageLink({page: n})}, String(n));
      a.insertBefore(hidden("Page "), a.firstChild);
      if (n === state.page) a.setAttribute("aria-current", "page");
      p.appendChild(a);
    }
    if (state.page < pages) {
      p.appendChild(document.createTextNode(" "));
      p.appendChild(el("a", {href: pageLink({page: state.page + 1}), rel: "next"}, "Next page"));
    }
    nav.appendChild(p);
    return nav;
  }

  // ---- the API ---------------------------------------------------------------------------
  function fetchJSON(url) {
    return fetch(url).then(function (r) {
      var type = r.headers.get("content-type") || "";
      if (type.indexOf("json") < 0) throw new Error("not JSON");
      return r.json().then(function (data) { return {status: r.status, data: data}; });
    });
  }
  function getJSON(url) {
    return fetchJSON(url).then(function (r) {
      if (r.status !== 200) throw new Error(r.status);
      return r.data;
    });
  }
  function apiSearch() {
    var p = query({page: state.page});
    p.append("limit", String(PER_PAGE));
    return fetchJSON(apiUrl + "?" + p.toString()).then(function (r) {
      if (r.status === 400 && r.data && r.data.detail) return {error: r.data.detail};
      if (r.status !== 200 || !r.data.hits) throw new Error(r.status);
      r.data.hits.forEach(function (hit) { hit.url = prefix(hit.url); });
      return r.data;
    });
  }

  // ---- the built-in index ----------------------------------------------------------------
  function tokens(text, stop) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/[^a-z0-9]+/).filter(function (t) { return t.length > 1 && !stop[t]; });
  }
  function bound(text, end, field) {  // a year, YYYY-MM or YYYY-MM-DD as YYYYMMDD
    if (!text) return null;
    var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
    if (!m) throw new Error(field + ": write a year (1870), a month (1870-05) or a day (1870-05-04)");
    var month = m[2] ? +m[2] : (end ? 12 : 1), day = m[3] ? +m[3] : (end ? 31 : 1);
    if (month < 1 || month > 12 || day < 1 || day > 31) throw new Error(field + ": " + text + " is not a date");
    return +m[1] * 10000 + month * 100 + day;
  }
  function editDistance(a, b, most) {
    if (Math.abs(a.length - b.length) > most) return most + 1;
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        best = Math.min(best, cur[j]);
      }
      if (best > most) return most + 1;
      prev = cur;
    }
    return prev[b.length];
  }
  function suggest(words, missing) {  // the closest common word for each word that found nothing
    if (!missing.length) return Promise.resolve(null);
    return getJSON(indexUrl + "vocab.json").then(function (vocab) {
      var changed = false, text = state.q;
      missing.forEach(function (w) {
        var most = w.length < 5 ? 1 : 2, best = null, bestD = most + 1;
        Object.keys(vocab).forEach(function (v) {
          if (v === w) return;
          var d = editDistance(w, v, most);
          if (d < bestD || (d === bestD && best && vocab[v] > vocab[best])) { best = v; bestD = d; }
        });
        if (best) {
          text = text.replace(new RegExp("(^|[^\\w])" + w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?=$|[^\\w])", "i"),
                              function (m, lead) { return lead + best; });
          changed = true;
        }
      });
      return changed && text !== state.q ? text : null;
    }).catch(function () { return null; });
  }

  function staticSearch() {
    return getJSON(indexUrl + "meta.json").then(function (meta) {
      var stop = {};
      meta.stopwords.forEach(function (w) { stop[w] = true; });
      var lower = bound(state.from, false, "From"), upper = bound(state.to, true, "To");
      if (lower !== null && upper !== null && lower > upper) throw new Error("From (" + state.from + ") is after To (" + state.to + ")");
      var words = tokens(state.q, stop);
      var matched;
      var missing = [];
      if (!words.length) {
        matched = Promise.resolve(state.q && !hasFilters && lower === null && upper === null ? {} : null);
      } else {
        matched = Promise.all(words.map(function (w) {
          return getJSON(indexUrl + "terms/" + w.slice(0, meta.prefix_length) + ".json").catch(function () { return {}; });
        })).then(function (shards) {
          var scores = null;
          words.forEach(function (w, i) {
            var found = {}, any = false;
            Object.keys(shards[i]).forEach(function (term) {
              if (term === w || (w.length >= 3 && term.indexOf(w) === 0)) {
                any = true;
                shards[i][term].forEach(function (p) { found[p[0]] = Math.max(found[p[0]] || 0, p[1]); });
              }
            });
            if (!any) missing.push(w);
            if (scores === null) { scores = found; return; }
            var both = {};
            Object.keys(scores).forEach(function (d) { if (found[d]) both[d] = scores[d] + found[d]; });
            scores = both;
          });
          return scores;
        });
      }
      return matched.then(function (scores) {
        var candidates = scores === null ? null : Object.keys(scores).map(Number);
        if (candidates === null) {  // filters or dates alone: every document is a candidate
          candidates = [];
          (meta.blocks || [[0, meta.docs]]).forEach(function (block) {  // the numbered slots (empty ones skipped below)
            for (var d = block[0]; d < block[1]; d++) candidates.push(d);
          });
          scores = {};
        }
        var attrShards = {};
        candidates.forEach(function (d) { attrShards[Math.floor(d / meta.attrs_per_shard)] = true; });
        var numbers = Object.keys(attrShards);
        return Promise.all([getJSON(indexUrl + "facets.json"), suggest(words, missing)].concat(
          numbers.map(function (n) { return getJSON(indexUrl + "attrs/" + n + ".json"); })))
          .then(function (loaded) {
            var table = loaded[0], suggestion = loaded[1], attrs = {};
            numbers.forEach(function (n, i) { attrs[n] = loaded[i + 2]; });
            var wanted = {};  // facet name -> {code: true}
            table.values.forEach(function (v, code) {
              if ((state.filters[v[0]] || []).indexOf(v[1]) >= 0) {
                (wanted[v[0]] = wanted[v[0]] || {})[code] = true;
              }
            });
            Object.keys(state.filters).forEach(function (name) { wanted[name] = wanted[name] || {}; });
            function attrOf(d) { return attrs[Math.floor(d / meta.attrs_per_shard)][d % meta.attrs_per_shard]; }
            var kept = candidates.filter(function (d) {
              var a = attrOf(d);
              if (!a) return false;  // an empty slot of the records' block
              if (lower !== null || upper !== null) {
                if (a[0] === null) return false;  // undated: never in a date range
                if (upper !== null && a[0] > upper) return false;
                if (lower !== null && a[1] < lower) return false;
              }
              return Object.keys(wanted).every(function (name) {
                return a[2].some(function (code) { return wanted[name][code]; });
              });
            });
            var counts = {};
            kept.forEach(function (d) { attrOf(d)[2].forEach(function (c) { counts[c] = (counts[c] || 0) + 1; }); });
            var facets = {};
            FACETS.forEach(function (name) { facets[name] = []; });
            Object.keys(counts).forEach(function (c) {
              var v = table.values[c];
              facets[v[0]].push({value: v[1], label: v[2], count: counts[c]});
            });
            Object.keys(facets).forEach(function (name) {
              facets[name].sort(name === "decade" ? function (a, b) { return a.value < b.value ? -1 : 1; }
                : function (a, b) { return b.count - a.count || (a.value < b.value ? -1 : 1); });
            });
            var far = 99999999;
            kept.sort(state.sort === "relevance" ? function (a, b) { return (scores[b] || 0) - (scores[a] || 0) || a - b; }
              : state.sort === "date" ? function (a, b) { return ((attrOf(a)[0] || far) - (attrOf(b)[0] || far)) || a - b; }
              : function (a, b) { return ((attrOf(b)[0] || 0) - (attrOf(a)[0] || 0)) || a - b; });
            var pages = Math.max(1, Math.ceil(kept.length / PER_PAGE));
            var top = kept.slice((state.page - 1) * PER_PAGE, state.page * PER_PAGE);
            var docShards = {};
            top.forEach(function (d) { docShards[Math.floor(d / meta.docs_per_shard)] = true; });
            var needed = Object.keys(docShards);
            return Promise.all(needed.map(function (n) { return getJSON(indexUrl + "docs/" + n + ".json"); }))
              .then(function (lists) {
                var docs = {};
                needed.forEach(function (n, i) { docs[n] = lists[i]; });
                return {total: kept.length, pages: kept.length ? pages : 0, facets: facets,
                        suggestion: suggestion,
                        hits: top.map(function (d) {
                          var doc = docs[Math.floor(d / meta.docs_per_shard)][d % meta.docs_per_shard];
                          return {type: doc[0], title: doc[1], url: prefix(doc[2]), date: doc[3]};
                        })};
              });
          });
      });
    });
  }

  // ---- running it ------------------------------------------------------------------------
  // After a search (a new page: a query, a facet, a page of results) focus goes to the results'
  // heading, so the keyboard starts at the first result rather than at the top of the page.
  function drawn(focus) {
    var skip = document.getElementById("skip-results");
    if (skip) skip.hidden = false;
    var heading = document.getElementById("hits-h");
    if (focus && heading) heading.focus();
  }
  function run(focus) {
    status.textContent = "Searching…";
    var sorted = state.sort === "relevance" ? "" : ", " + document.getElementById("sort").selectedOptions[0].text.toLowerCase();
    apiSearch()
      .then(function (res) {
        if (res.error) { status.textContent = "This search cannot be run: " + res.error; return; }
        show(res, sorted);
        drawn(focus);
      }, function () {
        return staticSearch().then(function (res) {
          show(res, sorted + " (searched this copy's built-in index: every word must match)");
          drawn(focus);
        }, function (err) {
          if (err && /^(From|To)/.test(err.message)) { status.textContent = "This search cannot be run: " + err.message; return; }
          throw err;
        });
      })
      .catch(function () { status.textContent = "Search is not available on this copy of the site."; });
  }
  run(true);
})();

// A page opened from a search result (?hl=the+words) marks those words in the passage the
// result points at (the #t-… section of a transcript), or in the page's text when it points
// at no passage, and says so, with a way to clear the marks. Nothing else changes.
(function () {
  var words = new URLSearchParams(window.location.search).get("hl");
  if (!words) return;
  var terms = words.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 2; });
  if (!terms.length) return;
  var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
  var scope = target || document.querySelector("main .transcript, main .body") || document.querySelector("main");
  if (!scope) return;
  var escaped = terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
  // A word and the words it begins (as the search matches them): "picket" marks "pickets".
  var pattern = new RegExp("(^|[^\\p{L}\\p{N}])((?:" + escaped.join("|") + ")[\\p{L}\\p{N}]*)", "giu");
  var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      // A passage's citation is not what was said: its words are not marked.
      return node.parentNode.closest("mark, script, style, summary, .redacted, .cite-passage") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }
  });
  var nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  var marks = [];
  nodes.forEach(function (node) {
    var text = node.nodeValue, last = 0, match, parts = [];
    pattern.lastIndex = 0;
    while ((match = pattern.exec(text)) !== null) {
      var start = match.index + match[1].length;
      parts.push(document.createTextNode(text.slice(last, start)));
      var mark = document.createElement("mark");
      mark.className = "search-hit";
      mark.textContent = match[2];
      parts.push(mark);
      marks.push(mark);
      last = start + match[2].length;
    }
    if (!parts.length) return;
    parts.push(document.createTextNode(text.slice(last)));
    var frag = document.createDocumentFragment();
    parts.forEach(function (p) { frag.appendChild(p); });
    node.parentNode.replaceChild(frag, node);
  });
  var note = document.createElement("p");
  note.className = "hit-note";
  note.setAttribute("role", "status");
  note.textContent = marks.length
    ? marks.length + (marks.length === 1 ? " match" : " matches") + " of your search (" + words + ") marked " + (target ? "in this passage. " : "on this page. ")
    : "Your search words (" + words + ") are not in this passage. ";
  if (marks.length) {
    var clear = document.createElement("button");
    clear.type = "button";
    clear.textContent = "Clear the marks";
    clear.addEventListener("click", function () {
      marks.forEach(function (m) { m.replaceWith(document.createTextNode(m.textContent)); });
      scope.normalize();
      note.remove();
    });
    note.appendChild(clear);
  }
  var first = scope.firstElementChild;  // under the passage's heading, if it has one
  scope.insertBefore(note, first && /^H[1-6]$/.test(first.tagName) ? first.nextSibling : scope.firstChild);
})();

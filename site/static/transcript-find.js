// Find in a long transcript (a narrative's page): a small box above the transcript that marks
// every match of the words typed and moves between them (Next, Previous; Enter and Shift+Enter).
// It reads only the page (no request: it works on a static host). A passage folded behind a
// content note is not opened for a match: the reader chose whether to read it, so its matches
// are counted apart and searched once the reader opens it. Without JavaScript there is no box
// and the page is as it was.
(function () {
  var transcript = document.querySelector("main .transcript");
  if (!transcript) return;

  var form = document.createElement("form");
  form.className = "find";
  form.setAttribute("role", "search");
  form.setAttribute("aria-label", "Find in the transcript");
  form.innerHTML =
    '<label for="find-words">Find in the transcript</label> ' +
    '<input type="search" id="find-words" name="find" autocomplete="off" spellcheck="false"> ' +
    '<button type="button" id="find-prev" disabled>Previous</button> ' +
    '<button type="button" id="find-next" disabled>Next</button>' +
    '<p id="find-status" role="status" aria-live="polite"></p>';
  transcript.parentNode.insertBefore(form, transcript);
  var input = form.querySelector("#find-words");
  var status = form.querySelector("#find-status");
  var prev = form.querySelector("#find-prev");
  var next = form.querySelector("#find-next");
  var marks = [];
  var current = -1;
  var searched = null; // the words the marks are for

  function folded(node) { // inside a passage (or transcript) folded behind a content note, not opened
    var fold = node.parentElement.closest("details.passage-note:not([open]), details.content-note:not([open])");
    return fold !== null;
  }

  function clear() {
    marks.forEach(function (mark) { mark.replaceWith(document.createTextNode(mark.textContent)); });
    transcript.normalize();
    marks = [];
    current = -1;
  }

  function find() {
    clear();
    searched = input.value;
    var words = input.value.trim().replace(/\s+/g, " ");
    prev.disabled = next.disabled = true;
    if (words.length < 2) {
      status.textContent = words ? "Type at least two letters." : "";
      return;
    }
    var needle = words.toLocaleLowerCase();
    var walker = document.createTreeWalker(transcript, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        // The transcript's words only: not a note's summary, nor a passage's citation box.
        return node.parentNode.closest("summary, script, style, details.cite-passage") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var hidden = 0;
    nodes.forEach(function (node) {
      var text = node.nodeValue.replace(/\s/g, " ");
      var lower = text.toLocaleLowerCase();
      if (lower.length !== text.length) return; // a rare letter whose lower case is longer: offsets would shift
      var at = lower.indexOf(needle);
      if (at < 0) return;
      if (folded(node)) {
        for (; at >= 0; at = lower.indexOf(needle, at + needle.length)) hidden++;
        return;
      }
      var frag = document.createDocumentFragment();
      var last = 0;
      for (; at >= 0; at = lower.indexOf(needle, at + needle.length)) {
        frag.appendChild(document.createTextNode(node.nodeValue.slice(last, at)));
        var mark = document.createElement("mark");
        mark.className = "find-hit";
        mark.textContent = node.nodeValue.slice(at, at + needle.length);
        frag.appendChild(mark);
        marks.push(mark);
        last = at + needle.length;
      }
      frag.appendChild(document.createTextNode(node.nodeValue.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
    var apart = hidden ? " " + hidden + (hidden === 1 ? " more is" : " more are") +
      " in passages folded behind a content note (open one to search it)." : "";
    if (!marks.length) {
      status.textContent = "No match for “" + words + "” in the open transcript." + apart;
      return;
    }
    prev.disabled = next.disabled = false;
    go(0, apart);
  }

  function go(index, apart) {
    if (!marks.length) return;
    if (current >= 0) marks[current].classList.remove("current");
    current = (index + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({block: "center"});
    status.textContent = "Match " + (current + 1) + " of " + marks.length + "." + (apart || "");
  }

  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(find, 250);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    window.clearTimeout(timer);
    if (input.value !== searched) find();
    else go(current + (event.shiftKey ? -1 : 1));
  });
  next.addEventListener("click", function () { go(current + 1); });
  prev.addEventListener("click", function () { go(current - 1); });
  // Opening (or closing) a folded passage changes what is searched.
  transcript.parentNode.addEventListener("toggle", function (event) {
    if (input.value.trim() && !event.target.matches("details.cite-passage")) find();
  }, true);
})();

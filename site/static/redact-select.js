/* Propose a redaction by selecting words in a narrative's master text (staff redaction page).

   Each field of the text is a <p class="red-text" data-field="…">; its text nodes, outside the
   <sup> span numbers, are the field's value exactly. On a selection inside one field the
   script widens it to whole words, counts its character offsets in the field and shows the
   hidden form #propose-selection filled in (field, start, end and the words, which the server
   checks against each other). It posts nothing itself: the curator presses "Propose
   redaction". Without JavaScript that form stays hidden and "Propose a span" takes the exact
   words instead. */
(function () {
  "use strict";
  var form = document.getElementById("propose-selection");
  if (!form || !window.getSelection) return;
  var panel = form;
  var words = document.getElementById("selected-words");
  var status = document.getElementById("selection-status");
  var WORD = /[\p{L}\p{N}_]/u;

  function counted(node) { // a text node of the field's value (not a span number)
    return node.nodeType === 3 && !(node.parentElement && node.parentElement.closest("sup"));
  }

  function textNodes(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) if (counted(walker.currentNode)) nodes.push(walker.currentNode);
    return nodes;
  }

  function value(root) { return textNodes(root).map(function (n) { return n.data; }).join(""); }

  function offset(root, container, at) { // characters of the field before a boundary point
    var upto = document.createRange();
    upto.setStart(root, 0);
    upto.setEnd(container, at);
    var count = 0;
    textNodes(root).forEach(function (node) {
      if (node === container) count += at;
      else if (upto.intersectsNode(node) && upto.comparePoint(node, node.length) <= 0) count += node.length;
    });
    return count;
  }

  function fieldOf(node) {
    var el = node.nodeType === 1 ? node : node.parentElement;
    return el ? el.closest(".red-text[data-field]") : null;
  }

  function hide() {
    panel.hidden = true;
  }

  function show() {
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    var root = fieldOf(range.startContainer);
    if (!root || fieldOf(range.endContainer) !== root) {
      if (root || fieldOf(range.endContainer)) {
        panel.hidden = false;
        status.textContent = "Select words within one field of the text.";
        form.querySelector("#propose-selected").hidden = true;
      }
      return;
    }
    var text = value(root);
    var start = offset(root, range.startContainer, range.startOffset);
    var end = offset(root, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(text[start])) start++; // trim spaces, then widen to whole words
    while (end > start && /\s/.test(text[end - 1])) end--;
    while (start > 0 && WORD.test(text[start - 1]) && WORD.test(text[start])) start--;
    while (end < text.length && WORD.test(text[end - 1]) && WORD.test(text[end])) end++;
    if (end - start < 2) return;
    form.elements.field.value = root.getAttribute("data-field");
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.elements.text.value = text.slice(start, end).replace(/\s+/g, " ");
    words.textContent = form.elements.text.value;
    status.textContent = "Selected in " + root.getAttribute("data-field") + ", characters " + start + "–" + end + ":";
    form.querySelector("#propose-selected").hidden = false;
    panel.hidden = false;
  }

  document.addEventListener("mouseup", function () { window.setTimeout(show, 0); });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") show();
  });
  document.getElementById("clear-selection").addEventListener("click", function () {
    ["field", "start", "end", "text"].forEach(function (name) { form.elements[name].value = ""; });
    hide();
  });
}());

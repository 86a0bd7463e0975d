// "Cite this": a Copy button beside the Chicago and the BibTeX citation, in the page's box and in
// each passage's "Cite this passage". Added by this script only (without JavaScript there is
// nothing to press, and the text can still be selected); the result is announced in the box's
// live region, so a screen reader hears "Copied". A reader arriving at a passage (`#t-00-12-04`)
// or picking one finds its "Cite this passage" open.
(function () {
  "use strict";
  function fallbackCopy(text) {  // for plain-http hosts, where navigator.clipboard is absent
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }
  Array.prototype.forEach.call(document.querySelectorAll("section.cite, details.cite-passage"), function (box) {
    var status = box.querySelector("[data-cite-status]");
    [["p.chicago", "Copy the Chicago citation", "Chicago citation"],
     ["pre.bibtex", "Copy the BibTeX entry", "BibTeX entry"],
     ["pre.csl", "Copy the CSL-JSON citation", "CSL-JSON citation"]].forEach(function (spec) {
      var source = box.querySelector(":scope > " + spec[0]);
      if (!source) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", spec[1]);
      button.addEventListener("click", function () {
        copy(source.textContent.trim()).then(function () {
          status.textContent = "";
          window.setTimeout(function () { status.textContent = "Copied the " + spec[2] + "."; }, 50);
        }, function () {
          status.textContent = "Could not copy: select the text and copy it yourself.";
        });
      });
      source.parentNode.insertBefore(button, source.nextSibling);
    });
  });
  function offerPassage() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    var box = target && target.querySelector ? target.querySelector("details.cite-passage") : null;
    if (box) box.open = true;
  }
  window.addEventListener("hashchange", offerPassage);
  offerPassage();
})();

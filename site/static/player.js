// The narrative player: the transcript follows the recording. Loaded only on pages with a public
// recording; without it, every "Play from" link still opens the recording at that moment (a media
// fragment, `#t=372`) and the browser's own controls play it. Nothing starts by itself: playing
// begins only when the reader presses play or a "Play from" link.
(function () {
  "use strict";
  var players = Array.prototype.slice.call(document.querySelectorAll("audio[data-player], video[data-player]"));
  if (!players.length) return;
  var byNumber = {};
  players.forEach(function (player) { byNumber[player.getAttribute("data-number")] = player; });

  // The transcript's timed passages, in order, each ending where the next begins (unless it says).
  var passages = Array.prototype.slice.call(document.querySelectorAll(".segment[data-start]")).map(function (el) {
    return {el: el, start: Number(el.getAttribute("data-start")),
            end: el.hasAttribute("data-end") ? Number(el.getAttribute("data-end")) : null,
            recording: el.getAttribute("data-recording")};
  }).sort(function (a, b) { return a.start - b.start; });
  passages.forEach(function (p, i) {
    if (p.end === null) p.end = i + 1 < passages.length ? passages[i + 1].start : Infinity;
  });

  var control = document.querySelector("[data-follow-control]");
  var follow = document.querySelector("[data-follow]");
  if (control) control.hidden = false;
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = null;

  function offset(player) { return Number(player.getAttribute("data-offset")) || 0; }

  function mark(passage) {
    if (passage === current) return;
    if (current) { current.el.classList.remove("playing"); current.el.removeAttribute("aria-current"); }
    current = passage;
    if (!passage) return;
    passage.el.classList.add("playing");
    passage.el.setAttribute("aria-current", "true");
    if (follow && follow.checked) {
      passage.el.scrollIntoView({block: "nearest", behavior: still ? "auto" : "smooth"});
    }
  }

  function passageAt(player) {
    var t = offset(player) + player.currentTime * 1000, number = player.getAttribute("data-number"), found = null;
    passages.forEach(function (p) { if (p.recording === number && p.start <= t && t < p.end) found = p; });
    return found;
  }

  function seek(player, ms, play) {
    var go = function () {
      player.currentTime = Math.max(0, (ms - offset(player)) / 1000);
      mark(passageAt(player));
      if (play) player.play().catch(function () {});
    };
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, {once: true});
  }

  players.forEach(function (player) {
    player.addEventListener("timeupdate", function () { mark(passageAt(player)); });
    player.addEventListener("seeked", function () { mark(passageAt(player)); });
    player.addEventListener("play", function () {  // one recording at a time
      players.forEach(function (other) { if (other !== player) other.pause(); });
    });
  });

  // "Play from" links: seek there and play (the reader asked for it). The link keeps the focus.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link) return;
    var player = byNumber[link.getAttribute("data-recording")];
    if (!player) return;
    event.preventDefault();
    seek(player, Number(link.getAttribute("data-seek")), true);
  });

  // A passage's permalink (`#t-00-31-20`), arrived at or picked from the sections: the recording
  // is set to that moment, ready to play, and keeps playing from there if it was playing.
  function fromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (!el || !el.hasAttribute("data-start")) return;
    var player = byNumber[el.getAttribute("data-recording")];
    if (player) seek(player, Number(el.getAttribute("data-start")), !player.paused);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();

// On a phone the header's search box and sections fold behind one "Menu" button, so the page
// itself starts on the first screen. Without JavaScript (or on a wider screen) they are shown.
(function () {
  var header = document.querySelector("header.site");
  var menu = document.getElementById("site-menu");
  if (!header || !menu) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-toggle";
  button.textContent = "Menu";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "site-menu");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
    if (open) {
      var first = menu.querySelector("input, a");
      if (first) first.focus();
    }
  });
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.click();
      button.focus();
    }
  });
  header.insertBefore(button, menu);
  header.classList.add("has-menu");
})();

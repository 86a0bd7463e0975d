// A zoomable viewer for a record's images (record pages). Each <figure class="scan"> names its
// IIIF level-0 image information (data-iiif-info: the published info.json) and what it shows
// (data-label). The script adds a "Zoom in on …" button under the image; pressed, it loads the
// vendored OpenSeadragon (static/openseadragon/, served by the site itself: no CDN, no request
// to another origin), reads info.json and opens the tiles beside the plain image, which stays.
// The tiles are found next to info.json wherever the site is hosted (its `id` names the base
// URL the site was built for). Without JavaScript the plain image and its link stay as they are.
(function () {
  var script = document.currentScript;
  var figures = document.querySelectorAll("figure.scan[data-iiif-info]");
  if (!script || !figures.length || !window.fetch) return;
  var library = script.getAttribute("data-openseadragon");
  var images = script.getAttribute("data-openseadragon-images");
  var loading = null;

  function load() { // OpenSeadragon, once, from the site's own files
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = library;
        tag.onload = function () { resolve(window.OpenSeadragon); };
        tag.onerror = function () { reject(new Error("the viewer could not be loaded")); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  function open(figure, button, status) {
    var info = new URL(figure.getAttribute("data-iiif-info"), window.location.href);
    button.disabled = true;
    status.textContent = "Opening the viewer…";
    Promise.all([load(), fetch(info).then(function (r) {
      if (!r.ok) throw new Error("the image information could not be read");
      return r.json();
    })]).then(function (found) {
      var OpenSeadragon = found[0], source = found[1];
      source.id = info.href.replace(/\/info\.json$/, ""); // the tiles beside it, on this host
      var box = document.createElement("div");
      box.className = "zoom-viewer";
      box.id = figure.id + "-viewer";
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Zoomable view: " + figure.getAttribute("data-label"));
      figure.appendChild(box);
      OpenSeadragon({
        element: box, tileSources: source, prefixUrl: images, showNavigator: false,
        showRotationControl: false, showFullPageControl: true, gestureSettingsMouse: {clickToZoom: false},
        crossOriginPolicy: false, preserveViewport: true, visibilityRatio: 1
      });
      status.textContent = "Drag to move, scroll or pinch to zoom, or use the buttons in the viewer's corner.";
      button.textContent = "Close the viewer";
      button.disabled = false;
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-controls", box.id);
      button.onclick = function () {
        var shown = box.hidden;
        box.hidden = !shown;
        button.textContent = shown ? "Close the viewer" : "Zoom in on this image";
        button.setAttribute("aria-expanded", shown ? "true" : "false");
        status.textContent = "";
      };
    }).catch(function (error) {
      status.textContent = "The zoomable viewer could not open (" + error.message + "); the image above opens full size.";
      button.disabled = false;
    });
  }

  Array.prototype.forEach.call(figures, function (figure, index) {
    if (!figure.id) figure.id = "scan-" + (index + 1);
    var controls = document.createElement("p");
    controls.className = "zoom-controls";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Zoom in on this image";
    button.setAttribute("aria-expanded", "false");
    var status = document.createElement("span");
    status.className = "zoom-status";
    status.setAttribute("role", "status");
    controls.appendChild(button);
    controls.appendChild(document.createTextNode(" "));
    controls.appendChild(status);
    figure.appendChild(controls);
    button.onclick = function () { open(figure, button, status); };
  });
})();

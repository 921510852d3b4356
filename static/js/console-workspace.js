/* Case workspace enhancements: the Leaflet map, and htmx swapping form errors (400) and conflicts (409).
   Everything works without this file: the location is also given as text, forms post normally. */
(function () {
  "use strict";

  function initMap() {
    var element = document.getElementById("case-map");
    if (!element || typeof L === "undefined") return;
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.long);
    if (isNaN(lat) || isNaN(lng)) return;
    element.classList.add("civitas-map--ready");
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lng], 16);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
    }
    L.marker([lat, lng], { alt: element.getAttribute("aria-label") || "" }).addTo(map);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initMap);
  } else {
    initMap();
  }
})();

/* Portal display map (public requests list and one request). An enhancement only: without
   JavaScript, Leaflet or map tiles the page's list and text give the same information.

   <div id="requests-map" class="civitas-map"
        data-geojson="URL of a GeoJSON FeatureCollection (properties: reference, service, status, url …)"
        data-lat data-long data-zoom      where the map opens (or the one point, with data-point-label)
        data-tiles data-attribution       tile URL template from settings.MAP_TILE_URL (empty: no tiles)
        data-msg-offline data-msg-failed data-msg-count data-msg-open-details>   translated messages
   A <p id="requests-map-status" role="status"> next to it receives the messages. */
(function () {
  "use strict";

  function say(text) {
    var status = document.getElementById("requests-map-status");
    if (status && text) status.textContent = text;
  }

  function popupContent(props, linkText) {
    var wrap = document.createElement("div");
    var title = document.createElement("p");
    title.className = "civitas-map-popup__title";
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.service + " " + props.reference;
    title.appendChild(link);
    wrap.appendChild(title);
    var lines = [props.status, props.street || props.area || "", props.created];
    lines.forEach(function (text) {
      if (!text) return;
      var line = document.createElement("p");
      line.textContent = text;
      wrap.appendChild(line);
    });
    var more = document.createElement("a");
    more.href = props.url;
    more.className = "usa-link";
    more.textContent = linkText;
    wrap.appendChild(more);
    return wrap;
  }

  function addTiles(map, element) {
    if (!element.dataset.tiles) return;
    var warned = false;
    var layer = L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" });
    layer.on("tileerror", function () {
      if (warned) return;
      warned = true;
      element.classList.add("civitas-map--offline");
      say(element.dataset.msgOffline);
    });
    layer.addTo(map);
  }

  function markerFor(feature, element) {
    var coords = feature.geometry && feature.geometry.coordinates;
    if (!coords || coords.length < 2) return null;
    var props = feature.properties || {};
    var label = props.service + " " + props.reference + ", " + props.status;
    var marker = L.marker([coords[1], coords[0]], { alt: label, title: label, keyboard: true });
    marker.bindPopup(popupContent(props, element.dataset.msgOpenDetails || props.reference));
    marker.on("add", function () {
      var icon = marker.getElement();
      if (!icon) return;
      icon.setAttribute("role", "button");
      icon.setAttribute("aria-label", label);
      icon.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          marker.openPopup();
        }
      });
    });
    return marker;
  }

  function loadPoints(map, element) {
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var markers = (data.features || []).map(function (f) { return markerFor(f, element); }).filter(Boolean);
        if (markers.length) {
          var group = L.featureGroup(markers).addTo(map);
          map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
        }
        if (element.dataset.msgCount) say(element.dataset.msgCount.replace("%(count)s", String(markers.length)));
      })
      .catch(function () {
        say(element.dataset.msgFailed);
      });
  }

  function init() {
    var element = document.getElementById("requests-map");
    if (!element) return;
    if (typeof L === "undefined") {
      say(element.dataset.msgFailed);
      return;
    }
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.long);
    var zoom = parseInt(element.dataset.zoom, 10) || 13;
    if (isNaN(lat) || isNaN(lng)) return;
    element.classList.add("civitas-map--ready");
    var map = L.map(element, { scrollWheelZoom: false, keyboard: true }).setView([lat, lng], zoom);
    addTiles(map, element);
    if (element.dataset.geojson) {
      loadPoints(map, element);
    } else {
      var label = element.dataset.pointLabel || "";
      L.marker([lat, lng], { alt: label, title: label, keyboard: false }).addTo(map);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

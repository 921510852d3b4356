/* Portal display map (public requests list and one request). An enhancement only: without
   JavaScript, Leaflet or map tiles the page's list and text give the same information.

   <div id="requests-map" class="civitas-map"
        data-geojson="URL of a GeoJSON FeatureCollection (properties: reference, service, status, url …)"
        data-lat data-long data-zoom      where the map opens (or the one point, with data-point-label)
        data-tiles data-attribution       tile URL template from settings.MAP_TILE_URL (empty: no tiles)
        data-msg-offline data-msg-failed data-msg-count data-msg-cluster data-msg-open-details>   translated messages
   A <p id="requests-map-status" role="status"> next to it receives the messages. */
(function () {
  "use strict";

  // The status line says how many points are shown and whether the map could not fully load.
  var messages = { count: "", problem: "" };

  function say(kind, text) {
    var status = document.getElementById("requests-map-status");
    if (!status || !text) return;
    messages[kind] = text;
    status.textContent = [messages.count, messages.problem].filter(Boolean).join(" ");
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
      say("problem", element.dataset.msgOffline);
    });
    layer.addTo(map);
  }

  // Markers are 28 px circles (a divIcon). Points closer than MIN_GAP px on screen are drawn as one
  // marker with a count (recomputed on zoom), so no two markers overlap: each stays a target big
  // enough to tap and to reach with the keyboard (Tab, then Enter or Space opens its popup).
  var MIN_GAP = 36;

  function propsOf(feature) {
    var props = feature.properties || {};
    var coords = feature.geometry && feature.geometry.coordinates;
    if (!coords || coords.length < 2) return null;
    props.latlng = L.latLng(coords[1], coords[0]);
    return props;
  }

  function labelOf(props) {
    return props.service + " " + props.reference + ", " + props.status;
  }

  function clusterPopup(members, element) {
    if (members.length === 1) return popupContent(members[0], element.dataset.msgOpenDetails || members[0].reference);
    var wrap = document.createElement("div");
    var list = document.createElement("ul");
    list.className = "civitas-map-popup__list";
    members.forEach(function (props) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = props.url;
      link.textContent = labelOf(props);
      item.appendChild(link);
      list.appendChild(item);
    });
    wrap.appendChild(list);
    return wrap;
  }

  function clusterMarker(members, element) {
    var many = members.length > 1;
    var label = many
      ? (element.dataset.msgCluster || "%(count)s requests").replace("%(count)s", String(members.length)) +
        ": " + members.map(function (p) { return p.reference; }).join(", ")
      : labelOf(members[0]);
    var icon = L.divIcon({
      className: "civitas-map-marker" + (many ? " civitas-map-marker--group" : ""),
      html: many ? String(members.length) : "",
      iconSize: [28, 28],
      iconAnchor: [14, 14],
      popupAnchor: [0, -14],
    });
    var marker = L.marker(members[0].latlng, { icon: icon, title: label, keyboard: true });
    marker.bindPopup(clusterPopup(members, element));
    marker.on("add", function () {
      var node = marker.getElement();
      if (!node) return;
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", label);
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          marker.openPopup();
        }
      });
    });
    return marker;
  }

  function clusters(map, points) {
    var groups = [];
    points.forEach(function (props) {
      var pixel = map.latLngToLayerPoint(props.latlng);
      for (var i = 0; i < groups.length; i++) {
        if (groups[i].pixel.distanceTo(pixel) < MIN_GAP) {
          groups[i].members.push(props);
          return;
        }
      }
      groups.push({ pixel: pixel, members: [props] });
    });
    return groups.map(function (group) { return group.members; });
  }

  function showPoints(map, element, points) {
    var layer = L.layerGroup().addTo(map);
    function draw() {
      layer.clearLayers();
      clusters(map, points).forEach(function (members) { layer.addLayer(clusterMarker(members, element)); });
    }
    map.on("zoomend", draw);
    draw();
  }

  function loadPoints(map, element) {
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var points = (data.features || []).map(propsOf).filter(Boolean);
        if (points.length) {
          map.fitBounds(L.latLngBounds(points.map(function (p) { return p.latlng; })), { paddingTopLeft: [56, 40], paddingBottomRight: [40, 48], maxZoom: 16 });
          showPoints(map, element, points);
        }
        if (element.dataset.msgCount) say("count", element.dataset.msgCount.replace("%(count)s", String(points.length)));
      })
      .catch(function () {
        say("problem", element.dataset.msgFailed);
      });
  }

  function init() {
    var element = document.getElementById("requests-map");
    if (!element) return;
    if (typeof L === "undefined") {
      say("problem", element.dataset.msgFailed);
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
      var icon = L.divIcon({ className: "civitas-map-marker", iconSize: [28, 28], iconAnchor: [14, 14] });
      L.marker([lat, lng], { icon: icon, title: element.dataset.pointLabel || "", keyboard: false }).addTo(map);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* The report form, enhanced: a Leaflet map to place the pin (mouse, touch or keyboard), "use my
 * location", and possible duplicates refreshed as the pin moves. Without JavaScript (or without
 * Leaflet) none of this shows and the form works with a typed address and optional lat/long. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  var mapEl = document.getElementById("report-map");
  if (!form || !mapEl || typeof window.L === "undefined") { return; }

  var latInput = document.getElementById("id_lat");
  var longInput = document.getElementById("id_long");
  var statusEl = document.getElementById("map-status");
  var fallbackEl = document.getElementById("map-fallback");
  var duplicatesEl = document.getElementById("report-duplicates");
  var locateButton = document.getElementById("use-my-location");
  var data = mapEl.dataset;

  Array.prototype.forEach.call(form.querySelectorAll("[data-js-only]"), function (el) { el.hidden = false; });

  function number(value) {
    var parsed = parseFloat(String(value || "").replace(",", "."));
    return isFinite(parsed) ? parsed : null;
  }

  var startLat = number(latInput.value);
  var startLong = number(longInput.value);
  var hasPoint = startLat !== null && startLong !== null;
  var map = L.map(mapEl, { keyboard: true }).setView(
    hasPoint ? [startLat, startLong] : [number(data.centerLat), number(data.centerLong)],
    hasPoint ? 17 : (number(data.zoom) || 13)
  );

  if (data.tileUrl) {
    var failed = false;
    L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.tileAttribution || "" })
      .on("tileerror", function () {
        if (!failed) { failed = true; fallbackEl.hidden = false; }
      })
      .addTo(map);
  } else {
    fallbackEl.hidden = false;
  }

  var marker = null;

  function say(message) { if (statusEl) { statusEl.textContent = message; } }

  function refreshDuplicates(lat, lng) {
    var url = form.dataset.duplicatesUrl + "?lat=" + encodeURIComponent(lat) + "&long=" + encodeURIComponent(lng);
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#report-duplicates", swap: "innerHTML" });
    } else if (window.fetch) {
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { duplicatesEl.innerHTML = html; });
    }
  }

  function placePin(lat, lng, message, moveInputs) {
    var latlng = L.latLng(lat, lng);
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, alt: data.pinLabel, title: data.pinLabel }).addTo(map);
      marker.on("dragend", function () {
        var moved = marker.getLatLng();
        placePin(moved.lat, moved.lng, data.msgPlaced, true);
      });
    } else {
      marker.setLatLng(latlng);
    }
    if (moveInputs !== false) {
      latInput.value = lat.toFixed(6);
      longInput.value = lng.toFixed(6);
    }
    if (message) { say(message); }
    refreshDuplicates(lat.toFixed(6), lng.toFixed(6));
  }

  if (hasPoint) { placePin(startLat, startLong, "", false); }

  map.on("click", function (event) {
    placePin(event.latlng.lat, event.latlng.lng, data.msgPlaced, true);
  });

  // Keyboard: arrow keys pan (Leaflet), Enter or Space puts the pin in the middle of the map.
  mapEl.addEventListener("keydown", function (event) {
    if (event.target !== mapEl) { return; }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      var centre = map.getCenter();
      placePin(centre.lat, centre.lng, data.msgPlaced, true);
    }
  });

  function fromInputs() {
    var lat = number(latInput.value);
    var lng = number(longInput.value);
    if (lat === null || lng === null || Math.abs(lat) > 90 || Math.abs(lng) > 180) { return; }
    placePin(lat, lng, "", false);
    map.setView([lat, lng], Math.max(map.getZoom(), 16));
  }
  latInput.addEventListener("change", fromInputs);
  longInput.addEventListener("change", fromInputs);

  if (locateButton) {
    if (!("geolocation" in navigator)) {
      locateButton.hidden = true;
    } else {
      locateButton.addEventListener("click", function () {
        say(data.msgLocating);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var lat = position.coords.latitude;
            var lng = position.coords.longitude;
            map.setView([lat, lng], 17);
            placePin(lat, lng, data.msgLocated, true);
          },
          function () { say(data.msgNoLocation); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }
})();

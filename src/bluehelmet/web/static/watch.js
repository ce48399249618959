/* Watch page: the regions and the active alerts on a map (the points come in the page, as data). */
(function () {
  "use strict";

  var COLOURS = { critical: "#b30000", warning: "#e67e22", info: "#2c6e9b" };

  /* Popups are built as DOM text, never as HTML from a record's text. */
  function textBox(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      if (i > 0) { box.appendChild(document.createElement("br")); }
      if (i === 0) {
        var strong = document.createElement("strong");
        strong.appendChild(document.createTextNode(String(line)));
        box.appendChild(strong);
      } else {
        box.appendChild(document.createTextNode(String(line)));
      }
    });
    return box;
  }

  function setup() {
    var el = document.getElementById("map");
    var data = document.getElementById("alert-points");
    if (!el || !window.L || !data) { return; }
    var points = JSON.parse(data.textContent || "[]");
    var map = L.map(el, { zoomSnap: 0.25 }).setView([17.5, -2], 5.5);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    var status = document.getElementById("map-status");
    var mission = el.dataset.mission ? "?mission=" + encodeURIComponent(el.dataset.mission) : "";
    fetch("/api/map/boundaries" + mission, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (geo) {
        var regions = L.geoJSON(geo, { style: { color: "#14304a", weight: 1.2, fillColor: "#ffffff", fillOpacity: 0.7 } }).addTo(map);
        regions.bringToBack();
        if (!points.length) { map.fitBounds(regions.getBounds(), { padding: [8, 8] }); }
      })
      .catch(function () { if (status) { status.textContent = " " + el.dataset.labelUnavailable; } });
    var markers = points.map(function (p) {
      var colour = COLOURS[p.severity] || COLOURS.info;
      return L.circleMarker([p.lat, p.lon], { radius: 8, color: colour, fillColor: colour, fillOpacity: 0.7, className: "alert-marker" })
        .bindPopup(textBox([p.rule, p.message]));
    });
    if (markers.length) {
      var group = L.featureGroup(markers).addTo(map);
      map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 8 });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();

/* Situation page: the map (boundaries, H3 hexagons, operations from /api/map/...) and the trend chart. */
(function () {
  "use strict";

  function colour(count, max) {
    var t = max > 1 ? Math.log(count) / Math.log(max) : 1;
    var stops = ["#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
    return stops[Math.min(stops.length - 1, Math.floor(t * stops.length))];
  }

  /* Popups and tooltips are built as DOM text, never as HTML from a name: a record's name that
     holds markup is shown as the characters it is. Each line is a text node; lines are broken by <br>. */
  function textBox(lines, strongFirst) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      if (i > 0) { box.appendChild(document.createElement("br")); }
      var text = document.createTextNode(String(line));
      if (i === 0 && strongFirst) {
        var strong = document.createElement("strong");
        strong.appendChild(text);
        box.appendChild(strong);
      } else {
        box.appendChild(text);
      }
    });
    return box;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function setupMap() {
    var el = document.getElementById("map");
    if (!el || !window.L) { return; }
    var query = new URLSearchParams(JSON.parse(el.dataset.query || "{}")).toString();
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false, attributionControl: true }).setView([17.5, -2], 5.5);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth · H3");
    var layers = L.control.layers(null, null, { collapsed: false }).addTo(map);
    var status = document.getElementById("map-status");
    function unavailable(name) {
      if (status) { status.textContent = " " + el.dataset.labelUnavailable + " (" + name + ")"; }
    }

    // The layers drawn whatever the period are of the page's mission too (several may be reached).
    var mission = JSON.parse(el.dataset.query || "{}").mission;
    var ofMission = mission ? "mission=" + encodeURIComponent(mission) : "";
    getJSON("/api/map/boundaries" + (ofMission ? "?" + ofMission : "")).then(function (geo) {
      var regions = L.geoJSON(geo, {
        style: { color: "#14304a", weight: 1.2, fillColor: "#ffffff", fillOpacity: 0.7 },
        onEachFeature: function (f, layer) {
          var name = f.properties && (f.properties.name || f.properties.admin1);
          if (name) { layer.bindTooltip(textBox([name]), { sticky: true, className: "region-tip" }); }
        }
      }).addTo(map);
      regions.bringToBack();
      layers.addOverlay(regions, el.dataset.labelRegions);
      map.fitBounds(regions.getBounds(), { padding: [8, 8] });
    }).catch(function () { unavailable("boundaries"); });

    // Incidents, counted in the server by H3 cell at a resolution that suits the zoom.
    var hexes = L.geoJSON(null, {
      style: function (f) {
        var n = (f.properties || {}).count || 0;
        return { color: "#7a1f00", weight: 0.8, fillColor: colour(n, hexes.max || 1), fillOpacity: 0.78, className: "hexagon" };
      },
      onEachFeature: function (f, layer) {
        var n = (f.properties || {}).count || 0;
        layer.bindPopup(textBox([n, el.dataset.labelCount], true));
      }
    }).addTo(map);
    layers.addOverlay(hexes, el.dataset.labelIncidents);
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () { return L.DomUtil.create("div", "legend"); };
    legend.addTo(map);
    var shown = null;
    function resolution() {
      var z = map.getZoom();
      return z < 6 ? 4 : z < 7.5 ? 5 : z < 9 ? 6 : z < 10.5 ? 7 : 8;
    }
    function loadHexagons() {
      var wanted = resolution();
      if (wanted === shown) { return; }
      shown = wanted;
      getJSON("/api/map/hexagons?" + query + (query ? "&" : "") + "resolution=" + wanted).then(function (geo) {
        if (wanted !== shown) { return; }
        var max = 1;
        (geo.features || []).forEach(function (f) { max = Math.max(max, (f.properties || {}).count || 0); });
        hexes.max = max;
        hexes.clearLayers();
        hexes.addData(geo);
        el.dataset.hexagons = String((geo.features || []).length);
        var steps = [1, Math.round(Math.sqrt(max)), max].filter(function (v, i, all) { return all.indexOf(v) === i; });
        legend.getContainer().innerHTML = steps.map(function (s) {
          return '<i style="background:' + colour(s, max) + '"></i>' + s;
        }).join("<br>");
      }).catch(function () { unavailable("hexagons"); });
    }
    map.on("zoomend", loadHexagons);
    loadHexagons();

    getJSON("/api/map/operations?" + query).then(function (geo) {
      var ops = L.geoJSON(geo, {
        style: { color: "#0b5e8f", weight: 2, dashArray: "4 3", fillOpacity: 0.05 },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 5, color: "#fff", weight: 1.5, fillColor: "#0b5e8f", fillOpacity: 1 });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          var lines = [p.name || p.operation, p.place || p.location,
            p.start_on && (p.start_on + (p.end_on ? " – " + p.end_on : ""))].filter(Boolean);
          if (lines.length) { layer.bindPopup(textBox(lines)); }
        }
      }).addTo(map);
      layers.addOverlay(ops, el.dataset.labelOperations);
    }).catch(function () { unavailable("operations"); });
    addOrientation(map, layers, el, unavailable);
    addCasevac(map, layers, el, unavailable);
  }

  /* What orients the map: sector outlines with their names, place names shown from the zoom the
     server gives each place (regions' seats first), bases and camps with the units based there. */
  function addOrientation(map, layers, el, unavailable) {
    var mission = JSON.parse(el.dataset.query || "{}").mission;
    var french = document.documentElement.lang === "fr";
    function named(p) { return (french && p.name_fr) || p.name; }  // a record's French name where it has one
    var only = mission ? "?" + new URLSearchParams({ mission: mission }).toString() : "";
    // Sector names above the regions and cells but under the places and bases, so they hide no town.
    map.createPane("sectorLabels").style.zIndex = 450;
    getJSON("/api/map/sectors" + only).then(function (geo) {
      var sectors = L.geoJSON(geo, {
        interactive: false,
        style: { color: "#0b5e8f", weight: 2.5, dashArray: "8 5", fill: false },
        onEachFeature: function (f, layer) {
          var name = named(f.properties || {});
          if (name) { layer.bindTooltip(textBox([name]), { permanent: true, direction: "center", className: "sector-label",
            pane: "sectorLabels" }); }
        }
      }).addTo(map);
      layers.addOverlay(sectors, el.dataset.labelSectors);
      el.dataset.sectors = String((geo.features || []).length);
    }).catch(function () { unavailable("sectors"); });

    getJSON("/api/map/places" + only).then(function (geo) {
      var labelled = [];
      var names = L.geoJSON(geo, {
        pointToLayer: function (f, latlng) {
          var rank = (f.properties || {}).rank || 3;
          return L.circleMarker(latlng, { radius: rank === 1 ? 3.5 : 2.5, color: "#14304a", weight: 1,
            fillColor: "#ffffff", fillOpacity: 1, interactive: false });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          if (p.name) { labelled.push({ layer: layer, name: named(p), rank: p.rank || 3, zoom: p.label_zoom || 8 }); }
        }
      });
      /* A label is bound only while the zoom is at or past the place's own: a permanent tooltip
         reopens whenever its marker is redrawn, so hiding one means unbinding it. */
      function relabel() {
        var z = map.getZoom();
        var shown = 0;
        labelled.forEach(function (item) {
          var wanted = z >= item.zoom && map.hasLayer(names);
          if (wanted && !item.layer.getTooltip()) {
            item.layer.bindTooltip(textBox([item.name]), { permanent: true, direction: "right", offset: [3, 0],
              className: "place-label rank-" + item.rank });
          } else if (!wanted && item.layer.getTooltip()) {
            item.layer.unbindTooltip();
          }
          if (wanted) { shown += 1; }
        });
        el.dataset.placeLabels = String(shown);
      }
      names.addTo(map);
      layers.addOverlay(names, el.dataset.labelPlaces);
      map.on("zoomend overlayadd overlayremove", relabel);
      relabel();
    }).catch(function () { unavailable("places"); });

    getJSON("/api/map/bases" + only).then(function (geo) {
      var bases = L.geoJSON(geo, {
        pointToLayer: function (f, latlng) {
          var icon = L.divIcon({ className: "base-icon", iconSize: [14, 14], html: "" });
          return L.marker(latlng, { icon: icon, keyboard: false });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          var lines = [p.name];
          if (p.unit_count) { lines.push(p.unit_count + " " + el.dataset.labelUnits); }
          layer.bindPopup(textBox(lines.concat(p.units || []), true));
        }
      }).addTo(map);
      layers.addOverlay(bases, el.dataset.labelBases);
      el.dataset.bases = String((geo.features || []).length);
    }).catch(function () { unavailable("bases"); });
  }

  /* Casualty evacuation (10-1-2): the cells beyond the targets, loaded when the layer is first shown,
     with a legend of its two shades while it is shown. */
  function addCasevac(map, layers, el, unavailable) {
    var group = L.layerGroup();
    var loaded = false;
    layers.addOverlay(group, el.dataset.labelCasevac);
    var key = L.control({ position: "bottomleft" });
    key.onAdd = function () {
      var box = L.DomUtil.create("div", "legend casevac-legend");
      [["#7b3294", 0.35, el.dataset.labelCasevacSurgery], ["#c2a5cf", 0.25, el.dataset.labelCasevacAdvanced]]
        .forEach(function (row) {
          var line = L.DomUtil.create("div", "", box);
          var swatch = L.DomUtil.create("i", "", line);
          swatch.style.background = row[0];
          swatch.style.opacity = String(row[1] + 0.3);
          line.appendChild(document.createTextNode(row[2]));
        });
      return box;
    };
    function minutes(value) {
      return value === null || value === undefined ? el.dataset.labelUnreachable : Math.round(value) + " min";
    }
    map.on("overlayremove", function (event) { if (event.layer === group) { key.remove(); } });
    map.on("overlayadd", function (event) {
      if (event.layer !== group) { return; }
      key.addTo(map);
      if (loaded) { return; }
      loaded = true;
      var mission = JSON.parse(el.dataset.query || "{}").mission;
      getJSON("/api/map/casevac?resolution=5" + (mission ? "&mission=" + encodeURIComponent(mission) : "")).then(function (geo) {
        var shade = { surgery: ["#7b3294", 0.35], advanced: ["#c2a5cf", 0.25] };
        // Each shade's cells merged into one outline (no seams between cells), filled...
        (geo.areas || []).forEach(function (area) {
          var look = shade[area.shade] || shade.surgery;
          L.geoJSON(area.geometry, { interactive: false, style: { stroke: false, className: "casevac-area",
            fillColor: look[0], fillOpacity: look[1] } }).addTo(group);
        });
        // ...and the cells on top, unfilled, each with its minutes.
        L.geoJSON(geo, {
          style: function () { return { stroke: false, className: "casevac", fillOpacity: 0 }; },
          onEachFeature: function (f, layer) {
            var p = f.properties || {};
            layer.bindTooltip(textBox([el.dataset.labelAdvanced + ": " + minutes(p.advanced_minutes),
              el.dataset.labelSurgery + ": " + minutes(p.surgery_minutes)]), { sticky: true });
          }
        }).addTo(group);
      }).catch(function () { unavailable("casevac"); });
    });
  }

  function setupTrend() {
    var canvas = document.getElementById("trend");
    var data = document.getElementById("trend-data");
    if (!canvas || !data || !window.Chart) { return; }
    var trend = JSON.parse(data.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: trend.months,
        datasets: trend.series.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: s.colour, borderWidth: 0 };
        })
      },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, font: { size: 11 } } } },
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () { setupMap(); setupTrend(); });
}());

// Click a bar on the outage timeline (or a cell, or a notable outage's marker) to open its
// incident or incident list. The point's customdata starts with that page's URL
// (dashboard/charts.py build_outage_timeline, dashboard/history_charts.py). Loaded after charts.js, which
// draws the figure; Plotly sets up a chart's events as it draws, so we wait for that.
(function () {
  "use strict";
  function attach(target, tries) {
    if (typeof target.on !== "function") {
      if (tries > 0) {
        window.setTimeout(function () { attach(target, tries - 1); }, 200);
      }
      return;
    }
    target.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var url = point && point.customdata && point.customdata[0];
      // Only our own pages: a relative path starting with one slash.
      if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
        window.location.assign(url);
      }
    });
  }
  function start() {
    ["outage-timeline", "notable-outages"].forEach(function (id) {
      var target = document.getElementById(id);
      if (target) {
        attach(target, 150);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

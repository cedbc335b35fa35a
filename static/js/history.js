// Click a bar on the outage timeline (or a cell, or a notable outage's marker) to open its
// incident or incident list. A bar's or marker's customdata starts with that page's URL
// (dashboard/charts.py build_outage_timeline, dashboard/history_charts.py); a cell's list is
// described once for the whole trace in its meta (build_bucket_timeline), and built here from
// the cell's provider and first day. Loaded after charts.js, which draws the figure; Plotly
// sets up a chart's events as it draws, so we wait for that.
(function () {
  "use strict";
  function cellListUrl(point) {
    var list = point.data && point.data.meta && point.data.meta.incident_list;
    if (!list || !list.providers) {
      return null;
    }
    var slug = list.providers[point.y];
    var since = String(point.x).slice(0, 10);
    var first = new Date(since + "T00:00:00Z");
    if (typeof slug !== "string" || isNaN(first.getTime())) {
      return null;
    }
    // The bucket's last day, inclusive: as the incident list's "until" reads it.
    first.setUTCDate(first.getUTCDate() + Math.max(1, Number(list.days) || 1) - 1);
    var query = new URLSearchParams({
      provider: slug,
      since: since,
      until: first.toISOString().slice(0, 10)
    });
    return list.path + "?" + query.toString();
  }
  function attach(target, tries) {
    if (typeof target.on !== "function") {
      if (tries > 0) {
        window.setTimeout(function () { attach(target, tries - 1); }, 200);
      }
      return;
    }
    target.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point) {
        return;
      }
      var url = point.customdata && point.customdata[0];
      if (typeof url !== "string") {
        url = cellListUrl(point);
      }
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

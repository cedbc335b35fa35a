// Draw every chart on the page with Plotly. A chart is a <div data-chart="ID"> next to the
// figure dict rendered by `{{ figure|json_script:"ID" }}` (the `chart` template tag writes both).
// plotly.js is fetched only when the page has a chart: from a <script> the page includes, or
// else from the address in this script's data-plotly-src. No inline script anywhere, so a
// strict Content-Security-Policy holds.
//
// Charts follow the page's theme: their text and grid lines take the palette's --text and
// --border (read from dashboard.css, so there is one palette), when drawn and again whenever
// theme.js says the theme changed ("theme:changed"), through Plotly.relayout.
(function () {
  "use strict";
  var self = document.currentScript;
  var started = false;
  var drawn = [];
  // Trace types drawn on x/y axes (the others, Sankey and pie, have no grid to colour).
  var CARTESIAN = /^(scatter|scattergl|bar|heatmap|histogram|box|violin)$/;

  function palette(name) {
    return window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // The layout keys that carry colour for the current theme, for this figure's axes.
  function themeLayout(figure) {
    var text = palette("--text");
    var grid = palette("--border");
    var muted = palette("--muted");
    var layout = figure.layout || {};
    var update = { "font.color": text, "legend.font.color": text };
    var axes = Object.keys(layout).filter(function (key) {
      return /^[xy]axis\d*$/.test(key);
    });
    var cartesian = (figure.data || []).some(function (trace) {
      return CARTESIAN.test(trace.type || "scatter");
    });
    if (cartesian) {
      ["xaxis", "yaxis"].forEach(function (key) {
        if (axes.indexOf(key) === -1) {
          axes.push(key);
        }
      });
    }
    axes.forEach(function (axis) {
      update[axis + ".gridcolor"] = grid;
      update[axis + ".linecolor"] = muted;
      update[axis + ".zerolinecolor"] = grid;
      update[axis + ".tickfont.color"] = text;
    });
    return update;
  }

  // Plotly.relayout's dotted keys, applied to a plain layout before the first draw.
  function withTheme(figure) {
    var layout = JSON.parse(JSON.stringify(figure.layout || {}));
    var update = themeLayout(figure);
    Object.keys(update).forEach(function (path) {
      var parts = path.split(".");
      var node = layout;
      parts.slice(0, -1).forEach(function (part) {
        if (typeof node[part] !== "object" || node[part] === null) {
          node[part] = {};
        }
        node = node[part];
      });
      node[parts[parts.length - 1]] = update[path];
    });
    return layout;
  }

  // Month and day names on date axes in the page's language: the browser's own Intl names them,
  // so no word is written here. English is plotly's default.
  var localeName = null;
  function locale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    if (localeName || lang.indexOf("en") === 0 || !window.Intl || !window.Plotly.register) {
      return localeName;
    }
    function names(count, start, step, options) {
      var format = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: "UTC" }, options));
      var list = [];
      for (var i = 0; i < count; i += 1) {
        list.push(format.format(new Date(start + i * step)));
      }
      return list;
    }
    var day = 24 * 3600 * 1000;
    var sunday = Date.UTC(2024, 0, 7);
    var months = [];
    var shortMonths = [];
    for (var m = 0; m < 12; m += 1) {
      var middle = new Date(Date.UTC(2024, m, 15));
      months.push(new Intl.DateTimeFormat(lang, { month: "long", timeZone: "UTC" }).format(middle));
      shortMonths.push(
        new Intl.DateTimeFormat(lang, { month: "short", timeZone: "UTC" }).format(middle)
      );
    }
    window.Plotly.register({
      moduleType: "locale",
      name: lang,
      dictionary: {},
      format: {
        days: names(7, sunday, day, { weekday: "long" }),
        shortDays: names(7, sunday, day, { weekday: "short" }),
        months: months,
        shortMonths: shortMonths,
      },
    });
    localeName = lang;
    return localeName;
  }

  function retheme() {
    drawn.forEach(function (item) {
      window.Plotly.relayout(item.target, themeLayout(item.figure));
    });
  }
  document.addEventListener("theme:changed", retheme);

  function draw(targets) {
    Array.prototype.forEach.call(targets, function (target) {
      var node = document.getElementById(target.getAttribute("data-chart"));
      if (!node) {
        return;
      }
      var figure;
      try {
        figure = JSON.parse(node.textContent);
      } catch (error) {
        target.textContent =
          (self && self.getAttribute("data-text-failed")) || "This chart could not be drawn.";
        return;
      }
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
      if (locale()) {
        config.locale = locale();
      }
      target.textContent = "";
      target.classList.add("chart--drawn");
      window.Plotly.newPlot(target, figure.data || [], withTheme(figure), config);
      drawn.push({ target: target, figure: figure });
    });
  }

  function start() {
    if (started) {
      return;
    }
    started = true;
    var targets = document.querySelectorAll("[data-chart]");
    if (!targets.length) {
      return;
    }
    if (window.Plotly) {
      draw(targets);
      return;
    }
    var src = self && self.getAttribute("data-plotly-src");
    if (!src) {
      return;
    }
    var loader = document.createElement("script");
    loader.src = src;
    loader.onload = function () {
      draw(targets);
    };
    document.head.appendChild(loader);
  }

  if (document.readyState === "complete") {
    start();
  } else {
    // Deferred scripts (plotly included by the page) have all run by DOMContentLoaded.
    document.addEventListener("DOMContentLoaded", start);
    window.addEventListener("load", start);
  }
})();

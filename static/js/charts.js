// Draw every chart on the page with Plotly. A chart is a <div data-chart="ID"> next to the
// figure dict rendered by `{{ figure|json_script:"ID" }}` (the `chart` template tag writes both).
// plotly.js is fetched only when the page has a chart: from a <script> the page includes, or
// else from the address in this script's data-plotly-src. No inline script anywhere, so a
// strict Content-Security-Policy holds.
(function () {
  "use strict";
  var self = document.currentScript;
  var started = false;

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
        target.textContent = "This chart could not be drawn.";
        return;
      }
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
      target.textContent = "";
      target.classList.add("chart--drawn");
      window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
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

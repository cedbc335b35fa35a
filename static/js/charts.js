// Draw every chart on the page with Plotly. A chart is a <div data-chart="ID"> next to the
// figure dict rendered by `{{ figure|json_script:"ID" }}` (see the `chart` template tag).
// No inline script anywhere, so a strict Content-Security-Policy holds.
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) {
      return;
    }
    var targets = document.querySelectorAll("[data-chart]");
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
      target.classList.add("chart--drawn");
      window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

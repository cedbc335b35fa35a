// The star on each overview tile and card: pressed for a watched provider. A click watches or
// stops watching it through window.aiwatchWatchlist (static/js/watchlist.js), which remembers
// the list. Stars are marked again after every live update, whose fresh markup has them all
// unpressed.
(function () {
  "use strict";
  var list = window.aiwatchWatchlist;
  if (!list) {
    return;
  }

  function mark() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-watch-star]"), function (star) {
      var watched = list.has(star.getAttribute("data-watch-star"));
      star.setAttribute("aria-pressed", watched ? "true" : "false");
      var item = star.closest("[data-provider]");
      if (item) {
        item.toggleAttribute("data-watched", watched);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var star = event.target.closest && event.target.closest("[data-watch-star]");
    if (!star) {
      return;
    }
    var slug = star.getAttribute("data-watch-star");
    list.set(slug, !list.has(slug));
  });
  document.addEventListener("watchlist:changed", mark);
  document.addEventListener("live:updated", mark);
  mark();
})();

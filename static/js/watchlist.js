// The providers this person watches, by slug. Until there are accounts the list lives in this
// browser (localStorage "aiwatch.watched", a JSON array); everything else (the stars, "watched
// first", the tab's title and icon, notifications) goes through window.aiwatchWatchlist, so a
// server-side list can replace the two storage functions below and nothing else changes.
//
//   aiwatchWatchlist.has(slug) -> bool       aiwatchWatchlist.slugs() -> [slug, ...]
//   aiwatchWatchlist.set(slug, watched)      fires "watchlist:changed" on document
(function () {
  "use strict";
  var KEY = "aiwatch.watched";
  var SLUG = /^[A-Za-z0-9_-]{1,100}$/;

  // Storage: the only two functions that know where the list is kept.
  function readStored() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (slug) { return SLUG.test(slug); }) : [];
    } catch (error) {
      return [];
    }
  }

  function writeStored(list) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list));
    } catch (error) {
      // Storage refused (private mode, quota): the list holds for this page only.
    }
  }

  var slugs = readStored();

  function changed() {
    document.dispatchEvent(new CustomEvent("watchlist:changed", { detail: { slugs: slugs.slice() } }));
  }

  window.aiwatchWatchlist = {
    slugs: function () {
      return slugs.slice();
    },
    has: function (slug) {
      return slugs.indexOf(slug) !== -1;
    },
    set: function (slug, watched) {
      if (!SLUG.test(slug) || watched === (slugs.indexOf(slug) !== -1)) {
        return;
      }
      slugs = watched
        ? slugs.concat([slug])
        : slugs.filter(function (other) { return other !== slug; });
      writeStored(slugs);
      changed();
    },
  };

  // Another tab of this site starred or unstarred a provider.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) {
      slugs = readStored();
      changed();
    }
  });
})();

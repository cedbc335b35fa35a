// The providers this person watches, by slug. Signed in, the list is kept on the server
// (/me/watchlist.json; the page carries it as the JSON element #watchlist-server); before signing
// in it lives in this browser (localStorage "aiwatch.watched", a JSON array), and on the first
// page after signing in that browser list moves to the server once. Everything else (the stars,
// "watched first", the tab's title and icon, notifications) goes through window.aiwatchWatchlist.
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

  function valid(list) {
    return Array.isArray(list) ? list.filter(function (slug) { return SLUG.test(slug); }) : [];
  }

  // Signed in: {"url": ..., "providers": [...], "may_change": bool}, else null.
  var server = (function () {
    var node = document.getElementById("watchlist-server");
    try {
      return node ? JSON.parse(node.textContent) : null;
    } catch (error) {
      return null;
    }
  })();

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Tell the server; its answer is the list from then on. Resolves true once it has answered.
  function send(change) {
    return window
      .fetch(server.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(change),
      })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (!answer || !Array.isArray(answer.providers)) {
          return false;
        }
        slugs = valid(answer.providers);
        changed();
        return true;
      })
      .catch(function () {
        return false;
      });
  }

  var slugs = server ? valid(server.providers) : readStored();

  function changed() {
    document.dispatchEvent(new CustomEvent("watchlist:changed", { detail: { slugs: slugs.slice() } }));
  }

  if (server && server.may_change) {
    // First page after signing in: the stars made in this browser move to the server once.
    var local = readStored();
    if (local.length) {
      slugs = slugs.concat(local.filter(function (slug) { return slugs.indexOf(slug) === -1; }));
      send({ add: local }).then(function (stored) {
        if (stored) {
          try {
            window.localStorage.removeItem(KEY);
          } catch (error) {
            // Storage refused: the list is on the server anyway.
          }
        }
      });
    }
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
      if (server) {
        send(watched ? { add: [slug] } : { remove: [slug] });
      } else {
        writeStored(slugs);
      }
      changed();
    },
  };

  // Another tab of this site starred or unstarred a provider.
  window.addEventListener("storage", function (event) {
    if (!server && (event.key === KEY || event.key === null)) {
      slugs = readStored();
      changed();
    }
  });
})();

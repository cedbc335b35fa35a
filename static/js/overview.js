// Narrow the overview in place: a search box, filters by kind of service and by state, a grid
// or compact list, and "watched first", all remembered in this browser (localStorage). Cards
// and tiles carry data-name, data-kind, data-state and data-attention; they keep the server's
// order (problems first), except that "watched first" moves the watched ones
// (window.aiwatchWatchlist) to the front of their own section. Re-applied after every live
// update (the "live:updated" event of live.js) and whenever a star is clicked.
(function () {
  "use strict";
  var form = document.querySelector("[data-overview-tools]");
  if (!form) {
    return;
  }
  var KEY = "aiwatch.overview";
  var count = form.querySelector("[data-filter-count]");
  var none = form.querySelector("[data-filter-none]");
  var watchlist = window.aiwatchWatchlist;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function save(choices) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(choices));
    } catch (error) {
      // Storage refused (private mode, quota): the choices last for this page only.
    }
  }

  function read() {
    var layout = form.querySelector("[data-filter=layout]:checked");
    return {
      q: form.elements.q.value.trim().toLowerCase(),
      kind: form.elements.kind.value,
      state: form.elements.state.value,
      layout: layout ? layout.value : "grid",
      watched: form.elements.watched.checked,
    };
  }

  function write(choices) {
    form.elements.q.value = choices.q || "";
    form.elements.kind.value = choices.kind || "";
    form.elements.state.value = choices.state || "";
    form.elements.watched.checked = Boolean(choices.watched);
    Array.prototype.forEach.call(form.querySelectorAll("[data-filter=layout]"), function (radio) {
      radio.checked = radio.value === (choices.layout || "grid");
    });
  }

  function matches(item, choices) {
    if (choices.q && (item.getAttribute("data-name") || "").indexOf(choices.q) === -1) {
      return false;
    }
    if (choices.kind && item.getAttribute("data-kind") !== choices.kind) {
      return false;
    }
    if (choices.state === "attention") {
      return item.hasAttribute("data-attention");
    }
    return !choices.state || item.getAttribute("data-state") === choices.state;
  }

  // Each section keeps the server's order, with the watched providers moved to its front when
  // asked. data-order remembers the server's place so the order comes back when unticked.
  function order(watchedFirst) {
    var active = document.activeElement;
    var containers = document.querySelectorAll(
      "[data-live-region=cards] .cards, [data-live-region=cards] .tiles"
    );
    Array.prototype.forEach.call(containers, function (container) {
      var items = Array.prototype.filter.call(container.children, function (child) {
        return child.hasAttribute("data-provider");
      });
      items.forEach(function (item, index) {
        if (!item.hasAttribute("data-order")) {
          item.setAttribute("data-order", String(index));
        }
      });
      var rank = function (item) {
        var watched = watchedFirst && watchlist && watchlist.has(item.getAttribute("data-provider"));
        return (watched ? 0 : 100000) + parseInt(item.getAttribute("data-order"), 10);
      };
      var sorted = items.slice().sort(function (a, b) {
        return rank(a) - rank(b);
      });
      var moved = sorted.some(function (item, index) {
        return item !== items[index];
      });
      if (moved) {
        sorted.forEach(function (item) {
          container.appendChild(item);
        });
      }
    });
    // Moving an element takes the focus away from it: give it back (the star just clicked).
    if (active && active !== document.activeElement && document.contains(active)) {
      active.focus();
    }
  }

  function apply() {
    var choices = read();
    order(choices.watched);
    var items = document.querySelectorAll("[data-live-region=cards] [data-provider]");
    var shown = 0;
    Array.prototype.forEach.call(items, function (item) {
      var show = matches(item, choices);
      item.hidden = !show;
      shown += show ? 1 : 0;
    });
    // A section with nothing left to show goes too, heading and all.
    Array.prototype.forEach.call(
      document.querySelectorAll("[data-live-region=cards] section"),
      function (section) {
        section.hidden = !section.querySelector("[data-provider]:not([hidden])");
      }
    );
    document.documentElement.setAttribute("data-overview-layout", choices.layout);
    var narrowed = shown !== items.length;
    if (count) {
      count.textContent = narrowed
        ? count.getAttribute("data-text-some").replace("{shown}", shown).replace("{total}", items.length)
        : "";
    }
    if (none) {
      none.hidden = shown > 0 || !items.length;
    }
    save(choices);
  }

  write(load());
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  form.addEventListener("reset", function () {
    window.setTimeout(apply, 0);
  });
  document.addEventListener("live:updated", apply);
  document.addEventListener("watchlist:changed", apply);
  apply();
})();

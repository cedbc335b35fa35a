// The overview's tab says how the watched providers are (all of them when none is watched,
// leaving out those still waiting for data): the title starts with how many are in trouble and
// a mark, "(2) ⚠ Overview · AI Watch", and the favicon takes the worst one's colour and shape.
// Both follow every live update, so a tab left in the background tells when something breaks.
//
// Notifications are opt-in (the overview's "Notify me of changes" button): when a live update
// changes the status of one of those providers, the Notification API of this open tab says
// so. It needs no push service, so it works on a closed network; it stops with the tab.
//
// Words, marks, icons and the order of severity come from [data-tab-status], rendered by the
// server in the page's language (dashboard/overview_tab.html).
(function () {
  "use strict";
  var holder = document.querySelector("[data-tab-status]");
  if (!holder) {
    return;
  }
  var NOTIFY_KEY = "aiwatch.notify";
  var order = (holder.getAttribute("data-severity-order") || "").split(" ");
  var troubleFrom = order.indexOf("degraded_performance");
  var watchlist = window.aiwatchWatchlist;
  var button = document.querySelector("[data-notify-toggle]");
  var icon = document.querySelector('link[rel~="icon"]');

  function attr(name) {
    return holder.getAttribute(name) || "";
  }

  function rank(status) {
    return order.indexOf(status);
  }

  // The providers on the page, by slug: status, its word as the page shows it, and name.
  function snapshot() {
    var seen = {};
    var items = document.querySelectorAll("[data-live-region=cards] [data-provider]");
    Array.prototype.forEach.call(items, function (item) {
      var word = item.querySelector(".status__word");
      var link = item.querySelector("a");
      seen[item.getAttribute("data-provider")] = {
        status: item.getAttribute("data-status") || "unknown",
        word: word ? word.textContent.trim() : "",
        name: link ? link.textContent.trim() : item.getAttribute("data-provider"),
        waiting: item.hasAttribute("data-waiting"),
      };
    });
    return seen;
  }

  // The slugs the tab speaks for: the watched ones on the page, else every one with news.
  function followed(seen) {
    var watched = watchlist ? watchlist.slugs() : [];
    var present = watched.filter(function (slug) {
      return seen[slug];
    });
    if (present.length) {
      return present;
    }
    return Object.keys(seen).filter(function (slug) {
      return !seen[slug].waiting;
    });
  }

  // The worst status and how many share it (every kind of trouble counts together), the same
  // rule as dashboard.views.tab_status for the title the server sends.
  function worst(seen, slugs) {
    var statuses = slugs.map(function (slug) {
      return seen[slug].status;
    });
    var top = statuses.reduce(function (best, status) {
      return rank(status) > rank(best) ? status : best;
    }, "operational");
    var count = statuses.filter(function (status) {
      return rank(top) >= troubleFrom ? rank(status) >= troubleFrom : status === top;
    }).length;
    return { status: top, count: count };
  }

  function render(seen) {
    var headline = worst(seen, followed(seen));
    var title = attr("data-title-base");
    if (headline.status !== "operational") {
      var mark = attr(
        "data-mark-" + (rank(headline.status) >= troubleFrom ? "problem" : headline.status)
      );
      title = "(" + headline.count + ") " + (mark ? mark + " " : "") + title;
    }
    document.title = title;
    var href = attr("data-icon-" + headline.status);
    if (icon && href && icon.getAttribute("href") !== href) {
      icon.setAttribute("href", href);
    }
  }

  // Notifications: wanted (remembered here) and allowed (the browser's permission).
  var supported = "Notification" in window;

  function wanted() {
    try {
      return window.localStorage.getItem(NOTIFY_KEY) === "on";
    } catch (error) {
      return false;
    }
  }

  function want(on) {
    try {
      if (on) {
        window.localStorage.setItem(NOTIFY_KEY, "on");
      } else {
        window.localStorage.removeItem(NOTIFY_KEY);
      }
    } catch (error) {
      // Storage refused: notifications hold for this page only.
    }
    showButton();
  }

  function allowed() {
    return supported && window.Notification.permission === "granted";
  }

  function showButton() {
    if (!button || !supported) {
      return;
    }
    var blocked = window.Notification.permission === "denied";
    var on = wanted() && allowed();
    button.hidden = false;
    button.disabled = blocked;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = button.getAttribute(
      blocked ? "data-text-blocked" : on ? "data-text-on" : "data-text-off"
    );
  }

  if (button && supported) {
    button.addEventListener("click", function () {
      if (wanted() && allowed()) {
        want(false);
        return;
      }
      if (allowed()) {
        want(true);
        return;
      }
      var asked = window.Notification.requestPermission(function () {
        // Older browsers answer through the callback only.
        want(allowed());
      });
      if (asked && asked.then) {
        asked.then(function () {
          want(allowed());
        });
      }
    });
  }

  function notify(before, now) {
    if (!wanted() || !allowed()) {
      return;
    }
    followed(now).forEach(function (slug) {
      var old = before[slug];
      var fresh = now[slug];
      if (!old || old.status === fresh.status) {
        return;
      }
      var text = attr("data-text-notify")
        .replace("{name}", fresh.name)
        .replace("{status}", fresh.word || fresh.status)
        .replace("{before}", old.word || old.status);
      try {
        var shown = new window.Notification("AI Watch", {
          body: text,
          tag: "aiwatch-" + slug,
          icon: attr("data-icon-" + fresh.status),
          lang: document.documentElement.lang,
        });
        shown.onclick = function () {
          window.focus();
          shown.close();
        };
      } catch (error) {
        // Some browsers allow notifications only from a service worker: the title still says it.
      }
    });
  }

  var last = snapshot();
  document.addEventListener("live:updated", function () {
    var now = snapshot();
    notify(last, now);
    last = now;
    render(now);
  });
  document.addEventListener("watchlist:changed", function () {
    render(last);
  });
  showButton();
  render(last);
})();

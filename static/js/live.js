// Keep a page current without reloading it. A page marks <body data-live-src="URL"
// data-live-seconds="N">; every N seconds while the tab is visible this fetches URL (a fragment
// holding the page's [data-live-fragment] and its [data-live-region="NAME"] parts) and swaps
// only the regions whose markup changed since the last answer (the page's own scripts may have
// marked a region up since: a star pressed, a tile hidden, and that is no change). Nothing is
// fetched while the tab is hidden, unless the page asks for a slower background pace with
// data-live-background-seconds (the overview, whose tab title and icon say what broke), and no
// region is touched while the person types in a form or holds a selection. The
// [data-live-status] line says how fresh the page is, or that the server cannot be reached.
// Words shown come from that line's data-text-* attributes, so they follow the page's language.
// After each swap a "live:updated" event is fired on document for the page's other scripts.
(function () {
  "use strict";
  var body = document.body;
  var src = body.getAttribute("data-live-src");
  var seconds = parseInt(body.getAttribute("data-live-seconds") || "", 10);
  if (!src || !seconds) {
    return;
  }
  seconds = Math.min(Math.max(seconds, 15), 300);
  var background = parseInt(body.getAttribute("data-live-background-seconds") || "", 10);
  // Browsers slow a hidden tab's timers to about once a minute anyway.
  background = background ? Math.min(Math.max(background, 60), 600) : 0;
  var status = document.querySelector("[data-live-status]");
  var statusText = status && status.querySelector(".live-status__text");
  var lastSuccess = Date.now();
  var failures = 0;
  var timer = null;
  var inFlight = false;
  // Each region's markup as the server last sent it, to tell a real change from our own marks.
  var received = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-region]"), function (region) {
    received[region.getAttribute("data-live-region")] = region.innerHTML;
  });

  function words(name, fallback) {
    return (status && status.getAttribute("data-text-" + name)) || fallback;
  }

  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 5) {
      return null;
    }
    if (s < 90) {
      return words("seconds", "{n} s").replace("{n}", s);
    }
    return words("minutes", "{n} min").replace("{n}", Math.round(s / 60));
  }

  function showStatus() {
    if (!statusText) {
      return;
    }
    var state = failures ? "lost" : busy() ? "paused" : "ok";
    status.setAttribute("data-state", state);
    if (state === "lost") {
      statusText.textContent = words("lost", "Connection lost, retrying…");
      return;
    }
    if (state === "paused") {
      statusText.textContent = words("paused", "Paused while you type");
      return;
    }
    var since = ago(Date.now() - lastSuccess);
    statusText.textContent = since
      ? words("ago", "Updated {ago} ago").replace("{ago}", since)
      : words("now", "Updated just now");
  }

  // Typing: a key pressed in a form field in the last few seconds (a search box left focused
  // does not stop the page for good).
  var lastKey = 0;
  document.addEventListener("input", function () {
    lastKey = Date.now();
  });

  function busy() {
    var active = document.activeElement;
    var field = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    if (field && active.type !== "checkbox" && active.type !== "radio") {
      if (active.tagName === "TEXTAREA" || Date.now() - lastKey < 8000) {
        return true;
      }
    }
    if (active && active.isContentEditable) {
      return true;
    }
    var selection = window.getSelection ? String(window.getSelection()) : "";
    return selection.length > 0;
  }

  // Which <details> are open, by position, so a swap does not fold what the reader unfolded.
  function openDetails(region) {
    return Array.prototype.map.call(region.querySelectorAll("details"), function (d) {
      return d.open;
    });
  }

  function swap(fresh) {
    var changed = [];
    Array.prototype.forEach.call(fresh.querySelectorAll("[data-live-region]"), function (next) {
      var name = next.getAttribute("data-live-region");
      var current = document.querySelector('[data-live-region="' + name + '"]');
      if (!current || received[name] === next.innerHTML) {
        return;
      }
      received[name] = next.innerHTML;
      var opened = openDetails(current);
      current.innerHTML = next.innerHTML;
      var details = current.querySelectorAll("details");
      if (details.length === opened.length) {
        Array.prototype.forEach.call(details, function (d, i) {
          d.open = opened[i];
        });
      }
      changed.push(name);
    });
    var title = fresh.getAttribute("data-live-title");
    if (title) {
      document.title = title.trim();
    }
    document.dispatchEvent(
      new CustomEvent("live:updated", { detail: { changed: changed, title: title && title.trim() } })
    );
  }

  // The pace: the usual one while the tab shows, the background one (if any) while hidden.
  function pace() {
    return (document.hidden ? background : seconds) * 1000;
  }

  function schedule(delayMs) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delayMs);
  }

  function poll() {
    if (document.hidden && !background) {
      return; // picked up again by visibilitychange
    }
    if (busy()) {
      showStatus();
      schedule(5000);
      return;
    }
    if (inFlight) {
      return;
    }
    inFlight = true;
    fetch(src, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live-fragment]");
        if (!fresh) {
          throw new Error("no fragment in the answer");
        }
        if (!busy()) {
          swap(fresh);
        }
        failures = 0;
        lastSuccess = Date.now();
        schedule(pace());
      })
      .catch(function () {
        failures += 1;
        // Retry sooner than the usual pace, backing off to it: 5 s, 10 s, 20 s …
        schedule(Math.min(pace(), 5000 * Math.pow(2, failures - 1)));
      })
      .then(function () {
        inFlight = false;
        showStatus();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      if (background) {
        schedule(Math.max(0, pace() - (Date.now() - lastSuccess)));
      }
    } else if (Date.now() - lastSuccess >= seconds * 1000 || failures) {
      poll();
    } else {
      schedule(seconds * 1000 - (Date.now() - lastSuccess));
    }
  });
  window.setInterval(showStatus, 1000);
  showStatus();
  schedule(seconds * 1000);
})();

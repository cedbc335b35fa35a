// Light, dark, or the system's choice, remembered in this browser (localStorage
// "aiwatch.theme"). Loaded without defer in <head>, so the chosen theme is on <html> before the
// first paint and a dark page never flashes white; it is a file of our own, so the site's
// Content-Security-Policy (script-src 'self') needs no inline script.
//
// <html data-theme="light|dark"> is set only for an explicit choice (dashboard.css otherwise
// follows prefers-color-scheme); <html data-scheme="light|dark"> always says which one shows.
// A change fires "theme:changed" on document with {scheme} for the charts (charts.js).
(function () {
  "use strict";
  var KEY = "aiwatch.theme";
  var CHOICES = ["system", "light", "dark"];
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return CHOICES.indexOf(value) > 0 ? value : "system";
    } catch (error) {
      return "system";
    }
  }

  function scheme(choice) {
    if (choice !== "system") {
      return choice;
    }
    return media && media.matches ? "dark" : "light";
  }

  function apply(choice) {
    if (choice === "system") {
      root.removeAttribute("data-theme");
    } else {
      root.setAttribute("data-theme", choice);
    }
    var before = root.getAttribute("data-scheme");
    var now = scheme(choice);
    root.setAttribute("data-scheme", now);
    if (before && before !== now) {
      document.dispatchEvent(new CustomEvent("theme:changed", { detail: { scheme: now } }));
    }
  }

  function choose(choice) {
    try {
      if (choice === "system") {
        window.localStorage.removeItem(KEY);
      } else {
        window.localStorage.setItem(KEY, choice);
      }
    } catch (error) {
      // Storage refused (private mode): the choice holds for this page only.
    }
    apply(choice);
  }

  // Scripts run, so the page may show what only works with them (and hide their fallbacks).
  root.classList.add("js");
  apply(stored());

  if (media && media.addEventListener) {
    media.addEventListener("change", function () {
      apply(stored());
    });
  }
  // Another tab of this site changed the theme.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) {
      apply(stored());
      sync();
    }
  });

  function sync() {
    var select = document.querySelector("[data-theme-choice]");
    if (select) {
      select.value = stored();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("[data-theme-choice]");
    if (!select) {
      return;
    }
    sync();
    select.addEventListener("change", function () {
      choose(CHOICES.indexOf(select.value) >= 0 ? select.value : "system");
    });
  });
})();

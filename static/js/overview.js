// Narrow the overview in place: a search box, filters by kind of service and by state, and a
// grid or compact list, all remembered in this browser (localStorage). Cards and tiles carry
// data-name, data-kind, data-state and data-attention; they keep the server's order, problems
// first. Re-applied after every live update (the "live:updated" event of live.js).
(function () {
  "use strict";
  var form = document.querySelector("[data-overview-tools]");
  if (!form) {
    return;
  }
  var KEY = "aiwatch.overview";
  var count = form.querySelector("[data-filter-count]");
  var none = form.querySelector("[data-filter-none]");

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
    };
  }

  function write(choices) {
    form.elements.q.value = choices.q || "";
    form.elements.kind.value = choices.kind || "";
    form.elements.state.value = choices.state || "";
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

  function apply() {
    var choices = read();
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
  apply();
})();

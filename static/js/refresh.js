// Pages that mark <body data-refresh-seconds="N"> reload themselves every N seconds while they
// are visible, so a dashboard left open on a wall stays current. A reader who is using the page
// (a focused control, selected text) is not interrupted.
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh-seconds") || "", 10);
  if (!seconds || seconds < 15) {
    return;
  }
  var due = Date.now() + seconds * 1000;
  function busy() {
    var active = document.activeElement;
    var selection = window.getSelection ? String(window.getSelection()) : "";
    return (active && /^(SELECT|INPUT|TEXTAREA|BUTTON)$/.test(active.tagName)) || selection;
  }
  window.setInterval(function () {
    if (document.hidden || Date.now() < due) {
      return;
    }
    if (busy()) {
      due = Date.now() + 10000;
      return;
    }
    window.location.reload();
  }, 5000);
  // Coming back to a stale tab refreshes it at once.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && Date.now() >= due && !busy()) {
      window.location.reload();
    }
  });
})();

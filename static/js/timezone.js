// Remember the browser's time zone in the `tz` cookie so the server can show local times,
// and submit the header's zone picker as soon as a zone is chosen.
(function () {
  "use strict";
  var hasCookie = document.cookie.split("; ").some(function (part) {
    return part.indexOf("tz=") === 0;
  });
  if (!hasCookie && window.Intl && Intl.DateTimeFormat) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && /^[A-Za-z][A-Za-z0-9_+\-\/]{0,63}$/.test(zone)) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
      var stored = document.cookie.split("; ").some(function (part) {
        return part === "tz=" + zone;
      });
      // Reload once so this first page also shows local times (only if the cookie stuck,
      // so a browser that refuses cookies never loops).
      if (stored && zone !== "UTC") {
        window.location.reload();
      }
    }
  }
  document.documentElement.classList.add("js");
  var selects = document.querySelectorAll("select[data-autosubmit]");
  Array.prototype.forEach.call(selects, function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();

// The monthly report's Print button: the browser's own print dialog (the print stylesheet in
// css/report.css lays the page out for paper). A script file, so no inline script is needed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();

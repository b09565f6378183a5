/* The State Corporation's package page: the receipt's print button (no inline handler, so the
   page's Content-Security-Policy allows scripts from this site only). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-action=print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();

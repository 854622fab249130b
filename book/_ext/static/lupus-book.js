/* Tables wider than the text column scroll sideways (see lupus-book.css); such a
 * table becomes focusable, with a name, so it can be scrolled with the keyboard. */
(function () {
  "use strict";
  function markScrollableTables() {
    document.querySelectorAll("div.cell_output table, div.lupus-table-scroll").forEach(
      function (el) {
        if (el.scrollWidth > el.clientWidth + 2 && !el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          if (!el.getAttribute("aria-label")) {
            el.setAttribute("aria-label", "Table (scroll sideways to see every column)");
          }
        }
      });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollableTables);
  } else {
    markScrollableTables();
  }
})();

/* Draw every Altair/Vega-Lite chart of the page with the locally served
 * vegaEmbed (vendor/vega/vega-bundle.js, loaded just before this file).
 * Each chart is <div class="lupus-vega-chart"> holding its spec in a
 * <script type="application/json" class="lupus-vega-spec">. */
(function () {
  "use strict";
  var OPTIONS = {
    renderer: "svg",
    // Export as SVG/PNG works offline; "Open in Vega Editor" would go online.
    actions: { export: true, source: false, compiled: false, editor: false },
  };

  function showError(container, message) {
    var p = document.createElement("p");
    p.className = "lupus-vega-error";
    p.textContent = "This chart could not be drawn: " + message;
    container.appendChild(p);
  }

  // A chart wider than the column scrolls sideways; say so and let the
  // keyboard scroll it (the container becomes focusable).
  function markWide(container) {
    if (container.scrollWidth > container.clientWidth + 2) {
      container.classList.add("lupus-wide");
      container.setAttribute("tabindex", "0");
      var note = document.createElement("p");
      note.className = "lupus-wide-note";
      note.textContent = "This chart is wider than the page: scroll it sideways.";
      container.parentNode.insertBefore(note, container);
    }
  }

  function drawAll() {
    var charts = document.querySelectorAll("div.lupus-vega-chart");
    charts.forEach(function (container) {
      if (container.dataset.lupusDrawn) { return; }
      container.dataset.lupusDrawn = "pending";
      var source = container.querySelector("script.lupus-vega-spec");
      var target = document.createElement("div");
      target.className = "lupus-vega-target";
      container.appendChild(target);
      if (typeof window.vegaEmbed !== "function") {
        showError(container, "the Vega libraries did not load.");
        throw new Error("lupus-vega-loader: vegaEmbed is not defined");
      }
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (err) {
        showError(container, "its specification is not valid JSON.");
        throw err;
      }
      var options = Object.assign({}, OPTIONS, (spec.usermeta || {}).embedOptions || {});
      if (container.dataset.fileName) { options.downloadFileName = container.dataset.fileName; }
      window.vegaEmbed(target, spec, options).then(function (result) {
        markWide(container);
        // The export menu's <summary> gets a name screen readers can announce.
        container.querySelectorAll("details > summary").forEach(function (s) {
          if (!s.getAttribute("aria-label")) { s.setAttribute("aria-label", "Export the chart"); }
        });
        container.dataset.lupusDrawn = "done";
      }).catch(function (err) {
        container.dataset.lupusDrawn = "error";
        showError(container, String(err));
        console.error("lupus-vega-loader:", err);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();

/* Draw every Plotly figure of the page: <div class="chart" data-figure="ID"> reads the JSON in
   <script type="application/json" id="ID">. No inline scripts (the CSP allows 'self' only). */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function draw(root) {
    if (typeof Plotly === "undefined") { return; }
    var charts = (root || document).querySelectorAll(".chart[data-figure]");
    charts.forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
        el.setAttribute("data-rendered", "true");
      });
    });
  }

  /* Submit selector forms as soon as a choice changes (the button stays for keyboards and
     for visitors without JavaScript). */
  function autoSubmit(root) {
    root.querySelectorAll("form.selectors select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  /* htmx swaps <main id="content"> in place (hx-select): draw its charts and wire its form. */
  function refresh() {
    var main = document.getElementById("content");
    if (main) { draw(main); autoSubmit(main); }
  }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
})();

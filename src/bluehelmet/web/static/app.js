/* Small behaviours of every page (no inline scripts: the CSP allows only files from here). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[data-select-all]")) {
      document.querySelectorAll("input[name='" + box.dataset.selectAll + "']").forEach(function (b) { b.checked = box.checked; });
    }
    if (box.matches && box.matches("select[data-action-prefix]")) {
      box.form.action = box.dataset.actionPrefix + encodeURIComponent(box.value);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.dataset && form.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // An open mission switch closes on a click elsewhere or on Escape, as a menu does.
  function closeSwitches(except) {
    document.querySelectorAll("details.mission-switch[open]").forEach(function (d) { if (d !== except) { d.open = false; } });
  }
  document.addEventListener("click", function (event) {
    closeSwitches(event.target.closest ? event.target.closest("details.mission-switch") : null);
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { closeSwitches(null); } });
}());

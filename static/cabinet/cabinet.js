// Bring the first form error into view after a page load or an htmx swap (no framework).
(function () {
  function showErrors(root) {
    var error = (root || document).querySelector(".has-errors");
    if (!error) return;
    var details = error.closest("details");
    if (details) details.open = true;
    error.scrollIntoView({ block: "center" });
    var input = error.querySelector("input, select, textarea");
    if (input) input.focus({ preventScroll: true });
  }
  document.addEventListener("DOMContentLoaded", function () { showErrors(document); });
  document.addEventListener("htmx:afterSettle", function (event) { showErrors(event.detail.elt); });
})();

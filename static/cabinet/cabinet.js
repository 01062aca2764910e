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

// The order list's bulk bar: count the checked rows, "select all" on the page, buttons enabled
// only with a selection. The rows are swapped by htmx, so everything is delegated.
(function () {
  function boxes() { return document.querySelectorAll("input[name=ids][form=bulk-form]"); }
  function update() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var checked = 0, all = boxes();
    all.forEach(function (box) { if (box.checked) checked += 1; });
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = checked;
    form.querySelectorAll("[data-bulk]").forEach(function (button) { button.disabled = checked === 0; });
    var head = document.querySelector("[data-select-all]");
    if (head) {
      head.checked = all.length > 0 && checked === all.length;
      head.indeterminate = checked > 0 && checked < all.length;
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches && target.matches("[data-select-all], input[name=ids][form=bulk-form]")) update();
  });
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSettle", update);
  // Back from the print tab or the download: the page is still there, its count must be right.
  window.addEventListener("pageshow", update);
})();

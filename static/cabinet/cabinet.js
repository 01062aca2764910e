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

// The order page's delivery form (loaded when its <details> opens): pickup costs nothing to
// deliver, so its cost box is hidden and holds 0 (what confirming needs).
(function () {
  function init() {
    var form = document.getElementById("delivery-form");
    if (!form || form.dataset.pickupCost) return;
    form.dataset.pickupCost = "1";
    var box = form.querySelector("[data-delivery-cost]"), method = form.querySelector("select[name$='method']");
    var cost = box && box.querySelector("input");
    if (!method || !cost) return;
    var kept = cost.value;
    function follow() {
      var pickup = method.value === "pickup";
      if (pickup && !box.hidden) { kept = cost.value; }
      if (pickup) { cost.value = "0"; } else if (box.hidden) { cost.value = kept === "0" ? "" : kept; }
      box.hidden = pickup;
    }
    method.addEventListener("change", follow);
    if (method.value === "pickup") follow();
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();

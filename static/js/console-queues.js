// Queue pages: "select all on this page" ticks every row (without JS the server reads select_all).
(function () {
  function wire(root) {
    var all = root.querySelector("[data-select-all]");
    if (!all || all.dataset.wired) return;
    all.dataset.wired = "1";
    var rows = root.querySelectorAll("[data-row-check]");
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
    });
    rows.forEach(function (box) {
      box.addEventListener("change", function () {
        var ticked = Array.prototype.filter.call(rows, function (b) { return b.checked; }).length;
        all.checked = ticked === rows.length;
        all.indeterminate = ticked > 0 && ticked < rows.length;
      });
    });
  }
  wire(document);
  document.body.addEventListener("htmx:afterSwap", function () { wire(document); });
})();

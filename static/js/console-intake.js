// Call-centre intake (progressive enhancement over a form that works without JavaScript).
(function () {
  "use strict";

  // Enter in a look-up box runs that look-up (htmx) instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-intake-search]")) {
      return;
    }
    var button = document.getElementById(input.getAttribute("data-intake-search"));
    if (button && window.htmx) {
      event.preventDefault();
      button.click();
    }
  });

  // A look-up that lands while the agent is on one of its results keeps their place (focus).
  var focusedId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusedId = active && active.id && event.detail.target.contains(active) ? active.id : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (focusedId) {
      var again = document.getElementById(focusedId);
      if (again) {
        again.focus();
      }
      focusedId = null;
    }
  });
})();

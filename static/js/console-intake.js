// Call-centre intake: Enter in a look-up box runs that look-up (htmx) instead of submitting the form.
(function () {
  "use strict";
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
})();

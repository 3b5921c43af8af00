// Every page: marks that scripts run (the stylesheet folds the phone menu only then), opens
// and closes that menu, and asks before forms marked data-confirm are sent.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setMenu(toggle, open) {
    toggle.setAttribute("aria-expanded", String(open));
    document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("is-open", open);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (event) {
    var toggle = document.querySelector('[data-nav-toggle][aria-expanded="true"]');
    if (event.key === "Escape" && toggle) {
      setMenu(toggle, false);
      toggle.focus();
    }
  });

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

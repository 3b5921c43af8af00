// Campaign form: add ticket-type rows (from the formset's empty form) and detail lines.
// Without scripts the form still works: each row offers one empty detail line per save.
(function () {
  "use strict";
  var rows = document.getElementById("ticket-type-rows");
  var template = document.getElementById("ticket-type-template");
  var total = document.getElementById("id_types-TOTAL_FORMS");
  var addType = document.getElementById("add-ticket-type");
  if (!rows || !template || !total || !addType) return;

  function showButtons(root) {
    root.querySelectorAll("[data-add-attribute]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function addDetail(slots) {
    var all = slots.querySelectorAll("[data-attribute-slot]");
    var last = all[all.length - 1];
    var index = all.length;
    var slot = last.cloneNode(true);
    slot.querySelectorAll("input, label").forEach(function (element) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(/attr_\d+_/, "attr_" + index + "_"));
      });
      if (element.tagName === "LABEL") element.textContent = element.textContent.replace(/\d+/, index + 1);
      if (element.tagName === "INPUT") {
        element.value = "";
        element.removeAttribute("aria-invalid");
        element.removeAttribute("aria-describedby");
      }
    });
    slot.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
    last.after(slot);
    slot.querySelector("input:not([type=hidden])").focus();
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-attribute]");
    if (button) addDetail(button.closest("[data-attribute-slots]"));
  });

  addType.hidden = false;
  showButtons(rows);
  addType.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var row = rows.lastElementChild;
    showButtons(row);
    row.querySelector("input:not([type=hidden])").focus();
  });
})();

// Booking form: show one row of names per ticket chosen ("one ticket per person"), or just
// the first row for a group ticket. Without this script every row shows.
(function () {
  "use strict";
  var form = document.getElementById("book");
  var holders = form && form.querySelector("[data-holders]");
  if (!holders) return;
  var rows = holders.querySelectorAll("[data-holder-row]");

  function seats() {
    var total = 0;
    form.querySelectorAll("input[name^='quantity_']").forEach(function (input) {
      var value = parseInt(input.value, 10);
      if (value > 0) total += value;
    });
    return total;
  }

  function update() {
    var separate = form.querySelector("input[name='issuance'][value='separate']:checked");
    var shown = separate ? Math.max(seats(), 1) : 1;
    rows.forEach(function (row, index) {
      row.hidden = index >= shown;
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();

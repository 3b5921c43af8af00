// Campaign form: add ticket-type rows from the formset's empty form, and edit each row's
// attributes as key/value pairs kept in sync with its JSON field (which works without JS).
(function () {
  "use strict";
  var rows = document.getElementById("ticket-type-rows");
  var template = document.getElementById("ticket-type-template");
  var total = document.getElementById("id_types-TOTAL_FORMS");
  if (!rows || !template || !total) return;

  function parseValue(text) {
    if (text === "true") return true;
    if (text === "false") return false;
    if (text.trim() !== "" && !isNaN(Number(text))) return Number(text);
    if (text.indexOf(",") !== -1) return text.split(",").map(function (s) { return s.trim(); });
    return text;
  }

  function showValue(value) {
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  function attributeEditor(textarea) {
    var pairs = {};
    try { pairs = JSON.parse(textarea.value || "{}") || {}; } catch (e) { return; }
    var editor = document.createElement("div");
    editor.className = "attribute-editor";
    textarea.hidden = true;
    textarea.after(editor);

    function sync() {
      var result = {};
      editor.querySelectorAll(".attribute-pair").forEach(function (pair) {
        var key = pair.querySelector(".attribute-key").value.trim();
        if (key) result[key] = parseValue(pair.querySelector(".attribute-value").value);
      });
      textarea.value = JSON.stringify(result);
    }

    function addPair(key, value) {
      var pair = document.createElement("div");
      pair.className = "grid attribute-pair";
      pair.innerHTML =
        '<input class="attribute-key" placeholder="name, e.g. table_size" maxlength="40">' +
        '<input class="attribute-value" placeholder="value, e.g. 6 or true or a, b">' +
        '<button type="button" class="secondary outline">Remove</button>';
      pair.querySelector(".attribute-key").value = key;
      pair.querySelector(".attribute-value").value = value;
      pair.querySelector("button").onclick = function () { pair.remove(); sync(); };
      pair.addEventListener("input", sync);
      editor.insertBefore(pair, add);
    }

    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary outline";
    add.textContent = "Add an attribute";
    add.onclick = function () { addPair("", ""); };
    editor.appendChild(add);
    Object.keys(pairs).forEach(function (key) { addPair(key, showValue(pairs[key])); });
    sync();
  }

  rows.querySelectorAll("textarea.attributes-json").forEach(attributeEditor);

  document.getElementById("add-ticket-type").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    attributeEditor(rows.lastElementChild.querySelector("textarea.attributes-json"));
  });
})();

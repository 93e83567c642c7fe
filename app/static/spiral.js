// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.add-row");
  if (!button) return;
  // Copy the table's last row with empty inputs and the next FieldList index (name-N-column).
  var table = button.closest("fieldset").querySelector("table[data-growable] tbody");
  var last = table.rows[table.rows.length - 1];
  var index = table.rows.length;
  var row = last.cloneNode(true);
  row.cells[0].textContent = index + 1;
  row.querySelectorAll("input, select, textarea").forEach(function (input) {
    ["name", "id"].forEach(function (attr) {
      var value = input.getAttribute(attr);
      if (value) input.setAttribute(attr, value.replace(/-\d+-/, "-" + index + "-"));
    });
    if (input.tagName === "SELECT") input.selectedIndex = 0; else input.value = "";
  });
  row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
  table.appendChild(row);
  var first = row.querySelector("input, select, textarea");
  if (first) first.focus();
});

// A header checkbox ticks every row of its table.
document.addEventListener("change", function (event) {
  if (!event.target.matches("[data-check-all]")) return;
  event.target.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(
    function (box) { box.checked = event.target.checked; });
});

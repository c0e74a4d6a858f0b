// Form pickers (webapp/templates/_form.html). The forms work without this script; it only
// helps: a whole-town box ticks or unticks the town's villages, unticking a village unticks
// its whole-town box (so the other villages stay chosen one by one), and "Add a row" adds
// an empty material row.
(function () {
  if (window.jianfuPickers) { return; }  // the script tag is in every picker
  window.jianfuPickers = true;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("fieldset.town").forEach(function (town) {
      var whole = town.querySelector("input[data-whole-town]");
      var villages = town.querySelectorAll("input[data-village]");
      if (!whole) { return; }
      whole.addEventListener("change", function () {
        villages.forEach(function (box) { box.checked = whole.checked; });
      });
      villages.forEach(function (box) {
        box.addEventListener("change", function () { if (!box.checked) { whole.checked = false; } });
      });
    });
    document.querySelectorAll("button[data-add-row]").forEach(function (button) {
      var list = button.parentNode.querySelector("ol[data-rows]");
      var field = list.dataset.rows;
      var most = parseInt(list.dataset.max, 10) || 50;
      button.hidden = list.children.length >= most;
      button.addEventListener("click", function () {
        var rows = list.children;
        var row = rows[rows.length - 1].cloneNode(true);
        var index = rows.length;
        row.querySelectorAll("input").forEach(function (input) {
          var held = input.type === "checkbox";
          input.name = field + "-" + index + (held ? "-held" : "-name");
          input.id = "f-" + field + "-" + index + (held ? "-held" : "");
          if (held) { input.checked = false; } else { input.value = ""; }
          if (!held) {
            input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+/, String(index + 1)));
          }
        });
        list.appendChild(row);
        row.querySelector("input[type=text]").focus();
        button.hidden = list.children.length >= most;
      });
    });
  });
})();

// Response templates on task pages: choosing one fills the target field (still editable).
document.addEventListener("DOMContentLoaded", function () {
  var picker = document.getElementById("response-template");
  if (!picker) { return; }
  picker.addEventListener("change", function () {
    var target = document.querySelector('[name="' + picker.dataset.target + '"]');
    if (target && picker.value) { target.value = picker.value; target.focus(); }
  });
});

/* Imports page: the form posts to the address of the layout chosen (a kind's columns or another layout). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.id !== "import-layout") { return; }
    var option = box.options[box.selectedIndex];
    if (option && option.dataset.action) { box.form.action = option.dataset.action; }
  });
}());

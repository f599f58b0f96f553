/* Time form on the staff case page: picking a bundle ticks "Billable", going back to no
   bundle unticks it again (unless a maintenance contract is running), as long as the agent
   has not set the box by hand. Without the script the box keeps the state it was rendered
   with. */
(function () {
  "use strict";
  document.querySelectorAll("input[data-under-contract]").forEach(function (box) {
    var select = box.form && box.form.querySelector("select[name='entitlement']");
    if (!select) return;
    var touched = false;
    box.addEventListener("change", function () { touched = true; });
    select.addEventListener("change", function () {
      if (touched) return;
      box.checked = select.value !== "" || box.getAttribute("data-under-contract") === "true";
    });
  });
})();

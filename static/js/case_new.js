// The intake form's small behaviours, kept out of the page so that the Content Security
// Policy needs neither inline scripts nor eval.
(function () {
  "use strict";
  var ASKS_RESPONSE_TIME = ["case_type", "reason", "critical_criterion"];

  // Enter in a search-as-you-type field refreshes its list instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-no-submit-on-enter]")) {
      event.preventDefault();
    }
  });

  // A new case type, reason or Critical choice asks for the expected response time again.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.id === "intake-form" && ASKS_RESPONSE_TIME.includes(event.target.name)) {
      form.dispatchEvent(new CustomEvent("response-time-inputs-changed"));
    }
  });
})();

// The intake form's small behaviours, kept out of the page so that the Content Security
// Policy needs neither inline scripts nor eval.
(function () {
  "use strict";
  // What the terms give depends on these: a change asks for the place under the case type
  // again (response time, or whom the case goes to).
  var ASKS_RESPONSE_TIME = ["case_type", "reason", "category", "device", "critical_criterion"];
  var VERSIONS = { wms: "id_wms_version", firmware: "id_firmware_versions" };

  // Enter in a search-as-you-type field refreshes its list instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-no-submit-on-enter]")) {
      event.preventDefault();
    }
  });

  // A chosen device fills in its versions on record, where the field is empty or still holds
  // what an earlier device filled in: what the partner typed is never overwritten.
  function fillVersions(select) {
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    Object.keys(VERSIONS).forEach(function (key) {
      var input = document.getElementById(VERSIONS[key]);
      var value = option.dataset[key] || "";
      if (!input || !value) {
        return;
      }
      if (input.value.trim() === "" || input.value === input.dataset.filled) {
        input.value = value;
        input.dataset.filled = value;
      }
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || form.id !== "intake-form") {
      return;
    }
    if (event.target.name === "device") {
      fillVersions(event.target);
    }
    if (ASKS_RESPONSE_TIME.includes(event.target.name)) {
      form.dispatchEvent(new CustomEvent("response-time-inputs-changed"));
    }
  });

  // A device search with one match chose it: act as if it had been picked by hand.
  document.addEventListener("htmx:afterSettle", function () {
    var select = document.querySelector("#device-select select[data-picked]");
    if (select) {
      select.removeAttribute("data-picked");
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // A form that comes back with errors: focus goes to the list of errors, and each link
  // there takes focus to its field.
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();

/* The staff case page's reply box.

   Macros: picking one asks the server for its text with this case's values filled in and
   puts it in the message box, where the agent can still edit it; sending the form applies
   the macro's status and assignment too. Switching to another macro replaces the text the
   previous one put there, unless the agent has changed it (then the new text is added
   below). "No macro" leaves the text alone. The macro list is hidden until this runs.

   Presence: while the message box holds text the page tells the server, at most every few
   seconds, so colleagues with the case open see "… is writing a reply"; emptying the box
   says so at once. Without the script the page works as before, without those extras. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-presence-url]");
  if (!form) return;
  var body = form.querySelector("textarea[name='body']");
  var token = form.querySelector("input[name='csrfmiddlewaretoken']");
  if (!body || !token) return;

  var THROTTLE_MS = 5000;
  var lastSent = 0;
  var writing = false;
  var pending = null;

  function report(state) {
    var data = new FormData();
    data.append("writing", state ? "1" : "0");
    writing = state;
    lastSent = Date.now();
    fetch(form.getAttribute("data-presence-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value }
    }).catch(function () {});
  }

  function typed() {
    var hasText = body.value.trim() !== "";
    if (!hasText) {
      if (pending) { clearTimeout(pending); pending = null; }
      if (writing) report(false);
      return;
    }
    var wait = THROTTLE_MS - (Date.now() - lastSent);
    if (wait <= 0) {
      report(true);
    } else if (!pending) {
      pending = setTimeout(function () {
        pending = null;
        if (body.value.trim() !== "") report(true);
      }, wait);
    }
  }
  body.addEventListener("input", typed);

  var select = form.querySelector("select[data-macro-url]");
  var effects = form.querySelector("[data-macro-effects]");
  if (!select) return;
  // Without this script a macro would apply its status and assignment without its text,
  // so the choice is only offered once the script runs.
  var field = form.querySelector("[data-macro-field]");
  if (field) field.hidden = false;
  var help = effects ? effects.textContent : "";
  var inserted = null;

  select.addEventListener("change", function () {
    if (!select.value) {
      if (effects) effects.textContent = help;
      return;
    }
    var url = select.getAttribute("data-macro-url").replace(/\/0\/$/, "/" + encodeURIComponent(select.value) + "/");
    select.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (macro) {
        var current = body.value;
        if (current.trim() === "" || current === inserted) {
          body.value = macro.text;
        } else {
          body.value = current.replace(/\s+$/, "") + "\n\n" + macro.text;
        }
        inserted = body.value;
        if (effects) {
          effects.textContent = macro.effects.length
            ? "On sending, also: " + macro.effects.join("; ") + "."
            : "Reply only: status and assignment stay as they are.";
        }
        body.dispatchEvent(new Event("input", { bubbles: true }));
        body.focus();
      })
      .catch(function () {
        if (effects) effects.textContent = "That macro could not be loaded. Try again, or write the reply yourself.";
      })
      .finally(function () { select.removeAttribute("aria-busy"); });
  });
})();

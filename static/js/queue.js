/* The agent queue as a workspace.

   - Ticking cases shows the bulk bar (it sticks to the bottom of the screen) with how many
     are ticked; the box in the header ticks or unticks every case on the page.
   - Keys, when no text field has the focus: j / k move to the next / previous case,
     x ticks the case, Enter opens it (the case link has the focus).
   - The rows refresh every 30 seconds (htmx polls the rows fragment) while the tab is
     visible; ticked cases and the case under the keyboard stay as they were, new cases
     are marked and announced.
   - Ticking a status chip shows the cases at once; the folded panels of the filter bar
     close on Escape or a click outside them.
   Without this script the page works as a plain form: the bulk bar is always shown. */
(function () {
  "use strict";

  function rows() {
    var body = document.getElementById("queue-rows");
    return body ? Array.prototype.slice.call(body.querySelectorAll("tr")).filter(function (row) {
      return row.querySelector("input[name='bulk-tickets']");
    }) : [];
  }

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows input[name='bulk-tickets']"));
  }

  function caseId(row) {
    var box = row.querySelector("input[name='bulk-tickets']");
    return box ? box.value : "";
  }

  // --- Ticking and the bulk bar ---------------------------------------------------------

  function updateBar() {
    var bar = document.getElementById("queue-bulkbar");
    if (!bar) return;
    var all = boxes();
    var ticked = all.filter(function (box) { return box.checked; }).length;
    bar.hidden = ticked === 0;
    var count = document.getElementById("queue-ticked");
    if (count) count.textContent = ticked === 1 ? "1 case ticked" : ticked + " cases ticked";
    var untick = document.getElementById("queue-untick");
    if (untick) untick.hidden = ticked === 0;
    var pickAll = document.getElementById("queue-pick-all");
    if (pickAll) {
      pickAll.checked = all.length > 0 && ticked === all.length;
      pickAll.indeterminate = ticked > 0 && ticked < all.length;
    }
  }

  function tickAll(checked) {
    boxes().forEach(function (box) { box.checked = checked; });
    updateBar();
  }

  // --- The keyboard -----------------------------------------------------------------------

  var cursorId = null;

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit"].indexOf(type) === -1;
  }

  function current() {
    var all = rows();
    for (var i = 0; i < all.length; i++) if (caseId(all[i]) === cursorId) return i;
    return -1;
  }

  function place(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("is-cursor"); });
    var row = all[index];
    row.classList.add("is-cursor");
    cursorId = caseId(row);
    var link = row.querySelector("a.queue-case");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var key = event.key;
    var index = current();
    if (index === -1 && document.activeElement) {
      var row = document.activeElement.closest && document.activeElement.closest("#queue-rows tr");
      if (row) index = rows().indexOf(row);
    }
    if (key === "j") {
      place(index + 1);
    } else if (key === "k") {
      place(index === -1 ? 0 : index - 1);
    } else if (key === "x" && index !== -1) {
      var box = rows()[index].querySelector("input[name='bulk-tickets']");
      box.checked = !box.checked;
      updateBar();
    } else if (key === "Enter" && index !== -1
               && (event.target === document.body || event.target.name === "bulk-tickets")) {
      var link = rows()[index].querySelector("a.queue-case");
      if (link) link.click();
    } else {
      return;
    }
    event.preventDefault();
  }

  // --- Polling: keep what the agent was doing across a refresh ---------------------------

  var kept = null;

  function polling(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.id === "queue-rows";
  }

  function remember() {
    kept = {
      ticked: boxes().filter(function (box) { return box.checked; }).map(function (box) { return box.value; }),
      shown: boxes().map(function (box) { return box.value; }),
      focused: document.activeElement && document.activeElement.closest
        && document.activeElement.closest("#queue-rows") ? cursorId : null,
    };
  }

  function restore() {
    if (!kept) return;
    var fresh = 0;
    rows().forEach(function (row) {
      var id = caseId(row);
      var box = row.querySelector("input[name='bulk-tickets']");
      if (kept.ticked.indexOf(id) !== -1) box.checked = true;
      if (kept.shown.indexOf(id) === -1) {
        row.classList.add("queue-row--new");
        fresh++;
      }
      if (id === cursorId) {
        row.classList.add("is-cursor");
        if (kept.focused) {
          var link = row.querySelector("a.queue-case");
          if (link) link.focus({ preventScroll: true });
        }
      }
    });
    var body = document.getElementById("queue-rows");
    var count = document.getElementById("queue-count");
    if (body && count && body.getAttribute("data-count-text")) {
      var text = body.getAttribute("data-count-text");
      if (fresh) text += " (" + (fresh === 1 ? "1 new case" : fresh + " new cases") + ")";
      count.textContent = text;
    }
    kept = null;
    updateBar();
  }

  function start() {
    var list = document.getElementById("queue-list");
    if (!list) return;
    list.addEventListener("change", function (event) {
      if (event.target.id === "queue-pick-all") tickAll(event.target.checked);
      else if (event.target.name === "bulk-tickets") updateBar();
    });
    var untick = document.getElementById("queue-untick");
    if (untick) untick.addEventListener("click", function () { tickAll(false); });
    document.addEventListener("keydown", onKey);
    list.addEventListener("click", function (event) {
      var row = event.target.closest && event.target.closest("#queue-rows tr");
      if (row && caseId(row)) {
        rows().forEach(function (other) { other.classList.remove("is-cursor"); });
        row.classList.add("is-cursor");
        cursorId = caseId(row);
      }
    });

    // A status chip shows its cases at once.
    var filter = document.getElementById("queue-filter");
    if (filter) {
      filter.addEventListener("change", function (event) {
        if (event.target.name === "status" && event.target.closest(".queue-chips")) {
          if (filter.requestSubmit) filter.requestSubmit();
          else filter.submit();
        }
      });
    }

    // The folded panels (more filters, save view) close on Escape or a click outside them.
    function closePanels(except) {
      var open = document.querySelectorAll(".queue-bar details[open]");
      for (var i = 0; i < open.length; i++) if (open[i] !== except) open[i].open = false;
    }
    document.addEventListener("click", function (event) {
      closePanels(event.target.closest ? event.target.closest(".queue-bar details") : null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closePanels(null);
    });

    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (polling(event) && document.hidden) event.preventDefault();
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (polling(event)) remember();
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (kept) restore();
    });
    updateBar();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

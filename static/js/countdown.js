/* Live countdowns, updated every second; the text the server rendered stays as it is
   without the script, and does not jump when the script takes over.

   NOC board: every element with data-countdown="<ISO instant>" shows the time left to that
   instant ("12 min 05 s left") or since it passed ("breached 5 min 00 s ago"), worded as
   sla/board.py words it.

   Queue: every "Due" cell with data-due-at and data-breach-at shows "due in 25 min", "was
   due 40 min ago" (past the due time, before the breach at the next opening) or "breached
   10 min ago", to the minute, worded as tickets/queue.py words it. A cell only moves towards
   worse (at risk, then breached), with its badge and its row's marking.

   A data-server-now attribute on the page, read once when it loads, corrects for a screen
   whose own clock is off. Elements swapped in later (HTMX) are picked up on the next tick. */
(function () {
  "use strict";
  var offset = 0; // server time minus this screen's time, in milliseconds

  function readServerNow() {
    var holder = document.querySelector("[data-server-now]");
    if (!holder) return;
    var server = Date.parse(holder.getAttribute("data-server-now"));
    if (!isNaN(server)) offset = server - Date.now();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function span(seconds) {
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min " + pad(seconds % 60) + " s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + pad(Math.floor((seconds % 3600) / 60)) + " min";
    return Math.floor(seconds / 86400) + " d " + Math.floor((seconds % 86400) / 3600) + " h";
  }

  function text(deadline, now) {
    // Whole seconds towards zero, as Python's int() does.
    var seconds = Math.trunc((deadline - now) / 1000);
    return seconds >= 0 ? span(seconds) + " left" : "breached " + span(-seconds) + " ago";
  }

  // tickets/queue.py span_text: to the minute, at most two units.
  function minutesText(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    if (minutes < 1) return "under a minute";
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) return hours ? days + " d " + hours + " h" : days + " d";
    if (hours) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    return minutes + " min";
  }

  var RANK = { none: 0, waiting: 1, at_risk: 2, breached: 3 };
  var LABEL = { at_risk: "At risk", breached: "Breached" };

  function shownState(cell) {
    for (var state in RANK) if (cell.classList.contains("countdown--" + state)) return state;
    return "waiting";
  }

  function escalate(cell, from, to) {
    cell.classList.remove("countdown--" + from);
    cell.classList.add("countdown--" + to);
    var row = cell.closest("tr");
    if (row) {
      row.classList.remove("queue-row--at-risk", "queue-row--breached");
      row.classList.add(to === "breached" ? "queue-row--breached" : "queue-row--at-risk");
    }
    var badge = cell.querySelector(".countdown__label");
    if (!badge) {
      badge = document.createElement("span");
      cell.insertBefore(document.createTextNode(" "), cell.firstChild);
      cell.insertBefore(badge, cell.firstChild);
    }
    badge.className = "badge countdown__label " + (to === "breached" ? "badge--bad" : "badge--warn");
    badge.textContent = LABEL[to];
  }

  function tickDue(cell, now) {
    var due = Date.parse(cell.getAttribute("data-due-at"));
    var breach = Date.parse(cell.getAttribute("data-breach-at"));
    var holder = cell.querySelector(".countdown__text");
    if (isNaN(due) || isNaN(breach) || !holder) return;
    var wording, state;
    if (breach <= now) {
      wording = "breached " + minutesText(now - breach) + " ago";
      state = "breached";
    } else if (due <= now) {
      wording = "was due " + minutesText(now - due) + " ago";
      state = "at_risk";
    } else {
      wording = "due in " + minutesText(due - now);
      state = "waiting";
    }
    if (holder.textContent !== wording) holder.textContent = wording;
    var shown = shownState(cell);
    if (RANK[state] > RANK[shown]) escalate(cell, shown, state);
  }

  function tick() {
    var now = Date.now() + offset;
    var items = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < items.length; i++) {
      var deadline = Date.parse(items[i].getAttribute("data-countdown"));
      if (isNaN(deadline)) continue;
      var wording = text(deadline, now);
      if (items[i].textContent !== wording) items[i].textContent = wording;
      items[i].classList.toggle("countdown--late", deadline <= now);
    }
    var cells = document.querySelectorAll("[data-due-at][data-breach-at]");
    for (var j = 0; j < cells.length; j++) tickDue(cells[j], now);
  }

  function start() {
    readServerNow();
    tick();
    window.setInterval(tick, 1000);
    document.body.addEventListener("htmx:afterSettle", tick);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

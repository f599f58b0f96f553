/* Live countdowns: every element with data-countdown="<ISO instant>" shows the time left to
   that instant ("12 min 05 s left") or since it passed ("breached 5 min 00 s ago"), updated
   every second. Worded as sla/board.py words it, so the text does not jump when the script
   takes over. A data-server-now attribute on the page, read once when it loads, corrects
   for a screen whose own clock is off. Elements swapped in later (HTMX) are picked up on the
   next tick. */
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

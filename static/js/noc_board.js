/* NOC board: the sections refresh every 15 seconds, but never while someone is writing a
   triage reason, so nothing typed is swept away by a refresh. A refresh already on its way
   when the writing starts is dropped too. Triage answers (posted by the forms) always show. */
(function () {
  "use strict";

  function writing(board) {
    var fields = board.querySelectorAll(".triage-form textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "" || fields[i] === document.activeElement) return true;
    }
    return false;
  }

  // The board's own polling: a GET from the sections element (triage forms POST).
  function refreshOf(event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb !== "get" || !config.elt || config.elt.id !== "noc-sections") {
      return null;
    }
    return config.elt;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var board = refreshOf(event);
    if (board && writing(board)) event.preventDefault();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var board = refreshOf(event);
    if (board && writing(board)) event.detail.shouldSwap = false;
  });
})();

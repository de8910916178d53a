// Mentorloom: the pair's conversation. Keeps the newest message in view, empties the form after sending,
// drops a message that arrived twice (a poll and a send crossing), and asks before deleting.
// The page works without this file: forms post and redirect, "older messages" is a link.
(function () {
  "use strict";

  function list() { return document.getElementById("message-list"); }

  function scrollToEnd() {
    var el = list();
    if (el) el.scrollTop = el.scrollHeight;
  }

  function nearEnd() {
    var el = list();
    return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 120;
  }

  function dedupe() {
    var seen = {};
    var items = document.querySelectorAll("#message-list [data-message-id]");
    Array.prototype.forEach.call(items, function (item) {
      var id = item.getAttribute("data-message-id");
      if (seen[id]) item.remove(); else seen[id] = true;
    });
    if (items.length) {
      var empty = document.getElementById("message-empty");
      if (empty) empty.remove();
    }
  }

  var stick = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "message-list") stick = nearEnd();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!list()) return;
    dedupe();
    if (event.detail.target && event.detail.target.id === "message-list" && stick) scrollToEnd();
  });
  document.addEventListener("messageSent", function () {
    var form = document.getElementById("message-form");
    if (form) {
      form.reset();
      var box = form.querySelector("textarea");
      if (box) { box.removeAttribute("aria-invalid"); box.focus(); }
    }
    scrollToEnd();
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var text = button && button.getAttribute && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  }, true);

  function start() {
    if (!list()) return;
    if (!window.location.hash) scrollToEnd();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// Mentorloom: small progressive enhancements. Every page also works without this file.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // --- Mobile navigation: the menu collapses behind a button only when this script runs.
  function initNav() {
    var toggle = document.querySelector(".nav-toggle");
    var menu = document.getElementById("nav-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      menu.classList.toggle("open", !open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // --- Repeating rows (availability, skills). Without JS the server renders spare empty rows.
  function rowIsEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input, select"), function (field) {
      return !field.value;
    });
  }

  function initRows(root) {
    root.querySelectorAll("[data-rows]").forEach(function (group) {
      if (group.dataset.rowsReady) return;
      group.dataset.rowsReady = "1";
      var list = group.querySelector("[data-rows-list]");
      var template = group.querySelector("template[data-row-template]");
      var add = group.querySelector("[data-add-row]");
      if (!list || !template || !add) return;
      // With the "Add" button available, spare blank rows are clutter: keep one only when the list is empty.
      var filled = list.querySelectorAll("[data-row]:not([data-blank])").length;
      list.querySelectorAll("[data-row][data-blank]").forEach(function (row, index) {
        if (filled > 0 || index > 0) row.remove();
      });
      group.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
      add.hidden = false;
      add.addEventListener("click", function () {
        var fragment = template.content.cloneNode(true);
        var row = fragment.querySelector("[data-row]");
        list.appendChild(fragment);
        row.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
        if (window.htmx) window.htmx.process(row);
        var first = row.querySelector("input, select");
        if (first) first.focus();
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("[data-row]");
    var list = row && row.parentElement;
    if (!row || !list) return;
    var rows = list.querySelectorAll("[data-row]");
    var next = row.nextElementSibling || row.previousElementSibling;
    if (rows.length === 1) {
      // The last row stays so there is something to type into; it is only cleared.
      row.querySelectorAll("input, select").forEach(function (field) { field.value = ""; });
      var first = row.querySelector("input, select");
      if (first) first.focus();
      return;
    }
    row.remove();
    var focusTarget = next && next.querySelector("input, select");
    if (focusTarget) focusTarget.focus();
  });

  // --- Dialogs: native invoker commands (commandfor/command) where supported, this elsewhere.
  if (!("commandForElement" in HTMLButtonElement.prototype)) {
    document.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-dialog-open]");
      if (opener) {
        var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
        if (dialog && dialog.showModal) dialog.showModal();
        return;
      }
      var closer = event.target.closest("[data-dialog-close]");
      if (closer) {
        var open = closer.closest("dialog");
        if (open) open.close();
      }
    });
  }

  // --- Copy a one-time token to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
      done();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  // --- Directory: "Clear filters" also empties the filter form.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-clear-filters]");
    if (!link) return;
    var form = document.querySelector("form.filters");
    if (!form) return;
    form.querySelectorAll("input:not([type=hidden]), select").forEach(function (field) { field.value = ""; });
  });

  function init() {
    initNav();
    initRows(document);
    var summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:load", function (event) { initRows(event.detail.elt); });
})();

// Matching preferences: a name filter over a long list of people. The list works without it.
(function () {
  "use strict";

  function initFilters(root) {
    root.querySelectorAll("[data-filter-input]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-filter-input"));
      if (!list || input.dataset.filterReady) return;
      input.dataset.filterReady = "1";
      var box = input.closest("[data-filter-box]");
      if (box) box.hidden = false;
      var empty = list.parentElement.querySelector("[data-filter-empty]");
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        var shown = 0;
        list.querySelectorAll("[data-filter-item]").forEach(function (item) {
          var label = item.querySelector("[data-filter-text]") || item;
          var match = !needle || label.textContent.toLowerCase().indexOf(needle) !== -1;
          item.hidden = !match;
          if (match) shown += 1;
        });
        if (empty) empty.hidden = shown > 0;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initFilters(document); });
  } else {
    initFilters(document);
  }
  document.addEventListener("htmx:load", function (event) { initFilters(event.detail.elt); });
})();

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

  // --- After a form was sent, focus goes to what the answer says: a marked summary, the first field with an
  // error, an error message, or the confirmation ("Saved"), so keyboard and screen-reader users land on it
  // instead of at the top of the page. Also for content that htmx swaps in.
  var FIELDS = "input:not([type=hidden]), select, textarea";

  function visible(element) {
    return element.checkVisibility ? element.checkVisibility() : element.getClientRects().length > 0;
  }

  function first(root, selector) {
    return Array.prototype.find.call(root.querySelectorAll(selector), visible) || null;
  }

  function focusTarget(root) {
    var invalid = first(root, "[aria-invalid=true]");
    if (invalid && !invalid.matches(FIELDS)) invalid = first(invalid, FIELDS) || invalid;
    return first(root, "[data-autofocus]") || invalid || first(root, ".alert-error, [role=alert]") || first(root, ".flash");
  }

  function focusOutcome(root) {
    var target = focusTarget(root);
    if (!target) return;
    if (!target.matches(FIELDS + ", a[href], button, summary, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus();
    if (root === document && location.hash) {
      // Chromium clears the focus when it scrolls to a fragment that cannot take it (a form posted to
      // "…#invite" comes back with its errors): focus again once that has happened.
      window.addEventListener("load", function () {
        requestAnimationFrame(function () {
          if (document.activeElement === document.body) target.focus();
        });
      }, { once: true });
    }
  }

  // --- A table too wide for the screen scrolls inside its .table-wrap; keyboard users reach that scroller
  // with Tab (then the arrow keys scroll it), named after the table's caption or the card's heading.
  function markScrollers(root) {
    root.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var card = wrap.closest(".card, article, section");
        var name = wrap.querySelector("caption") || (card && card.querySelector("h2, h3"));
        wrap.setAttribute("tabindex", "0");
        if (name) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", name.textContent.trim());
        }
        wrap.dataset.scroller = "1";
      } else if (!scrolls && wrap.dataset.scroller) {
        ["tabindex", "role", "aria-label", "data-scroller"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { markScrollers(document); }, 150);
  });

  function init() {
    initNav();
    initRows(document);
    markScrollers(document);
    focusOutcome(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:load", function (event) {
    initRows(event.detail.elt);
    markScrollers(event.detail.elt);
  });
  // The answer to a form sent with htmx, or swapped-in content that asks for focus (a finished import's
  // errors); never live filters or polling while someone types or reads elsewhere.
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail.elt;
    var config = event.detail.requestConfig || {};
    if (!swapped || swapped === document.body) return;
    if (config.verb && config.verb !== "get") focusOutcome(swapped);
    else if (first(swapped, "[data-autofocus]")) focusOutcome(swapped);
  });
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

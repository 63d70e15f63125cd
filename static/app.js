// Provisio's own script: opens the htmx-loaded dialog, closes it after a save, and returns
// focus to the line. Everything here is an enhancement: every action also works as a
// plain form or link without JavaScript.
(function () {
  "use strict";
  var opener = null;

  function dialog() { return document.getElementById("dialog"); }

  // Focus the element `focusId` names, else the one that opened the dialog (found again by
  // id: its line may have been swapped for a new copy). A button the action has just
  // disabled cannot take the focus: then it stays on the same line, not lost to the page.
  function restoreFocus(focusId) {
    var target = (focusId && document.getElementById(focusId)) ||
      (opener && opener.id && document.getElementById(opener.id)) || opener;
    if (!target || typeof target.focus !== "function") { return; }
    target.focus();
    if (document.activeElement !== target && target.closest) {
      var row = target.closest("tr");
      var next = row && row.querySelector("a[href], button:not([disabled])");
      if (next) { next.focus(); }
    }
  }

  function closeDialog(focusId) {
    var d = dialog();
    if (d && d.open) { d.close(); }
    restoreFocus(focusId);
    document.getElementById("dialog-body").innerHTML = "";
  }

  // Should anything of the same response take the focus away after the swap, it comes back
  // once htmx has settled.
  var settling = null;
  document.addEventListener("htmx:afterSettle", function () {
    if (settling !== null && (!document.activeElement || document.activeElement === document.body)) {
      restoreFocus(settling);
    }
    settling = null;
  });

  // A row redrawn out of band (the mail server's answer arriving while someone works on
  // the line) keeps the focus that was on it.
  var kept = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail && event.detail.target;
    if (active && active !== document.body && active.id && target && target.contains(active)) {
      kept = active.id;
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (kept !== null && (!document.activeElement || document.activeElement === document.body)) {
      restoreFocus(kept);
    }
    kept = null;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var d = dialog();
    if (d && !d.open) { opener = event.detail.elt; }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var body = document.getElementById("dialog-body");
    if (!body || event.detail.target !== body) { return; }
    // Only a dialog with something in it is opened (a swap may follow the one that closed it).
    if (!body.firstElementChild) { return; }
    var done = body.querySelector("[data-close-dialog]");
    if (done) {
      settling = done.getAttribute("data-focus");
      closeDialog(settling);
    }
  });

  // The dialog opens once htmx has settled its content: before that its form is not yet
  // htmx's, and an Enter pressed at once would post the whole page.
  document.addEventListener("htmx:afterSettle", function (event) {
    var body = document.getElementById("dialog-body");
    if (!body || event.detail.target !== body || !body.firstElementChild) { return; }
    if (body.querySelector("[data-close-dialog]")) { return; }
    var d = dialog();
    if (!d.open) { d.showModal(); }
    var field = body.querySelector("[aria-invalid=true]") || body.querySelector("[autofocus]") ||
      body.querySelector("input:not([type=hidden]), button, a");
    if (field) { field.focus(); }
  });

  // A lines table's Edit and Resend links (a[data-dialog]) open their dialog in place: one
  // listener for the page rather than htmx attributes on every row. A click that asks for a
  // new tab or window is the browser's; without JavaScript the link opens the dialog's page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-dialog]");
    if (!link || !window.htmx || event.defaultPrevented || event.button !== 0 ||
      event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"), { source: link, target: "#dialog-body", swap: "innerHTML" });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-dialog-button]");
    if (button && dialog() && dialog().open) {
      event.preventDefault();
      closeDialog(null);
    }
  });

  // A long upload or apply shows its progress; without JavaScript the form simply posts.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-progress")) { return; }
    var bar = form.querySelector("[data-progress-bar]");
    if (bar) { bar.hidden = false; }
    form.setAttribute("aria-busy", "true");
  });

  // The header's menu is open in the markup (all of it shows without JavaScript); on a
  // screen narrower than app.css's 48rem it starts folded, and a wider one always shows it.
  function foldMenuOnNarrowScreens() {
    var menu = document.querySelector("details.menu");
    if (!menu || !window.matchMedia) { return; }
    var narrow = window.matchMedia("(max-width: 47.99rem)");
    var apply = function () { menu.open = !narrow.matches; };
    apply();
    narrow.addEventListener("change", apply);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var d = dialog();
    if (d) { d.addEventListener("cancel", function () { setTimeout(function () { closeDialog(null); }, 0); }); }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    foldMenuOnNarrowScreens();
    document.documentElement.classList.add("js");
  });
})();

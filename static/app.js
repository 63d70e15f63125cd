// Provisio's own script: opens the htmx-loaded dialog, closes it after a save, and returns
// focus to the line. Everything here is an enhancement: every action also works as a
// plain form or link without JavaScript.
(function () {
  "use strict";
  var opener = null;

  function dialog() { return document.getElementById("dialog"); }

  function closeDialog(focusId) {
    var d = dialog();
    if (d && d.open) { d.close(); }
    var target = (focusId && document.getElementById(focusId)) || opener;
    if (target && typeof target.focus === "function") { target.focus(); }
    document.getElementById("dialog-body").innerHTML = "";
  }

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
      closeDialog(done.getAttribute("data-focus"));
      return;
    }
    var d = dialog();
    if (!d.open) { d.showModal(); }
    var field = body.querySelector("[aria-invalid=true]") || body.querySelector("[autofocus]") ||
      body.querySelector("input:not([type=hidden]), button, a");
    if (field) { field.focus(); }
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

  document.addEventListener("DOMContentLoaded", function () {
    var d = dialog();
    if (d) { d.addEventListener("cancel", function () { setTimeout(function () { closeDialog(null); }, 0); }); }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.documentElement.classList.add("js");
  });
})();

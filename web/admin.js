// Lotse staff pages: optional live preview in the answer editor. Everything works without
// this file (the "Vorschau" button renders the preview on the server); with it, the preview
// follows typing. The HTML comes from the server's sanitising renderer, the same one citizens get.
(function () {
  "use strict";
  function start() {
    var body = document.getElementById("body");
    var title = document.getElementById("title");
    var out = document.querySelector(".preview-body");
    var outTitle = document.querySelector(".preview-title");
    var csrf = body && body.form && body.form.querySelector('input[name="csrf"]');
    if (!body || !title || !out || !csrf) return;
    var hint = document.querySelector(".js-only");
    if (hint) hint.hidden = false;
    var timer = null;
    var seq = 0;
    function update() {
      var mine = ++seq;
      fetch("/api/v1/admin/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.value },
        body: JSON.stringify({ title: title.value, body: body.value })
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || mine !== seq) return;
          out.innerHTML = data.body_html;
          if (outTitle) outTitle.textContent = data.title;
        })
        .catch(function () { /* the Vorschau button still works */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    }
    body.addEventListener("input", later);
    title.addEventListener("input", later);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Lotse staff pages: optional live preview in the answer editor. Everything works without
// this file (the "Vorschau" button renders the preview on the server); with it, the preview
// follows typing, for the German text and for every language version. The HTML comes from the
// server's sanitising renderer, the same one citizens get.
(function () {
  "use strict";
  // One preview: the title and body fields it follows and the article it fills.
  function follow(title, body, article, csrf) {
    var out = article.querySelector(".preview-body");
    var outTitle = article.querySelector(".preview-title");
    if (!title || !body || !out) return;
    var timer = null;
    var seq = 0;
    function update() {
      var mine = ++seq;
      if (!body.value.trim() && article.dataset.previewFor !== "main") {
        article.hidden = true;
        return;
      }
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
          article.hidden = false;
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
  function start() {
    var body = document.getElementById("body");
    var csrf = body && body.form && body.form.querySelector('input[name="csrf"]');
    if (!body || !csrf) return;
    var articles = document.querySelectorAll("[data-preview-for]");
    if (!articles.length) return;
    var hint = document.querySelector(".js-only");
    if (hint) hint.hidden = false;
    Array.prototype.forEach.call(articles, function (article) {
      var key = article.dataset.previewFor;
      if (key === "main") {
        follow(document.getElementById("title"), body, article, csrf);
      } else {
        follow(document.getElementById(key + "-title"), document.getElementById(key + "-body"), article, csrf);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

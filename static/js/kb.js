/* Help center enhancements (progressive: every page works without this file).
   - Welcome checklist: progress kept in localStorage, "x of y done", reset.
   - "Mark as done" on a welcome guide, sharing the same storage.
   - Print button.
   - Feedback form sent without leaving the page. */
(function () {
  "use strict";

  var STORAGE_KEY = "portal.welcome.done";

  function readDone() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];  // storage disabled or corrupted: start empty
    }
  }

  function writeDone(slugs) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(slugs));
    } catch (e) {
      /* private mode or full storage: progress just is not remembered */
    }
  }

  function setDone(slug, done) {
    var slugs = readDone().filter(function (s) { return s !== slug; });
    if (done) { slugs.push(slug); }
    writeDone(slugs);
  }

  function initChecklist(root) {
    var checks = Array.prototype.slice.call(root.querySelectorAll("[data-kb-check]"));
    var progress = root.querySelector("[data-kb-progress]");
    var text = root.querySelector("[data-kb-progress-text]");
    var bar = root.querySelector("[data-kb-progress-bar]");
    var allDone = root.querySelector("[data-kb-all-done]");

    function render() {
      var done = readDone();
      var count = 0;
      checks.forEach(function (box) {
        box.checked = done.indexOf(box.getAttribute("data-kb-check")) !== -1;
        box.closest("[data-kb-step]").classList.toggle("is-done", box.checked);
        if (box.checked) { count += 1; }
      });
      text.textContent = text.getAttribute("data-template")
        .replace("{done}", String(count)).replace("{total}", String(checks.length));
      bar.style.width = (checks.length ? Math.round(100 * count / checks.length) : 0) + "%";
      allDone.hidden = count !== checks.length;
    }

    checks.forEach(function (box) {
      box.hidden = false;
      var label = root.querySelector("label[for='" + box.id + "']");
      if (label) { label.hidden = false; }
      box.addEventListener("change", function () {
        setDone(box.getAttribute("data-kb-check"), box.checked);
        render();
      });
    });
    root.querySelector("[data-kb-reset]").addEventListener("click", function () {
      writeDone([]);
      render();
      if (checks.length) { checks[0].focus(); }
    });
    progress.hidden = false;
    render();
  }

  function initDoneButton(button) {
    var slug = button.getAttribute("data-kb-done");
    function render() {
      var done = readDone().indexOf(slug) !== -1;
      button.setAttribute("aria-pressed", done ? "true" : "false");
      button.textContent = button.getAttribute(done ? "data-label-done" : "data-label-todo");
    }
    button.addEventListener("click", function () {
      setDone(slug, button.getAttribute("aria-pressed") !== "true");
      render();
    });
    button.hidden = false;
    render();
  }

  function initFeedback(form) {
    var status = form.querySelector(".kb-feedback-status");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        var message = (result.data && (result.data.message || (result.data.error && result.data.error.message))) || "";
        status.textContent = message;
        if (result.ok) {
          Array.prototype.forEach.call(form.querySelectorAll("fieldset, .form-row, button[type=submit]"), function (el) {
            el.hidden = true;
          });
        } else {
          button.disabled = false;
        }
      }).catch(function () {
        button.disabled = false;
        form.submit();  // network trouble: fall back to the ordinary form post
      });
    });
  }

  document.querySelectorAll("[data-kb-welcome]").forEach(initChecklist);
  document.querySelectorAll("[data-kb-done]").forEach(initDoneButton);
  document.querySelectorAll("[data-kb-feedback]").forEach(initFeedback);
  document.querySelectorAll("[data-kb-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());

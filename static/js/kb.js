/* Help center enhancements (progressive: every page works without this file).
   - Welcome checklist: progress kept in localStorage, "x of y done", reset.
   - "Mark as done" on a welcome guide, sharing the same storage.
   - Print button.
   - "Did this help?" answered without leaving the page. */
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

  /* "Did this help?": a click on a point records it at once (the server answers
     with a follow-up token); the comment box then appears and sends the
     optional comment onto the same record. After the comment only a thank-you
     remains. Without fetch, the forms post normally and the page comes back. */
  function postForm(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (key) { data.set(key, extra[key]); });
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body || {} }; });
    });
  }

  function initFeedback(section) {
    var ratingForm = section.querySelector("[data-kb-feedback-rating]");
    var commentForm = section.querySelector("[data-kb-feedback-comment]");
    var status = section.querySelector("[data-kb-feedback-status]");
    if (!ratingForm || !commentForm || !window.fetch || !window.FormData) { return; }
    var tokens = section.querySelectorAll("[data-kb-feedback-token]");
    var buttons = ratingForm.querySelectorAll("button[name=rating]");

    function message(body) {
      return body.message || (body.error && body.error.message) || "";
    }

    ratingForm.addEventListener("submit", function (event) {
      var chosen = event.submitter;
      if (!chosen || !chosen.value) { return; }
      event.preventDefault();
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      postForm(ratingForm, { rating: chosen.value }).then(function (result) {
        Array.prototype.forEach.call(buttons, function (b) {
          b.disabled = false;
          if (result.ok) { b.setAttribute("aria-pressed", b === chosen ? "true" : "false"); }
        });
        if (!result.ok) {
          status.classList.remove("visually-hidden");
          status.textContent = message(result.body);
          return;
        }
        Array.prototype.forEach.call(tokens, function (input) { input.value = result.body.token || ""; });
        // announced to screen readers; on screen the comment box's label says the same
        status.classList.add("visually-hidden");
        status.textContent = message(result.body);
        commentForm.hidden = false;
      }).catch(function () {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "rating";
        hidden.value = chosen.value;
        ratingForm.appendChild(hidden);
        ratingForm.submit();  // network trouble: the ordinary form post
      });
    });

    commentForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var send = commentForm.querySelector("button[type=submit]");
      send.disabled = true;
      postForm(commentForm).then(function (result) {
        send.disabled = false;
        status.classList.remove("visually-hidden");
        status.textContent = message(result.body);
        if (result.ok) {
          ratingForm.hidden = true;
          commentForm.hidden = true;  // nothing left to send: only the thank-you stays
        }
      }).catch(function () {
        send.disabled = false;
        commentForm.submit();
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

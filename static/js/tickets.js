/* The ticket form that deflects (progressive enhancement; the form works without it).
 *
 * - As-you-type suggestions: after a 300 ms pause in the subject or description
 *   (and at least every 1.2 s while typing goes on), POST /api/v1/suggest with
 *   subject and description apart shows the best five articles (and known
 *   incidents first) in a polite live region, beside the form on a wide screen
 *   (sticky) and right under the field being typed on a phone; articles open
 *   in a new tab so the draft is never lost.
 * - The draft is kept in sessionStorage and restored when the page comes back.
 * - Personal-data guard: the same patterns as portal/tickets/pii.py (read from
 *   the form's data-pii-patterns) flag e-mail addresses, phone numbers, IBANs,
 *   card numbers and IP addresses inline, with a one-click mask.
 * - Urgency: choosing an urgent answer reveals the phone number and callback.
 * - Anonymous analytics: a random attempt id (sessionStorage, no cookie) and
 *   events POSTed with the CSRF token from the page's meta tag.
 */
(function () {
  "use strict";

  var SUGGEST_DELAY = 300;
  var SUGGEST_MAX_WAIT = 1200;
  var SUGGEST_MAX_CHARS = 5000;
  var WIDE_LAYOUT = "(min-width: 64rem)";
  var PII_DELAY = 250;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* Runs fn after `delay` ms without calls; with maxWait, also at least every
     maxWait ms while the calls go on (so suggestions follow a fast typist). */
  function debounce(fn, delay, maxWait) {
    var timer = null, first = null;
    return function () {
      var args = arguments, self = this, now = Date.now();
      if (first === null) { first = now; }
      var wait = maxWait ? Math.max(0, Math.min(delay, first + maxWait - now)) : delay;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { first = null; fn.apply(self, args); }, wait);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* ---- personal-data guard: the same checks as pii.py ---- */

  function PiiGuard(config) {
    this.order = Object.keys(config.patterns);
    this.patterns = config.patterns;
    this.notPersonal = new RegExp(config.notPersonalBefore[0], config.notPersonalBefore[1]);
    this.phoneBefore = new RegExp(config.phoneBefore[0], config.phoneBefore[1]);
    this.polish = new RegExp(config.polishGrouping[0], config.polishGrouping[1]);
    this.ibanLengths = config.ibanLengths;
    this.contextChars = config.contextChars;
  }

  function luhnValid(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      var value = parseInt(digits.charAt(digits.length - 1 - i), 10);
      if (i % 2) { value *= 2; if (value > 9) { value -= 9; } }
      total += value;
    }
    return total % 10 === 0;
  }

  function ibanValid(iban) {
    iban = iban.toUpperCase();
    if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) { return false; }
    var rearranged = iban.slice(4) + iban.slice(0, 4);
    var remainder = 0;
    for (var i = 0; i < rearranged.length; i++) {
      var digits = parseInt(rearranged.charAt(i), 36).toString();
      for (var j = 0; j < digits.length; j++) {
        remainder = (remainder * 10 + parseInt(digits.charAt(j), 10)) % 97;
      }
    }
    return remainder === 1;
  }

  function spanOfChars(text, start, count, wanted) {
    var seen = 0;
    for (var i = start; i < text.length; i++) {
      if (wanted.test(text.charAt(i))) { seen += 1; if (seen === count) { return i + 1; } }
    }
    return text.length;
  }

  function ipv6Valid(value) {
    if (value.replace(/[^0-9A-Za-z]/g, "").length < 3) { return false; }
    var doubles = value.split("::").length - 1;
    if (doubles > 1) { return false; }
    var groups = value.split(":");
    if (doubles === 0) {
      return groups.length === 8 && groups.every(function (g) { return /^[0-9A-Fa-f]{1,4}$/.test(g); });
    }
    var parts = value.split("::");
    var filled = parts.join(":").split(":").filter(function (g) { return g !== ""; });
    return filled.length <= 7 && filled.every(function (g) { return /^[0-9A-Fa-f]{1,4}$/.test(g); });
  }

  PiiGuard.prototype.confirm = function (kind, text, match) {
    var start = match.index, value = match[0], end = start + value.length;
    var before = text.slice(Math.max(0, start - this.contextChars), start);
    if (kind === "email") { return [start, end]; }
    if (kind === "iban") {
      var compact = value.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
      var known = this.ibanLengths[compact.slice(0, 2)];
      var lengths = [];
      if (known) { lengths.push(known); } else { for (var n = Math.min(compact.length, 34); n > 14; n--) { lengths.push(n); } }
      for (var k = 0; k < lengths.length; k++) {
        if (lengths[k] <= compact.length && ibanValid(compact.slice(0, lengths[k]))) {
          return [start, spanOfChars(text, start, lengths[k], /[A-Za-z0-9]/)];
        }
      }
      return null;
    }
    if (kind === "card") {
      var groups = value.split(/[ -]/);
      for (var count = groups.length; count > 0; count--) {
        var digits = groups.slice(0, count).join("");
        if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
          return [start, spanOfChars(text, start, digits.length, /[0-9]/)];
        }
      }
      return null;
    }
    if (kind === "ipv4") {
      if (value.split(".").some(function (part) { return parseInt(part, 10) > 255; })) { return null; }
      return this.notPersonal.test(before) ? null : [start, end];
    }
    if (kind === "ipv6") { return ipv6Valid(value) ? [start, end] : null; }
    if (kind === "phone") {
      if (this.notPersonal.test(before)) { return null; }
      var digitCount = value.replace(/[^0-9]/g, "").length, ok;
      if (value.charAt(0) === "+" || value.slice(0, 2) === "00") {
        var national = digitCount - (value.slice(0, 2) === "00" ? 2 : 0);
        ok = national >= 8 && national <= 15;
      } else if (value.charAt(0) === "0") {
        ok = digitCount >= 9 && digitCount <= 12;
      } else {
        ok = this.polish.test(value) || (digitCount === 9 && this.phoneBefore.test(before));
      }
      return ok ? [start, end] : null;
    }
    return null;
  };

  var MASKS = {
    email: function (v) { var at = v.indexOf("@"); return v.slice(0, 1) + "***" + v.slice(at); },
    iban: function (v) {
      var c = v.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
      var hidden = c.slice(0, 2) + new Array(c.length - 3).join("*") + c.slice(-2);
      return hidden.match(/.{1,4}/g).join(" ");
    },
    card: function (v) { return "**** **** **** " + v.replace(/[^0-9]/g, "").slice(-4); },
    ipv4: function (v) { return v.split(".").slice(0, 2).concat(["*", "*"]).join("."); },
    ipv6: function (v) { return v.split(":").filter(function (g) { return g; }).slice(0, 2).concat(["****", "****"]).join(":"); },
    phone: function (v) {
      var front = (v.match(/^(?:\+[0-9]{1,3}|00[0-9]{1,3}|[0-9]{2})/) || [""])[0].length;
      var positions = [];
      for (var i = 0; i < v.length; i++) { if (/[0-9]/.test(v.charAt(i))) { positions.push(i); } }
      var back = positions.slice(-2);
      var out = "";
      for (var j = 0; j < v.length; j++) {
        var ch = v.charAt(j);
        out += (/[0-9]/.test(ch) && j >= front && back.indexOf(j) < 0) ? "*" : ch;
      }
      return out;
    }
  };

  PiiGuard.prototype.find = function (text) {
    var taken = [], findings = [], self = this;
    this.order.forEach(function (kind) {
      var regex = new RegExp(self.patterns[kind][0], self.patterns[kind][1]);
      var match;
      while ((match = regex.exec(text)) !== null) {
        if (match[0].length === 0) { regex.lastIndex += 1; continue; }
        var span = self.confirm(kind, text, match);
        if (!span) { continue; }
        var overlaps = taken.some(function (t) { return span[0] < t[1] && t[0] < span[1]; });
        var value = text.slice(span[0], span[1]);
        if (overlaps || value.indexOf("*") >= 0) { continue; }
        taken.push(span);
        findings.push({ kind: kind, start: span[0], end: span[1], text: value, masked: MASKS[kind](value) });
      }
    });
    return findings.sort(function (a, b) { return a.start - b.start; });
  };

  PiiGuard.prototype.mask = function (text) {
    var findings = this.find(text), out = "", position = 0;
    findings.forEach(function (f) { out += text.slice(position, f.start) + f.masked; position = f.end; });
    return out + text.slice(position);
  };

  /* ---- the form ---- */

  function TicketForm(form) {
    this.form = form;
    this.slug = form.getAttribute("data-form");
    this.lang = form.getAttribute("data-lang");
    this.i18n = document.getElementById("ticket-i18n").dataset;
    this.store = storage();
    this.draftKey = "portal.tickets.draft." + this.lang + "." + this.slug;
    this.attemptKey = "portal.tickets.attempt." + this.slug;
    var region = document.getElementById("ticket-suggestions");
    this.panel = region ? region.querySelector("[data-suggestion-panel]") : null;
    this.list = region ? region.querySelector("[data-suggestion-list]") : null;
    this.incidents = region ? region.querySelector("[data-incidents]") : null;
    this.lastQuery = "";
    this.shownSent = false;
    this.submitting = false;
    this.ended = false;
    this.guard = new PiiGuard(JSON.parse(form.getAttribute("data-pii-patterns")));
    this.field = function (name) { return form.elements.namedItem(name); };
  }

  TicketForm.prototype.init = function () {
    this.startAttempt();
    this.restoreDraft();
    this.wireSuggestions();
    this.wirePii();
    this.wireUrgency();
    this.wireFiles();
    var self = this;
    this.form.addEventListener("input", debounce(function () { self.saveDraft(); }, 200));
    this.form.addEventListener("change", function () { self.saveDraft(); });
    this.form.addEventListener("submit", function () {
      self.submitting = true;
      self.field("last_query").value = self.lastQuery.slice(0, 300);
    });
    window.addEventListener("pagehide", function () { self.leave(); });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  };

  TicketForm.prototype.startAttempt = function () {
    var input = this.field("attempt_id");
    var id = input.value || (this.store && this.store.getItem(this.attemptKey)) || randomId();
    input.value = id;
    if (this.store) { this.store.setItem(this.attemptKey, id); }
    this.attemptId = id;
    this.send("started");
  };

  TicketForm.prototype.send = function (event, extra) {
    var url = this.form.getAttribute("data-events-url");
    var body = { event: event, attempt_id: this.attemptId, form: this.slug };
    Object.keys(extra || {}).forEach(function (key) { body[key] = extra[key]; });
    try {
      window.fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body)
      }).catch(function () { /* analytics are best effort; the form never waits for them */ });
    } catch (e) { /* old browsers without fetch keepalive: skip analytics */ }
  };

  /* draft: every text, select and checkbox; files cannot be kept by browsers */
  TicketForm.prototype.draftFields = function () {
    return Array.prototype.filter.call(this.form.elements, function (input) {
      return input.name && !/^(csrf_token|attempt_id|last_query|suggestion_opened|leave_blank|pii_action|kept_files)$/.test(input.name)
        && input.type !== "file" && input.type !== "submit" && input.type !== "button";
    });
  };

  TicketForm.prototype.saveDraft = function () {
    if (!this.store || this.ended) { return; }
    var draft = {};
    this.draftFields().forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) { draft[input.name + "=" + input.value] = true; }
      } else {
        draft[input.name] = input.value;
      }
    });
    try { this.store.setItem(this.draftKey, JSON.stringify(draft)); } catch (e) { /* storage full: keep typing */ }
  };

  TicketForm.prototype.restoreDraft = function () {
    if (!this.store) { return; }
    var draft;
    try { draft = JSON.parse(this.store.getItem(this.draftKey) || "null"); } catch (e) { draft = null; }
    if (!draft) { return; }
    var serverFilled = this.draftFields().some(function (input) {
      return input.type !== "checkbox" && input.type !== "radio" && input.tagName !== "SELECT" && input.value;
    });
    if (serverFilled) { return; } // the server sent the customer's input back: it wins
    this.draftFields().forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = !!draft[input.name + "=" + input.value];
      } else if (typeof draft[input.name] === "string") {
        input.value = draft[input.name];
      }
    });
  };

  /* suggestions: subject and description sent apart (POST, up to 5,000
     characters each), debounced but at least every SUGGEST_MAX_WAIT while the
     customer keeps typing; a newer request aborts the one still running. */
  TicketForm.prototype.suggestInputs = function () {
    return Array.prototype.slice.call(this.form.querySelectorAll("[data-suggest]"));
  };

  TicketForm.prototype.suggestBody = function () {
    var subject = [], description = [], guard = this.guard;
    this.suggestInputs().forEach(function (input) {
      var text = input.value.trim();
      if (!text) { return; }
      (input.name === "subject" ? subject : description).push(guard.mask(text));
    });
    return {
      subject: subject.join(" ").slice(0, SUGGEST_MAX_CHARS),
      description: description.join("\n").slice(0, SUGGEST_MAX_CHARS)
    };
  };

  TicketForm.prototype.query = function () {
    var body = this.suggestBody();
    return (body.subject + " " + body.description).trim();
  };

  TicketForm.prototype.wireSuggestions = function () {
    if (!this.panel) { return; }
    var self = this;
    var update = debounce(function () { self.fetchSuggestions(); }, SUGGEST_DELAY, SUGGEST_MAX_WAIT);
    this.suggestInputs().forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("focus", function () { self.placePanel(input); });
    });
    this.wirePanelPlacement();
    document.querySelector("[data-undo-solved]").addEventListener("click", function () {
      self.ended = false;
      document.getElementById("ticket-solved").hidden = true;
      self.form.querySelector(".button-row").hidden = false;
      self.panel.hidden = false;
    });
    if (this.query().length >= 3) { this.fetchSuggestions(); }
  };

  /* Where the panel is: beside the form (sticky) on a wide screen, right
     under the field being typed on a narrow one. */
  TicketForm.prototype.wirePanelPlacement = function () {
    this.region = document.getElementById("ticket-suggestions");
    this.aside = document.querySelector("[data-suggestion-aside]");
    this.wide = window.matchMedia ? window.matchMedia(WIDE_LAYOUT) : null;
    var self = this;
    if (this.wide && this.wide.addEventListener) {
      this.wide.addEventListener("change", function () { self.placePanel(self.typingIn); });
    }
    this.placePanel(null);
  };

  TicketForm.prototype.placePanel = function (input) {
    if (!this.region) { return; }
    if (input) { this.typingIn = input; }
    if (this.wide && this.wide.matches && this.aside) {
      if (this.region.parentNode !== this.aside) { this.aside.appendChild(this.region); }
      return;
    }
    var row = this.typingIn ? this.typingIn.closest(".form-row") : null;
    if (row && row.nextSibling !== this.region) {
      row.parentNode.insertBefore(this.region, row.nextSibling);
    } else if (!row && this.region.parentNode === this.aside) {
      var first = this.suggestInputs()[0];
      var firstRow = first ? first.closest(".form-row") : null;
      if (firstRow) { firstRow.parentNode.insertBefore(this.region, firstRow.nextSibling); }
    }
  };

  TicketForm.prototype.fetchSuggestions = function () {
    var body = this.suggestBody();
    var query = (body.subject + " " + body.description).trim();
    var key = JSON.stringify(body);
    if (query.length < 3 || key === this.lastKey) { return; }
    this.lastKey = key;
    this.lastQuery = query;
    body.locale = this.lang;
    body.limit = 5;
    if (this.pending) { this.pending.abort(); }
    var controller = window.AbortController ? new window.AbortController() : null;
    this.pending = controller;
    var self = this;
    window.fetch(this.form.getAttribute("data-suggest-url"), {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (self.pending === controller) { self.pending = null; }
        if (data && key === self.lastKey) { self.showSuggestions(data); }
      })
      .catch(function () { /* aborted by a newer request, or offline: suggestions are a help, never a requirement */ });
  };

  TicketForm.prototype.showSuggestions = function (data) {
    var self = this, articles = data.articles || [], incidents = data.incidents || [];
    this.list.textContent = "";
    this.incidents.textContent = "";
    if (incidents.length) {
      this.incidents.appendChild(el("h3", {}, this.i18n.incidentsTitle));
      var ul = el("ul", { "class": "list-plain" });
      incidents.slice(0, 3).forEach(function (incident) {
        var li = el("li");
        var link = el("a", { href: incident.url, target: "_blank", rel: "noopener" }, incident.name || incident.title);
        link.appendChild(el("span", { "class": "visually-hidden" }, " " + self.i18n.newTab));
        li.appendChild(link);
        ul.appendChild(li);
      });
      this.incidents.appendChild(ul);
    }
    articles.slice(0, 5).forEach(function (article) {
      var li = el("li", { "class": "suggestion" });
      var link = el("a", { href: article.url, target: "_blank", rel: "noopener", "data-article": article.slug }, article.title);
      link.appendChild(el("span", { "class": "visually-hidden" }, " " + self.i18n.newTab));
      link.addEventListener("click", function () { self.opened(article.slug); });
      li.appendChild(link);
      if (article.snippet) { li.appendChild(el("p", { "class": "small muted" }, article.snippet)); }
      var solved = el("button", { type: "button", "class": "button secondary small" }, self.i18n.solved);
      solved.addEventListener("click", function () { self.solved(article.slug); });
      li.appendChild(solved);
      self.list.appendChild(li);
    });
    this.panel.hidden = !(articles.length || incidents.length);
    if (articles.length && !this.shownSent) {
      this.shownSent = true;
      this.send("suggestions_shown");
    }
  };

  TicketForm.prototype.opened = function (slug) {
    this.field("suggestion_opened").value = "1";
    this.saveDraft();
    this.send("suggestion_opened", { article: slug, query: this.lastQuery });
  };

  TicketForm.prototype.solved = function (slug) {
    this.ended = true;
    this.send("solved", { article: slug, query: this.lastQuery });
    if (this.store) { this.store.removeItem(this.draftKey); this.store.removeItem(this.attemptKey); }
    this.panel.hidden = true;
    this.form.querySelector(".button-row").hidden = true;
    var thanks = document.getElementById("ticket-solved");
    thanks.hidden = false;
    thanks.focus();
  };

  TicketForm.prototype.leave = function () {
    // Leaving without sending and without opening anything: keep the (masked) query
    if (this.submitting || this.ended || this.field("suggestion_opened").value === "1" || !this.lastQuery) { return; }
    this.send("abandoned", { query: this.lastQuery.slice(0, 300) });
  };

  /* personal data */
  TicketForm.prototype.wirePii = function () {
    var self = this;
    Array.prototype.forEach.call(this.form.querySelectorAll("[data-pii]"), function (input) {
      var box = document.getElementById(input.id + "-pii");
      var check = function () { self.checkPii(input, box); };
      input.addEventListener("input", debounce(check, PII_DELAY));
      if (input.value) { check(); }
    });
  };

  TicketForm.prototype.kindLabel = function (kind) {
    var key = "kind" + (kind.indexOf("ip") === 0 ? "Ip" : kind.charAt(0).toUpperCase() + kind.slice(1));
    return this.i18n[key] || kind;
  };

  TicketForm.prototype.checkPii = function (input, box) {
    var findings = this.guard.find(input.value), self = this;
    box.textContent = "";
    if (!findings.length) { return; }
    var notice = el("div", { "class": "notice warning small", role: "status" });
    var text = el("p", {}, this.i18n.piiIntro + " ");
    findings.forEach(function (f, i) {
      text.appendChild(document.createTextNode(self.kindLabel(f.kind) + " ("));
      text.appendChild(el("code", {}, f.masked));
      text.appendChild(document.createTextNode(")" + (i < findings.length - 1 ? ", " : ". ")));
    });
    text.appendChild(document.createTextNode(this.i18n.piiHint));
    notice.appendChild(text);
    var button = el("button", { type: "button", "class": "button small", "data-pii-mask": input.id }, this.i18n.mask);
    button.addEventListener("click", function () {
      input.value = self.guard.mask(input.value);
      self.checkPii(input, box);
      self.saveDraft();
      input.focus();
    });
    notice.appendChild(button);
    box.appendChild(notice);
  };

  /* urgency */
  TicketForm.prototype.wireUrgency = function () {
    var help = this.form.querySelector("[data-urgent-help]");
    if (!help) { return; }
    var radios = this.form.querySelectorAll('input[name="urgency"]');
    var callback = this.field("callback_requested");
    var callbackFields = help.querySelector(".callback-fields");
    var update = function () {
      var chosen = Array.prototype.filter.call(radios, function (r) { return r.checked; })[0];
      help.hidden = !(chosen && chosen.getAttribute("data-urgent") === "true");
      if (callback && callbackFields) { callbackFields.hidden = !callback.checked; }
    };
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", update); });
    if (callback) { callback.addEventListener("change", update); }
    update();
  };

  /* files: say "too large" before the upload rather than after it */
  TicketForm.prototype.wireFiles = function () {
    var message = this.i18n.fileTooLarge;
    Array.prototype.forEach.call(this.form.querySelectorAll('input[type="file"][data-max-bytes]'), function (input) {
      input.addEventListener("change", function () {
        var max = parseInt(input.getAttribute("data-max-bytes"), 10);
        var tooLarge = Array.prototype.some.call(input.files || [], function (f) { return f.size > max; });
        input.setCustomValidity(tooLarge ? message : "");
        if (tooLarge) { input.reportValidity(); }
      });
    });
  };

  /* the confirmation page: the attempt is over, forget the draft */
  function initSent(page) {
    var store = storage();
    if (!store) { return; }
    var slug = page.getAttribute("data-form"), lang = page.getAttribute("data-lang");
    store.removeItem("portal.tickets.draft." + lang + "." + slug);
    store.removeItem("portal.tickets.attempt." + slug);
  }

  // exposed for the browser test that compares these checks with pii.py
  window.portalTickets = { PiiGuard: PiiGuard };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-ticket-form]");
    if (form) { new TicketForm(form).init(); }
    var sent = document.querySelector("[data-ticket-sent]");
    if (sent) { initSent(sent); }
  });
}());

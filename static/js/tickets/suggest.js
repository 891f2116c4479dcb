/* As-you-type suggestions: after a 300 ms pause in the subject or description
 * (and at least every 1.2 s while typing goes on), POST /api/v1/suggest with
 * subject and description apart (masked, up to 5,000 characters each) and show
 * the best five articles (and known incidents first) in a polite live region:
 * beside the form on a wide screen (sticky), right under the field being typed
 * on a phone. Articles open in a new tab so the draft is never lost; a newer
 * request aborts the one still running.
 */
import { debounce, el } from "./common.js";
import { send } from "./analytics.js";
import { forgetAttempt, saveDraft } from "./drafts.js";

const SUGGEST_DELAY = 300;
const SUGGEST_MAX_WAIT = 1200;
const SUGGEST_MAX_CHARS = 5000;
const WIDE_LAYOUT = "(min-width: 64rem)";

function inputs(ticket) {
  return Array.prototype.slice.call(ticket.form.querySelectorAll("[data-suggest]"));
}

/* What is sent: the subject and the description apart, personal data masked. */
function requestBody(ticket) {
  const subject = [], description = [];
  inputs(ticket).forEach((input) => {
    const text = input.value.trim();
    if (!text) { return; }
    (input.name === "subject" ? subject : description).push(ticket.guard.mask(text));
  });
  return {
    subject: subject.join(" ").slice(0, SUGGEST_MAX_CHARS),
    description: description.join("\n").slice(0, SUGGEST_MAX_CHARS)
  };
}

function queryOf(body) { return (body.subject + " " + body.description).trim(); }

class Suggestions {
  constructor(ticket, region) {
    this.ticket = ticket;
    this.region = region;
    this.panel = region.querySelector("[data-suggestion-panel]");
    this.list = region.querySelector("[data-suggestion-list]");
    this.incidents = region.querySelector("[data-incidents]");
    this.shownSent = false;
  }

  wire() {
    if (!this.panel) { return; }
    const update = debounce(() => { this.fetch(); }, SUGGEST_DELAY, SUGGEST_MAX_WAIT);
    inputs(this.ticket).forEach((input) => {
      input.addEventListener("input", update);
      input.addEventListener("focus", () => { this.place(input); });
    });
    this.wirePlacement();
    document.querySelector("[data-undo-solved]").addEventListener("click", () => {
      this.ticket.ended = false;
      document.getElementById("ticket-solved").hidden = true;
      this.ticket.form.querySelector(".button-row").hidden = false;
      this.panel.hidden = false;
    });
    if (queryOf(requestBody(this.ticket)).length >= 3) { this.fetch(); }
  }

  /* Where the panel is: beside the form (sticky) on a wide screen, right
     under the field being typed on a narrow one. */
  wirePlacement() {
    this.aside = document.querySelector("[data-suggestion-aside]");
    this.wide = window.matchMedia ? window.matchMedia(WIDE_LAYOUT) : null;
    if (this.wide && this.wide.addEventListener) {
      this.wide.addEventListener("change", () => { this.place(this.typingIn); });
    }
    this.place(null);
  }

  place(input) {
    if (input) { this.typingIn = input; }
    if (this.wide && this.wide.matches && this.aside) {
      if (this.region.parentNode !== this.aside) { this.aside.appendChild(this.region); }
      return;
    }
    const row = this.typingIn ? this.typingIn.closest(".form-row") : null;
    if (row && row.nextSibling !== this.region) {
      row.parentNode.insertBefore(this.region, row.nextSibling);
    } else if (!row && this.region.parentNode === this.aside) {
      const first = inputs(this.ticket)[0];
      const firstRow = first ? first.closest(".form-row") : null;
      if (firstRow) { firstRow.parentNode.insertBefore(this.region, firstRow.nextSibling); }
    }
  }

  fetch() {
    const ticket = this.ticket;
    const body = requestBody(ticket);
    const query = queryOf(body);
    const key = JSON.stringify(body);
    if (query.length < 3 || key === this.lastKey) { return; }
    this.lastKey = key;
    ticket.lastQuery = query;
    body.locale = ticket.lang;
    body.limit = 5;
    if (this.pending) { this.pending.abort(); }
    const controller = window.AbortController ? new window.AbortController() : null;
    this.pending = controller;
    window.fetch(ticket.form.getAttribute("data-suggest-url"), {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (this.pending === controller) { this.pending = null; }
        if (data && key === this.lastKey) { this.show(data); }
      })
      .catch(() => { /* aborted by a newer request, or offline: suggestions are a help, never a requirement */ });
  }

  show(data) {
    const i18n = this.ticket.i18n, articles = data.articles || [], incidents = data.incidents || [];
    this.list.textContent = "";
    this.incidents.textContent = "";
    if (incidents.length) {
      this.incidents.appendChild(el("h3", {}, i18n.incidentsTitle));
      const ul = el("ul", { "class": "list-plain" });
      incidents.slice(0, 3).forEach((incident) => {
        const li = el("li");
        const link = el("a", { href: incident.url, target: "_blank", rel: "noopener" }, incident.name || incident.title);
        link.appendChild(el("span", { "class": "visually-hidden" }, " " + i18n.newTab));
        li.appendChild(link);
        ul.appendChild(li);
      });
      this.incidents.appendChild(ul);
    }
    articles.slice(0, 5).forEach((article) => {
      const li = el("li", { "class": "suggestion" });
      const link = el("a", { href: article.url, target: "_blank", rel: "noopener", "data-article": article.slug }, article.title);
      link.appendChild(el("span", { "class": "visually-hidden" }, " " + i18n.newTab));
      link.addEventListener("click", () => { this.opened(article.slug); });
      li.appendChild(link);
      if (article.snippet) { li.appendChild(el("p", { "class": "small muted" }, article.snippet)); }
      const solved = el("button", { type: "button", "class": "button secondary small" }, i18n.solved);
      solved.addEventListener("click", () => { this.solved(article.slug); });
      li.appendChild(solved);
      this.list.appendChild(li);
    });
    this.panel.hidden = !(articles.length || incidents.length);
    if (articles.length && !this.shownSent) {
      this.shownSent = true;
      send(this.ticket, "suggestions_shown");
    }
  }

  opened(slug) {
    const ticket = this.ticket;
    ticket.field("suggestion_opened").value = "1";
    saveDraft(ticket);
    send(ticket, "suggestion_opened", { article: slug, query: ticket.lastQuery });
  }

  solved(slug) {
    const ticket = this.ticket;
    ticket.ended = true;
    send(ticket, "solved", { article: slug, query: ticket.lastQuery });
    forgetAttempt(ticket.store, ticket.lang, ticket.slug);
    this.panel.hidden = true;
    ticket.form.querySelector(".button-row").hidden = true;
    const thanks = document.getElementById("ticket-solved");
    thanks.hidden = false;
    thanks.focus();
  }
}

export function wireSuggestions(ticket) {
  const region = document.getElementById("ticket-suggestions");
  if (region) { new Suggestions(ticket, region).wire(); }
}

/* The ticket form that deflects (progressive enhancement; the form works without it).
 *
 * The entry module (loaded with <script type="module">, no build step): it
 * builds the state the concerns share and wires them, one module each, under
 * static/js/tickets/:
 * - suggest.js: as-you-type article and incident suggestions;
 * - drafts.js: the draft kept in sessionStorage and restored;
 * - pii.js: the personal-data guard, with the rules of portal/tickets/pii_rules.json
 *   that the form embeds in data-pii-patterns;
 * - analytics.js: the anonymous attempt id and its events;
 * - urgency.js and files.js: the urgent-help reveal and the file size check.
 */
import { storage } from "./tickets/common.js";
import { startAttempt, wireAttemptEnd } from "./tickets/analytics.js";
import { forgetAttempt, restoreDraft, wireDrafts } from "./tickets/drafts.js";
import { wireFiles } from "./tickets/files.js";
import { PiiGuard, wirePiiWarnings } from "./tickets/pii.js";
import { wireSuggestions } from "./tickets/suggest.js";
import { wireUrgency } from "./tickets/urgency.js";

/* What the modules share about the form on the page and the attempt in it. */
function ticketState(form) {
  return {
    form: form,
    slug: form.getAttribute("data-form"),
    lang: form.getAttribute("data-lang"),
    i18n: document.getElementById("ticket-i18n").dataset,
    store: storage(),
    guard: new PiiGuard(JSON.parse(form.getAttribute("data-pii-patterns"))),
    field: (name) => form.elements.namedItem(name),
    attemptId: null,
    lastQuery: "",    // the masked text suggestions were last asked for
    submitting: false,
    ended: false      // solved by an article: no draft, no "abandoned"
  };
}

function initForm(form) {
  const ticket = ticketState(form);
  startAttempt(ticket);
  restoreDraft(ticket);
  wireSuggestions(ticket);
  wirePiiWarnings(ticket);
  wireUrgency(ticket);
  wireFiles(ticket);
  wireDrafts(ticket);
  wireAttemptEnd(ticket);
  const summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}

/* the confirmation page: the attempt is over, forget the draft */
function initSent(page) {
  forgetAttempt(storage(), page.getAttribute("data-lang"), page.getAttribute("data-form"));
}

// exposed for the browser test that compares these checks with pii.py
window.portalTickets = { PiiGuard: PiiGuard };

function init() {
  const form = document.querySelector("[data-ticket-form]");
  if (form) { initForm(form); }
  const sent = document.querySelector("[data-ticket-sent]");
  if (sent) { initSent(sent); }
}

// Module scripts run once the document is parsed, before DOMContentLoaded.
if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }

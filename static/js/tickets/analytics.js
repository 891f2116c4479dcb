/* Anonymous analytics of a contact attempt: a random attempt id (sessionStorage,
 * no cookie) and events POSTed with the CSRF token from the page's meta tag.
 * Best effort: the form never waits for them.
 */
import { csrfToken, randomId } from "./common.js";
import { attemptKey } from "./drafts.js";

export function send(ticket, event, extra) {
  const url = ticket.form.getAttribute("data-events-url");
  const body = { event: event, attempt_id: ticket.attemptId, form: ticket.slug };
  Object.keys(extra || {}).forEach((key) => { body[key] = extra[key]; });
  try {
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).catch(() => { /* analytics are best effort; the form never waits for them */ });
  } catch (e) { /* old browsers without fetch keepalive: skip analytics */ }
}

/* The attempt id: the one the server sent back, else this tab's, else a new one. */
export function startAttempt(ticket) {
  const input = ticket.field("attempt_id");
  const key = attemptKey(ticket.slug);
  const id = input.value || (ticket.store && ticket.store.getItem(key)) || randomId();
  input.value = id;
  if (ticket.store) { ticket.store.setItem(key, id); }
  ticket.attemptId = id;
  send(ticket, "started");
}

function leave(ticket) {
  // Leaving without sending and without opening anything: keep the (masked) query
  if (ticket.submitting || ticket.ended || ticket.field("suggestion_opened").value === "1" || !ticket.lastQuery) { return; }
  send(ticket, "abandoned", { query: ticket.lastQuery.slice(0, 300) });
}

/* Sending the form records what was typed last; leaving without it is "abandoned". */
export function wireAttemptEnd(ticket) {
  ticket.form.addEventListener("submit", () => {
    ticket.submitting = true;
    ticket.field("last_query").value = ticket.lastQuery.slice(0, 300);
  });
  window.addEventListener("pagehide", () => { leave(ticket); });
}

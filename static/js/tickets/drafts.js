/* Drafts: every text, select and checkbox of the form is kept in sessionStorage
 * and restored when the page comes back (files cannot be kept by browsers).
 * A draft is forgotten when the attempt ends: sent, or solved by an article.
 */
import { debounce } from "./common.js";

const DRAFT_DELAY = 200;
const NOT_DRAFTED = /^(csrf_token|attempt_id|last_query|suggestion_opened|leave_blank|pii_action|kept_files)$/;

export function draftKey(lang, slug) { return "portal.tickets.draft." + lang + "." + slug; }

export function attemptKey(slug) { return "portal.tickets.attempt." + slug; }

/* The attempt is over: forget its draft and its id. */
export function forgetAttempt(store, lang, slug) {
  if (!store) { return; }
  store.removeItem(draftKey(lang, slug));
  store.removeItem(attemptKey(slug));
}

function draftFields(form) {
  return Array.prototype.filter.call(form.elements, (input) => input.name && !NOT_DRAFTED.test(input.name)
    && input.type !== "file" && input.type !== "submit" && input.type !== "button");
}

export function saveDraft(ticket) {
  if (!ticket.store || ticket.ended) { return; }
  const draft = {};
  draftFields(ticket.form).forEach((input) => {
    if (input.type === "checkbox" || input.type === "radio") {
      if (input.checked) { draft[input.name + "=" + input.value] = true; }
    } else {
      draft[input.name] = input.value;
    }
  });
  try { ticket.store.setItem(draftKey(ticket.lang, ticket.slug), JSON.stringify(draft)); } catch (e) { /* storage full: keep typing */ }
}

export function restoreDraft(ticket) {
  if (!ticket.store) { return; }
  let draft;
  try { draft = JSON.parse(ticket.store.getItem(draftKey(ticket.lang, ticket.slug)) || "null"); } catch (e) { draft = null; }
  if (!draft) { return; }
  const fields = draftFields(ticket.form);
  const serverFilled = fields.some((input) => input.type !== "checkbox" && input.type !== "radio"
    && input.tagName !== "SELECT" && input.value);
  if (serverFilled) { return; } // the server sent the customer's input back: it wins
  fields.forEach((input) => {
    if (input.type === "checkbox" || input.type === "radio") {
      input.checked = !!draft[input.name + "=" + input.value];
    } else if (typeof draft[input.name] === "string") {
      input.value = draft[input.name];
    }
  });
}

/* Saves a short pause after typing, and at once on every change. */
export function wireDrafts(ticket) {
  ticket.form.addEventListener("input", debounce(() => { saveDraft(ticket); }, DRAFT_DELAY));
  ticket.form.addEventListener("change", () => { saveDraft(ticket); });
}

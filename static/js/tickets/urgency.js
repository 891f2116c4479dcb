/* Urgency: choosing an urgent answer reveals the phone number and the callback
 * request; ticking the callback reveals its fields. */

export function wireUrgency(ticket) {
  const help = ticket.form.querySelector("[data-urgent-help]");
  if (!help) { return; }
  const radios = ticket.form.querySelectorAll('input[name="urgency"]');
  const callback = ticket.field("callback_requested");
  const callbackFields = help.querySelector(".callback-fields");
  const update = () => {
    const chosen = Array.prototype.filter.call(radios, (r) => r.checked)[0];
    help.hidden = !(chosen && chosen.getAttribute("data-urgent") === "true");
    if (callback && callbackFields) { callbackFields.hidden = !callback.checked; }
  };
  Array.prototype.forEach.call(radios, (r) => { r.addEventListener("change", update); });
  if (callback) { callback.addEventListener("change", update); }
  update();
}

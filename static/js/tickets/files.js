/* Attachments: say "too large" before the upload rather than after it. */

export function wireFiles(ticket) {
  const message = ticket.i18n.fileTooLarge;
  Array.prototype.forEach.call(ticket.form.querySelectorAll('input[type="file"][data-max-bytes]'), (input) => {
    input.addEventListener("change", () => {
      const max = parseInt(input.getAttribute("data-max-bytes"), 10);
      const tooLarge = Array.prototype.some.call(input.files || [], (f) => f.size > max);
      input.setCustomValidity(tooLarge ? message : "");
      if (tooLarge) { input.reportValidity(); }
    });
  });
}

/* Personal-data guard: the checks of portal/tickets/pii.py, run while the customer types.
 *
 * Every rule (regexes, digit counts, IBAN lengths) comes from
 * portal/tickets/pii_rules.json, which the server embeds in the form's
 * data-pii-patterns: this file holds only the checks that confirm a candidate
 * (checksums, octets) and the masks, so the two sides cannot drift apart.
 * Findings are shown inline under the field with a one-click mask.
 */
import { debounce, el } from "./common.js";
import { saveDraft } from "./drafts.js";

const PII_DELAY = 250;

function regex(pair) { return new RegExp(pair[0], pair[1]); }

function luhnValid(digits) {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let value = parseInt(digits.charAt(digits.length - 1 - i), 10);
    if (i % 2) { value *= 2; if (value > 9) { value -= 9; } }
    total += value;
  }
  return total % 10 === 0;
}

function ibanValid(iban, format) {
  iban = iban.toUpperCase();
  if (!format.test(iban)) { return false; }
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const digits = parseInt(rearranged.charAt(i), 36).toString();
    for (let j = 0; j < digits.length; j++) {
      remainder = (remainder * 10 + parseInt(digits.charAt(j), 10)) % 97;
    }
  }
  return remainder === 1;
}

function spanOfChars(text, start, count, wanted) {
  let seen = 0;
  for (let i = start; i < text.length; i++) {
    if (wanted.test(text.charAt(i))) { seen += 1; if (seen === count) { return i + 1; } }
  }
  return text.length;
}

function ipv6Valid(value) {
  if (value.replace(/[^0-9A-Za-z]/g, "").length < 3) { return false; }
  const doubles = value.split("::").length - 1;
  if (doubles > 1) { return false; }
  const group = (g) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  if (doubles === 0) {
    const groups = value.split(":");
    return groups.length === 8 && groups.every(group);
  }
  const filled = value.split("::").join(":").split(":").filter((g) => g !== "");
  return filled.length <= 7 && filled.every(group);
}

function masks(keepFront) {
  return {
    email: (v) => v.slice(0, 1) + "***" + v.slice(v.indexOf("@")),
    iban: (v) => {
      const c = v.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
      const hidden = c.slice(0, 2) + new Array(c.length - 3).join("*") + c.slice(-2);
      return hidden.match(/.{1,4}/g).join(" ");
    },
    card: (v) => "**** **** **** " + v.replace(/[^0-9]/g, "").slice(-4),
    ipv4: (v) => v.split(".").slice(0, 2).concat(["*", "*"]).join("."),
    ipv6: (v) => v.split(":").filter((g) => g).slice(0, 2).concat(["****", "****"]).join(":"),
    phone: (v) => {
      const front = (v.match(keepFront) || [""])[0].length;
      const positions = [];
      for (let i = 0; i < v.length; i++) { if (/[0-9]/.test(v.charAt(i))) { positions.push(i); } }
      const back = positions.slice(-2);
      let out = "";
      for (let j = 0; j < v.length; j++) {
        const ch = v.charAt(j);
        out += (/[0-9]/.test(ch) && j >= front && back.indexOf(j) < 0) ? "*" : ch;
      }
      return out;
    }
  };
}

/* The checks of pii.py over the rules of pii_rules.json (as the form embeds them). */
export class PiiGuard {
  constructor(rules) {
    this.order = Object.keys(rules.patterns);
    this.patterns = rules.patterns;
    this.notPersonal = regex(rules.notPersonalBefore);
    this.phoneBefore = regex(rules.phoneBefore);
    this.polish = regex(rules.polishGrouping);
    this.ibanFormat = regex(rules.ibanFormat);
    this.ibanLengths = rules.ibanLengths;
    this.ibanOtherLengths = rules.ibanOtherLengths;
    this.cardDigits = rules.cardDigits;
    this.phoneDigits = rules.phoneDigits;
    this.contextChars = rules.contextChars;
    this.masks = masks(regex(rules.maskKeepFront));
  }

  confirm(kind, text, match) {
    const start = match.index, value = match[0], end = start + value.length;
    const before = text.slice(Math.max(0, start - this.contextChars), start);
    if (kind === "email") { return [start, end]; }
    if (kind === "iban") {
      const compact = value.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
      const known = this.ibanLengths[compact.slice(0, 2)];
      const lengths = [];
      if (known) {
        lengths.push(known);
      } else {
        for (let n = Math.min(compact.length, this.ibanOtherLengths[1]); n >= this.ibanOtherLengths[0]; n--) { lengths.push(n); }
      }
      for (const length of lengths) {
        if (length <= compact.length && ibanValid(compact.slice(0, length), this.ibanFormat)) {
          return [start, spanOfChars(text, start, length, /[A-Za-z0-9]/)];
        }
      }
      return null;
    }
    if (kind === "card") {
      const groups = value.split(/[ -]/);
      for (let count = groups.length; count > 0; count--) {
        const digits = groups.slice(0, count).join("");
        if (digits.length >= this.cardDigits[0] && digits.length <= this.cardDigits[1] && luhnValid(digits)) {
          return [start, spanOfChars(text, start, digits.length, /[0-9]/)];
        }
      }
      return null;
    }
    if (kind === "ipv4") {
      if (value.split(".").some((part) => parseInt(part, 10) > 255)) { return null; }
      return this.notPersonal.test(before) ? null : [start, end];
    }
    if (kind === "ipv6") { return ipv6Valid(value) ? [start, end] : null; }
    if (kind === "phone") {
      if (this.notPersonal.test(before)) { return null; }
      const digitCount = value.replace(/[^0-9]/g, "").length;
      const within = (n, range) => n >= range[0] && n <= range[1];
      let ok;
      if (value.charAt(0) === "+" || value.slice(0, 2) === "00") {
        ok = within(digitCount - (value.slice(0, 2) === "00" ? 2 : 0), this.phoneDigits.international);
      } else if (value.charAt(0) === "0") {
        ok = within(digitCount, this.phoneDigits.trunk);
      } else {
        ok = this.polish.test(value) || (digitCount === this.phoneDigits.bare && this.phoneBefore.test(before));
      }
      return ok ? [start, end] : null;
    }
    return null;
  }

  find(text) {
    const taken = [], findings = [];
    this.order.forEach((kind) => {
      const pattern = regex(this.patterns[kind]);
      let match;
      while ((match = pattern.exec(text)) !== null) {
        if (match[0].length === 0) { pattern.lastIndex += 1; continue; }
        const span = this.confirm(kind, text, match);
        if (!span) { continue; }
        const overlaps = taken.some((t) => span[0] < t[1] && t[0] < span[1]);
        const value = text.slice(span[0], span[1]);
        if (overlaps || value.indexOf("*") >= 0) { continue; }
        taken.push(span);
        findings.push({ kind: kind, start: span[0], end: span[1], text: value, masked: this.masks[kind](value) });
      }
    });
    return findings.sort((a, b) => a.start - b.start);
  }

  mask(text) {
    let out = "", position = 0;
    this.find(text).forEach((f) => { out += text.slice(position, f.start) + f.masked; position = f.end; });
    return out + text.slice(position);
  }
}

function kindLabel(ticket, kind) {
  const key = "kind" + (kind.indexOf("ip") === 0 ? "Ip" : kind.charAt(0).toUpperCase() + kind.slice(1));
  return ticket.i18n[key] || kind;
}

function checkPii(ticket, input, box) {
  const findings = ticket.guard.find(input.value);
  box.textContent = "";
  if (!findings.length) { return; }
  const notice = el("div", { "class": "notice warning small", role: "status" });
  const text = el("p", {}, ticket.i18n.piiIntro + " ");
  findings.forEach((f, i) => {
    text.appendChild(document.createTextNode(kindLabel(ticket, f.kind) + " ("));
    text.appendChild(el("code", {}, f.masked));
    text.appendChild(document.createTextNode(")" + (i < findings.length - 1 ? ", " : ". ")));
  });
  text.appendChild(document.createTextNode(ticket.i18n.piiHint));
  notice.appendChild(text);
  const button = el("button", { type: "button", "class": "button small", "data-pii-mask": input.id }, ticket.i18n.mask);
  button.addEventListener("click", () => {
    input.value = ticket.guard.mask(input.value);
    checkPii(ticket, input, box);
    saveDraft(ticket);
    input.focus();
  });
  notice.appendChild(button);
  box.appendChild(notice);
}

/* The inline warning under every free-text field (data-pii), a short pause after typing. */
export function wirePiiWarnings(ticket) {
  Array.prototype.forEach.call(ticket.form.querySelectorAll("[data-pii]"), (input) => {
    const box = document.getElementById(input.id + "-pii");
    const check = () => { checkPii(ticket, input, box); };
    input.addEventListener("input", debounce(check, PII_DELAY));
    if (input.value) { check(); }
  });
}

/* Small helpers the ticket form's modules share: storage, CSRF token, ids, debounce, elements. */

/* sessionStorage, or null where the browser refuses it (private mode, disabled storage). */
export function storage() {
  try { return window.sessionStorage; } catch (e) { return null; }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

export function randomId() {
  if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, (b) => ("0" + b.toString(16)).slice(-2)).join("");
}

/* Runs fn after `delay` ms without calls; with maxWait, also at least every
   maxWait ms while the calls go on (so suggestions follow a fast typist). */
export function debounce(fn, delay, maxWait) {
  let timer = null, first = null;
  return function (...args) {
    const now = Date.now();
    if (first === null) { first = now; }
    const wait = maxWait ? Math.max(0, Math.min(delay, first + maxWait - now)) : delay;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => { first = null; fn.apply(this, args); }, wait);
  };
}

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach((key) => { node.setAttribute(key, attrs[key]); });
  if (text !== undefined && text !== null) { node.textContent = text; }
  return node;
}

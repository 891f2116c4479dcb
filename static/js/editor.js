/* The article editor's browser side (an ES module, no build step).
 *
 * Enhances the markdown textarea named by [data-live-editor][data-source]
 * (templates/kb/staff/_live_preview.html):
 * - live preview beside it (tabs on a phone), rendered by the server with the
 *   same renderer as the published page (POST data-preview-url, debounced);
 * - image upload: a dialog asks for the file and its alt text (required),
 *   the server checks and stores it, ![alt](url) goes in at the cursor;
 *   pasting or dropping an image opens the same dialog;
 * - shortcuts: Ctrl/Cmd+B bold, +I italic, +K link, Ctrl/Cmd+Alt+1/2/3 heading;
 * - a warning before leaving with unsaved changes (cleared on submit).
 * Without this file the editor still works: its Preview button renders on the server.
 */

const PREVIEW_PAUSE_MS = 350;
const NARROW = window.matchMedia("(max-width: 900px)");
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function csrfToken(form) {
  const input = form.querySelector("input[name=csrf_token]");
  return input ? input.value : "";
}

async function postJSON(url, body, form) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form),
               ...(body instanceof FormData ? {} : { "Content-Type": "application/json" }) },
    body: body instanceof FormData ? body : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch (error) { data = {}; }
  if (!response.ok) {
    const message = (data.error && data.error.message) || response.statusText || String(response.status);
    throw new Error(message);
  }
  return data;
}

/* -- editing helpers: keep the browser's undo history where it can -- */

function replaceSelection(textarea, text, selectFrom, selectTo) {
  const start = textarea.selectionStart;
  textarea.focus();
  // execCommand keeps Ctrl+Z working; setRangeText is the fallback
  if (!document.execCommand || !document.execCommand("insertText", false, text)) {
    textarea.setRangeText(text, start, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  if (selectFrom !== undefined) {
    textarea.setSelectionRange(start + selectFrom, start + selectTo);
  }
}

export function wrapSelection(textarea, marker, placeholder) {
  const selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
  if (selected.startsWith(marker) && selected.endsWith(marker) && selected.length >= 2 * marker.length) {
    const inner = selected.slice(marker.length, selected.length - marker.length);
    replaceSelection(textarea, inner, 0, inner.length);  // pressed again: unwrap
    return;
  }
  const inner = selected || placeholder;
  replaceSelection(textarea, marker + inner + marker, marker.length, marker.length + inner.length);
}

export function insertLink(textarea, placeholder) {
  const selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd) || placeholder;
  const url = "https://";
  const text = "[" + selected + "](" + url + ")";
  replaceSelection(textarea, text, selected.length + 3, selected.length + 3 + url.length);
}

export function setHeading(textarea, level) {
  const value = textarea.value;
  const lineStart = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
  let lineEnd = value.indexOf("\n", textarea.selectionStart);
  if (lineEnd === -1) { lineEnd = value.length; }
  const line = value.slice(lineStart, lineEnd);
  const bare = line.replace(/^#{1,6}\s*/, "");
  const prefix = "#".repeat(level) + " ";
  const replaced = line.startsWith(prefix) ? bare : prefix + bare;  // the same level again: plain text
  textarea.setSelectionRange(lineStart, lineEnd);
  replaceSelection(textarea, replaced, replaced.length, replaced.length);
}

export function insertAtCursor(textarea, text, position) {
  const at = position === undefined ? textarea.selectionStart : position;
  textarea.setSelectionRange(at, at);
  const before = textarea.value.slice(0, at);
  const needsBreak = before && !before.endsWith("\n") ? "\n\n" : "";
  replaceSelection(textarea, needsBreak + text + "\n");
}

/* -- the parts -- */

function setupPreview(root, textarea, form) {
  const panel = root.querySelector("[data-editor-preview]");
  const body = root.querySelector("[data-editor-preview-body]");
  const titleOut = root.querySelector("[data-editor-preview-title]");
  const titleIn = form.querySelector("input[name=title]");
  const status = root.querySelector("[data-editor-status]");
  let timer = null;
  let sent = 0;
  let lastBody = null;

  function showTitle() {
    titleOut.textContent = titleIn ? titleIn.value : "";
    titleOut.hidden = !titleOut.textContent.trim();  // no empty heading for a new article
  }

  async function refresh() {
    showTitle();
    if (textarea.value === lastBody) { return; }
    const mine = ++sent;
    const text = textarea.value;
    panel.setAttribute("aria-busy", "true");
    try {
      const data = await postJSON(root.dataset.previewUrl, { body: text }, form);
      if (mine !== sent) { return; }  // a later edit is on its way
      body.innerHTML = data.html;  // sanitized by the server (nh3), exactly as on the article page
      lastBody = text;
    } catch (error) {
      if (mine === sent) { status.textContent = root.dataset.previewError + " " + error.message; }
    } finally {
      if (mine === sent) { panel.removeAttribute("aria-busy"); }
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_PAUSE_MS);
  }
  textarea.addEventListener("input", schedule);
  if (titleIn) { titleIn.addEventListener("input", showTitle); }
  refresh();
  return { refresh };
}

function setupLayout(root, textarea, preview) {
  const live = document.createElement("div");
  live.className = "kb-editor-live";
  const source = document.createElement("div");
  source.className = "kb-editor-source";
  source.id = "kb-editor-source";
  source.setAttribute("role", "tabpanel");
  source.setAttribute("aria-labelledby", "kb-tab-write");
  textarea.parentNode.insertBefore(live, textarea);
  source.appendChild(textarea);
  live.appendChild(source);
  const panel = root.querySelector("[data-editor-preview]");
  live.appendChild(panel);
  const toolbar = root.querySelector(".kb-editor-toolbar");
  const tabs = root.querySelector(".kb-editor-tabs");
  live.parentNode.insertBefore(toolbar, live);
  live.parentNode.insertBefore(tabs, live);
  textarea.setAttribute("aria-describedby",
    ((textarea.getAttribute("aria-describedby") || "") + " kb-editor-shortcuts").trim());

  const tabButtons = Array.from(tabs.querySelectorAll("[data-editor-tab]"));
  function show(which) {
    live.classList.toggle("show-preview", which === "preview");
    tabButtons.forEach((button) => {
      const selected = button.dataset.editorTab === which;
      button.setAttribute("aria-selected", selected ? "true" : "false");
      button.tabIndex = selected ? 0 : -1;
    });
    panel.setAttribute("role", NARROW.matches ? "tabpanel" : "region");
    if (which === "preview") { preview.refresh(); }
  }
  tabButtons.forEach((button) => button.addEventListener("click", () => show(button.dataset.editorTab)));
  tabs.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") { return; }
    const next = tabButtons.find((button) => button.getAttribute("aria-selected") !== "true");
    next.focus();
    show(next.dataset.editorTab);
  });
  show("write");
  NARROW.addEventListener("change", () => show("write"));
}

function setupShortcuts(root, textarea) {
  root.querySelectorAll("kbd[data-mod]").forEach((kbd) => { kbd.textContent = IS_MAC ? "⌘" : "Ctrl"; });
  textarea.addEventListener("keydown", (event) => {
    const mod = IS_MAC ? event.metaKey : event.ctrlKey;
    if (!mod || event.getModifierState("AltGraph")) { return; }  // AltGr+2 types ² on German keyboards
    const key = event.key.toLowerCase();
    if (event.altKey && ["Digit1", "Digit2", "Digit3"].includes(event.code)) {
      event.preventDefault();
      setHeading(textarea, Number(event.code.slice(-1)));
    } else if (event.altKey || event.shiftKey) {
      return;
    } else if (key === "b") {
      event.preventDefault();
      wrapSelection(textarea, "**", "bold text");
    } else if (key === "i") {
      event.preventDefault();
      wrapSelection(textarea, "_", "italic text");
    } else if (key === "k") {
      event.preventDefault();
      insertLink(textarea, "link text");
    }
  });
}

function setupImages(root, textarea, form) {
  const dialog = root.querySelector("[data-editor-image-dialog]");
  const fileInput = root.querySelector("[data-editor-image-file]");
  const altInput = root.querySelector("[data-editor-image-alt]");
  const error = root.querySelector("[data-editor-image-error]");
  const uploadButton = root.querySelector("[data-editor-image-upload]");
  const status = root.querySelector("[data-editor-status]");
  let pendingFile = null;
  let cursor = 0;

  function open(file) {
    cursor = textarea.selectionStart;
    pendingFile = file || null;
    fileInput.value = "";
    fileInput.closest(".form-row").hidden = Boolean(file);
    altInput.value = "";
    error.hidden = true;
    dialog.showModal();
    (file ? altInput : fileInput).focus();
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  async function upload() {
    const file = pendingFile || (fileInput.files && fileInput.files[0]);
    const alt = altInput.value.trim();
    if (!file) { fail(root.dataset.noFileMessage); fileInput.focus(); return; }
    if (!alt) { fail(root.dataset.noAltMessage); altInput.focus(); return; }
    const data = new FormData();
    data.append("image", file, file.name || "pasted.png");
    data.append("alt", alt);
    uploadButton.disabled = true;
    status.textContent = root.dataset.uploadingMessage;
    try {
      const answer = await postJSON(root.dataset.uploadUrl, data, form);
      dialog.close();
      insertAtCursor(textarea, answer.markdown, cursor);
      status.textContent = "";
    } catch (problem) {
      status.textContent = "";
      fail(problem.message);
    } finally {
      uploadButton.disabled = false;
    }
  }

  root.querySelector("[data-editor-image]").addEventListener("click", () => open(null));
  uploadButton.addEventListener("click", upload);
  root.querySelector("[data-editor-image-cancel]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => textarea.focus());
  altInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); upload(); }  // never submit the article form
  });

  function imageFrom(list) {
    return Array.from(list || []).find((item) => /^image\//.test(item.type));
  }
  textarea.addEventListener("paste", (event) => {
    const file = imageFrom(event.clipboardData && event.clipboardData.files);
    if (file) { event.preventDefault(); open(file); }
  });
  textarea.addEventListener("dragover", (event) => {
    if (imageFrom(event.dataTransfer && event.dataTransfer.items)) { event.preventDefault(); }
  });
  textarea.addEventListener("drop", (event) => {
    const file = imageFrom(event.dataTransfer && event.dataTransfer.files);
    if (file) { event.preventDefault(); open(file); }
  });
}

function setupUnsavedWarning(root, form) {
  const snapshot = () => new URLSearchParams(
    Array.from(new FormData(form)).filter(([name, value]) => name !== "csrf_token" && typeof value === "string"),
  ).toString();
  const saved = snapshot();
  let submitting = false;
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("pageshow", (event) => { if (event.persisted) { submitting = false; } });
  window.addEventListener("beforeunload", (event) => {
    if (submitting || snapshot() === saved) { return; }
    event.preventDefault();
    event.returnValue = root.dataset.unsavedMessage;  // browsers show their own wording
  });
}

function init(root) {
  const textarea = document.getElementById(root.dataset.source);
  if (!textarea || !textarea.form) { return; }
  const form = textarea.form;
  root.hidden = false;
  const previewButton = form.querySelector("button[name=action][value=preview]");
  if (previewButton) { previewButton.hidden = true; }  // the live preview replaces the round trip
  // every part finds its elements inside root before the layout moves some out
  const preview = setupPreview(root, textarea, form);
  setupShortcuts(root, textarea);
  setupImages(root, textarea, form);
  setupUnsavedWarning(root, form);
  setupLayout(root, textarea, preview);
}

document.querySelectorAll("[data-live-editor]").forEach(init);

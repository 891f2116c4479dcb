/*
 * Status widget: a small status pill for any web page.
 *
 *   <div data-portal-status></div>
 *   <script src="https://help.example.com/status/widget.js" async></script>
 *
 * Fetches /api/v2/summary.json from the portal that served this script (CORS
 * is open on that API) and renders a link with the overall status into every
 * element with the data-portal-status attribute (or after the script tag).
 * No cookies, no globals, no dependencies.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, document.baseURI);
  var origin = base.origin;
  var colors = { none: "#0f7b3f", minor: "#8a5a00", major: "#b54708", critical: "#b42318", maintenance: "#1f5fbf" };

  function pill(target, summary) {
    var status = summary.status || { indicator: "none", description: "" };
    var link = document.createElement("a");
    link.href = (summary.page && summary.page.url) || origin + "/status";
    link.rel = "noopener";
    link.setAttribute("aria-label", "Service status: " + status.description);
    link.style.cssText = "display:inline-flex;align-items:center;gap:.4em;padding:.2em .7em;border-radius:999px;" +
      "border:1px solid #d9dee8;background:#fff;color:#1d2330;font:500 14px/1.4 system-ui,sans-serif;text-decoration:none";
    var dot = document.createElement("span");
    dot.setAttribute("aria-hidden", "true");
    dot.style.cssText = "width:.7em;height:.7em;border-radius:50%;background:" + (colors[status.indicator] || colors.none);
    var text = document.createElement("span");
    text.textContent = status.description;
    link.appendChild(dot);
    link.appendChild(text);
    var incidents = summary.incidents || [];
    if (incidents.length) {
      link.title = incidents.map(function (i) { return i.name; }).join("\n");
    }
    target.textContent = "";
    target.appendChild(link);
  }

  function targets() {
    var found = document.querySelectorAll("[data-portal-status]");
    if (found.length) { return Array.prototype.slice.call(found); }
    var holder = document.createElement("span");
    script.parentNode.insertBefore(holder, script.nextSibling);
    return [holder];
  }

  fetch(origin + "/api/v2/summary.json", { credentials: "omit" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (summary) { targets().forEach(function (t) { pill(t, summary); }); })
    .catch(function () { /* the host page keeps working without the pill */ });
})();

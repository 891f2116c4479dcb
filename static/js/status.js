/*
 * Status page enhancements (the page works without them):
 * - reloads the page when the status changes (polls /api/v2/status.json with
 *   its ETag every 60 s, so an unchanged status costs a 304);
 * - a "Copy" button for the widget snippet;
 * - uptime day panels (<details>): open on hover too, one at a time, Escape closes.
 */
(function () {
  "use strict";
  var headline = document.querySelector("[data-status-indicator]");
  if (headline && window.fetch) {
    var etag = null;
    var poll = function () {
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch("/api/v2/status.json", { headers: headers, credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 304 || !response.ok) { return null; }
          var previous = etag;
          etag = response.headers.get("ETag");
          if (previous && etag !== previous && !document.querySelector("form :focus")) {
            window.location.reload();
          }
          return null;
        })
        .catch(function () { /* offline: try again next time */ });
    };
    poll();
    window.setInterval(poll, 60000);
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
      });
    });
  });
  var days = document.querySelectorAll("details.uptime-day");
  var closeOthers = function (keep) {
    days.forEach(function (other) { if (other !== keep && other.open) { other.open = false; } });
  };
  days.forEach(function (day) {
    day.addEventListener("toggle", function () { if (day.open) { closeOthers(day); } });
    day.addEventListener("mouseenter", function () {
      if (!day.open) { day.open = true; day.dataset.hover = "1"; }
    });
    day.addEventListener("mouseleave", function () {
      if (day.dataset.hover) { day.open = false; delete day.dataset.hover; }
    });
    // a click on a bar that hover opened pins it open (instead of toggling it shut)
    day.querySelector("summary").addEventListener("click", function (event) {
      if (day.dataset.hover) { event.preventDefault(); delete day.dataset.hover; }
    });
    day.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && day.open) {
        day.open = false;
        day.querySelector("summary").focus();
      }
    });
  });
})();

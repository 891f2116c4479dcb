/* Which search results and suggestions get opened: a tiny, cookie-free beacon.
 *
 * A click on a result of the search page (.search-results a) or on an
 * as-you-type suggestion (.search-suggestions a, also when chosen with Enter)
 * sends {query, locale, source} to POST /api/v1/search-clicks, without
 * cookies (credentials: "omit") and without anything about the reader.
 * Writers see "searches whose results nobody opened" on /staff/insights.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var url = (script && script.getAttribute("data-url")) || "/api/v1/search-clicks";

  function locale() {
    return document.documentElement.getAttribute("lang") || "";
  }

  function send(query, source) {
    if (!query || !query.trim() || !window.fetch) { return; }
    try {
      fetch(url, {
        method: "POST",
        keepalive: true,  // survives the navigation the click starts
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query: query.slice(0, 1000), locale: locale(), source: source })
      }).catch(function () { /* a lost count is not worth bothering the reader */ });
    } catch (e) { /* very old browser: no count */ }
  }

  function pageQuery() {
    return new URLSearchParams(window.location.search).get("q") || "";
  }

  function typedQuery(element) {
    var form = element.closest("form");
    var input = form && form.querySelector("input[name=q]");
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link) { return; }
    if (link.closest(".search-results")) {
      send(pageQuery(), "search");
    } else if (link.closest(".search-suggestions")) {
      send(typedQuery(link), "suggest");
    }
  }, true);

  // Enter on a highlighted suggestion navigates without a click
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("input[name=q]")) { return; }
    var form = event.target.closest("form");
    var chosen = form && form.querySelector(".search-suggestions [aria-selected=true] a");
    if (chosen) { send(event.target.value, "suggest"); }
  }, true);
}());

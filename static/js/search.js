/* As-you-type article suggestions for every search form with data-suggest-url
 * (the header's box on every page, the home page's and the search page's).
 *
 * Progressive enhancement: without JavaScript the form simply submits to the
 * search page. With it, a pause in typing asks /api/v1/suggest and shows the
 * best articles in an ARIA 1.2 combobox's listbox: the focus stays in the
 * input, ArrowDown/ArrowUp/Home/End move the active option
 * (aria-activedescendant), Enter opens it (or searches when none is active),
 * Escape closes the list (a second Escape clears the box), a click opens an
 * option. A polite live region says that suggestions appeared. Text from the
 * API is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var PAUSE_MS = 120;
  var MIN_CHARS = 2;
  var LIMIT = 5;

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".search-suggestions");
    if (!input || !list) { return; }
    var url = form.getAttribute("data-suggest-url");
    var locale = form.getAttribute("data-suggest-locale");
    var announcement = form.getAttribute("data-suggest-announce") || "";
    var timer = null;
    var controller = null;
    var active = -1;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    form.appendChild(live);

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) { return; }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function open(option) {
      window.location.href = option.getAttribute("data-url");
    }

    function render(articles) {
      list.textContent = "";
      if (!articles.length) { close(); live.textContent = ""; return; }
      articles.forEach(function (article, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", article.url);
        var title = document.createElement("span");
        title.className = "search-suggestion-title";
        title.textContent = article.title;
        option.appendChild(title);
        if (article.snippet) {
          var snippet = document.createElement("span");
          snippet.className = "hint";
          snippet.textContent = article.snippet;
          option.appendChild(snippet);
        }
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      live.textContent = announcement;
    }

    function fetchSuggestions() {
      var text = input.value;
      if (text.trim().length < MIN_CHARS) { close(); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var query = "?q=" + encodeURIComponent(text.slice(0, 200)) + "&limit=" + LIMIT +
        (locale ? "&locale=" + encodeURIComponent(locale) : "");
      fetch(url + query, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
        .then(function (body) {
          if (input.value === text && document.activeElement === input) { render(body.articles || []); }
        })
        .catch(function (error) { if (error.name !== "AbortError") { close(); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, PAUSE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); event.stopPropagation(); close(); }
        return;  // a second Escape: the browser clears a search box (or header.js closes it)
      }
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim().length >= MIN_CHARS) {
          event.preventDefault();
          fetchSuggestions();
        }
        return;
      }
      var count = options().length;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active < 0 ? count - 1 : active - 1); }
      else if ((event.key === "Home" || event.key === "End") && active >= 0) {
        event.preventDefault();
        highlight(event.key === "Home" ? 0 : count - 1);
      }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        open(options()[active]);
      }
      else if (event.key === "Tab") { close(); }
    });
    // mousedown, not click: the input would lose focus (and close the list) first
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { event.preventDefault(); open(option); }
    });
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { highlight(Array.prototype.indexOf.call(options(), option)); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function start() { document.querySelectorAll("form[data-suggest-url]").forEach(setup); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());

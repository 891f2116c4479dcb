/* As-you-type article suggestions for every search form with data-suggest-url.
 *
 * Progressive enhancement: without JavaScript the form simply submits to the
 * search page. With it, a pause in typing asks /api/v1/suggest and shows the
 * best articles in an ARIA listbox (arrow keys move, Enter opens, Escape
 * closes). Text from the API is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var PAUSE_MS = 120;
  var MIN_CHARS = 2;

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".search-suggestions");
    if (!input || !list) { return; }
    var url = form.getAttribute("data-suggest-url");
    var locale = form.getAttribute("data-suggest-locale");
    var timer = null;
    var controller = null;
    var active = -1;

    function items() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = items();
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function render(articles) {
      list.textContent = "";
      if (!articles.length) { close(); return; }
      articles.forEach(function (article, i) {
        var li = document.createElement("li");
        li.id = "search-suggestion-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        link.href = article.url;
        link.tabIndex = -1;
        var title = document.createElement("strong");
        title.textContent = article.title;
        link.appendChild(title);
        if (article.snippet) {
          var snippet = document.createElement("span");
          snippet.className = "hint";
          snippet.textContent = article.snippet;
          link.appendChild(snippet);
        }
        li.appendChild(link);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function fetchSuggestions() {
      var text = input.value;
      if (text.trim().length < MIN_CHARS) { close(); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var query = "?q=" + encodeURIComponent(text.slice(0, 200)) + "&limit=5" +
        (locale ? "&locale=" + encodeURIComponent(locale) : "");
      fetch(url + query, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
        .then(function (body) { if (input.value === text) { render(body.articles || []); } })
        .catch(function (error) { if (error.name !== "AbortError") { close(); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, PAUSE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = items()[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("form[data-suggest-url]").forEach(setup);
}());

/* The site header on every page (templates/base.html).
 *
 * Loaded in <head> without defer so that the "js" class is on <html> before
 * the first paint: the stylesheet collapses the menu and (on a phone) the
 * search box only then, so without JavaScript the header simply wraps and
 * everything stays reachable.
 *
 * - The menu button is a disclosure (aria-expanded/aria-controls) for the
 *   navigation and the language switch on narrow screens; Escape or a click
 *   outside closes it.
 * - The phone's search button opens the header's search box and focuses it.
 * - "/" or Ctrl+K (Cmd+K on a Mac) focuses the search box, unless the focus
 *   is in another field (where those keys type text or are the field's own
 *   shortcuts).
 * - Tables scroll sideways when they are wider than the screen (portal.css);
 *   one that does becomes focusable, so keyboard users can scroll it too
 *   (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function isTypingField(element) {
    if (!element || element === document.body) { return false; }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  var closers = [];  // one panel open at a time: the menu or the phone's search box

  function disclosure(button, panel, onOpen) {
    function setOpen(open) {
      if (open) { closers.forEach(function (close) { if (close !== setOpen) { close(false); } }); }
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("is-open", open);
      if (open && onOpen) { onOpen(); }
    }
    closers.push(setOpen);
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" &&
          getComputedStyle(button).display !== "none") {
        setOpen(false);
        button.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (button.getAttribute("aria-expanded") === "true" &&
          !panel.contains(event.target) && !button.contains(event.target)) {
        setOpen(false);
      }
    });
    return setOpen;
  }

  function focusableWhenScrolling() {
    document.querySelectorAll("table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1 && getComputedStyle(table).overflowX !== "visible";
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && table.hasAttribute("data-scroll-focus")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-focus");
      }
    });
  }

  function start() {
    focusableWhenScrolling();
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(focusableWhenScrolling, 200);
    });
    var menuButton = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (menuButton && menu) { disclosure(menuButton, menu); }

    var form = document.getElementById("header-search");
    if (!form) { return; }
    var input = form.querySelector("input[name=q]");
    var searchButton = document.querySelector(".header-search-toggle");
    var openSearch = null;
    if (searchButton) {
      openSearch = disclosure(searchButton, form, function () { input.focus(); });
    }

    function focusSearch() {
      // on a phone the box is behind its button: open it first
      if (searchButton && getComputedStyle(searchButton).display !== "none") { openSearch(true); }
      input.focus();
      input.select();
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.altKey) { return; }
      var slash = event.key === "/" && !event.ctrlKey && !event.metaKey;
      var commandK = (event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey) && !event.shiftKey;
      if (!slash && !commandK) { return; }
      if (isTypingField(document.activeElement)) { return; }
      event.preventDefault();
      focusSearch();
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());

"""As-you-type suggestions in a real browser (static/js/search.js)."""
from __future__ import annotations

import re

import pytest

from tests.search_helpers import add_article

pytestmark = pytest.mark.browser


def test_typing_shows_suggestions_and_keyboard_opens_one(app, live_server, page):  # noqa: F811
    add_article(app, title="Een map verwijderen in Outlook", locale="nl", slug="outlook-map",
                summary="Zo verwijdert u een map en alles wat erin staat.")
    add_article(app, title="Een agenda delen", locale="nl", slug="agenda")
    page.goto(f"{live_server.url}/nl/search")
    box = page.locator("#search-q")
    box.press_sequentially("map verwij", delay=20)
    option = page.get_by_role("option").first
    option.wait_for()
    assert "Een map verwijderen in Outlook" in option.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/nl/articles/outlook-map")


def test_enter_without_choosing_a_suggestion_searches(app, live_server, page):  # noqa: F811
    add_article(app, title="Verzendlabels printen", locale="nl", slug="labels")
    page.goto(f"{live_server.url}/nl/search")
    box = page.locator("#search-q")
    box.fill("verzendlabels")
    page.get_by_role("option").first.wait_for()  # suggestions open, none chosen
    box.press("Enter")
    page.wait_for_url(re.compile(r"/nl/search\?q=verzendlabels"))
    assert page.locator(".search-result a").first.get_attribute("href") == "/nl/articles/labels"


# -- the header's search box on every page ---------------------------------------

@pytest.fixture
def outlook_article(app):
    add_article(app, title="Delete a folder in Outlook", locale="en", slug="outlook-folder",
                summary="How to delete a folder and everything in it.")
    add_article(app, title="Share a calendar", locale="en", slug="calendar")
    return "/en/articles/outlook-folder"


@pytest.mark.parametrize("start", ["/en/articles/calendar", "/status", "/en/contact/"])
def test_header_search_suggests_and_the_keyboard_opens_one(app, live_server, page, outlook_article, start):  # noqa: F811
    page.goto(live_server.url + start)
    box = page.get_by_role("combobox", name="Search the help center")
    box.press_sequentially("delete fol", delay=20)
    option = page.get_by_role("option", name="Delete a folder in Outlook")
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    box.press("Enter")
    page.wait_for_url(f"**{outlook_article}")
    assert page.locator("h1").first.inner_text() == "Delete a folder in Outlook"


def test_slash_and_ctrl_k_focus_the_header_search_but_not_inside_a_field(app, live_server, page):  # noqa: F811
    page.goto(f"{live_server.url}/en/contact/technical")
    box = page.locator("#header-search-q")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "header-search-q"
    assert box.input_value() == ""  # the slash was not typed into it
    page.locator("#header-search-q").blur()
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "header-search-q"
    field = page.locator("main textarea").first
    field.click()
    page.keyboard.press("/")
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    assert field.input_value() == "/"


def test_escape_closes_the_suggestions_and_tab_leaves(app, live_server, page, outlook_article):  # noqa: F811
    page.goto(f"{live_server.url}/en/welcome")
    box = page.locator("#header-search-q")
    box.press_sequentially("outlook", delay=20)
    page.get_by_role("option").first.wait_for()
    box.press("Escape")
    assert page.locator("#header-search-suggestions").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "outlook"


def test_phone_header_is_one_row_with_menu_and_search_buttons(app, browser, live_server, outlook_article):  # noqa: F811
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/en/articles/calendar")
        header = page.locator(".site-header .header-inner").bounding_box()
        assert header["height"] < 80  # one row, not 2-3
        menu_button = page.get_by_role("button", name="Menu")
        assert page.get_by_role("link", name="Getting started").is_hidden()
        menu_button.click()
        assert menu_button.get_attribute("aria-expanded") == "true"
        assert page.get_by_role("link", name="Getting started").is_visible()
        page.get_by_role("link", name="Getting started").focus()
        page.keyboard.press("Escape")  # closes the menu and gives the focus back to its button
        assert menu_button.get_attribute("aria-expanded") == "false"
        assert page.get_by_role("link", name="Getting started").is_hidden()
        assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
        box = page.locator("#header-search-q")
        assert box.is_hidden()
        page.get_by_role("button", name="Search", exact=True).first.click()
        assert box.is_visible() and page.evaluate("document.activeElement.id") == "header-search-q"
        box.press_sequentially("delete fol", delay=20)
        page.get_by_role("option", name="Delete a folder in Outlook").wait_for()
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_url(f"**{outlook_article}")
    finally:
        context.close()


def test_header_search_without_javascript_is_a_plain_form(app, browser, live_server, outlook_article):  # noqa: F811
    context = browser.new_context(locale="en-US", java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/status")
        assert page.get_by_role("link", name="Getting started").is_visible()  # no menu to open
        box = page.locator("#header-search-q")
        box.fill("outlook folder")
        box.press("Enter")
        page.wait_for_url("**/en/search?q=outlook+folder")
        assert page.locator(".search-result a").first.get_attribute("href") == outlook_article
    finally:
        context.close()

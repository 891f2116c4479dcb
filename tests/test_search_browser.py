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
    box = page.get_by_role("combobox")
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
    box = page.get_by_role("combobox")
    box.fill("verzendlabels")
    page.get_by_role("option").first.wait_for()  # suggestions open, none chosen
    box.press("Enter")
    page.wait_for_url(re.compile(r"/nl/search\?q=verzendlabels"))
    assert page.locator(".search-result a").first.get_attribute("href") == "/nl/articles/labels"

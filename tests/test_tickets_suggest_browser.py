"""The ticket form's suggestions in a real Chromium while a long description is typed slowly."""
from __future__ import annotations

import re

import pytest

from tests.search_helpers import add_article

pytestmark = pytest.mark.browser

FIRST_SENTENCE = "Hello, yesterday the checkout showed a payment error for one customer. "
MIDDLE = ("I am not sure whether it is related, we changed a few settings last week and I hope you can "
          "help me understand what is going on, because our team is small and we are busy. ")
LATER = ("But the real problem today is different: exporting the invoice as PDF fails with error E4021. "
         "Every invoice export fails, and the PDF file stays empty for all invoices.")


@pytest.fixture
def shop_articles(app):
    add_article(app, slug="checkout-error", title="Checkout shows a payment error",
                body="If the checkout shows a payment error after clicking pay, reconnect the payment provider.")
    add_article(app, slug="invoice-export", title="Invoice PDF export fails",
                body="When exporting invoices as PDF fails with error E4021, renew the invoice template.")
    add_article(app, slug="stock-sync", title="Stock levels stopped updating",
                body="When stock levels stop updating, check the sync schedule.")


def _first_suggestion(page):
    return page.locator("#ticket-suggestions [data-suggestion-list] a").first


def _open_form(page, live_server, width=1280, height=900):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/en/contact/technical")
    requests = []
    page.on("request", lambda request: requests.append(request) if "/api/v1/suggest" in request.url else None)
    return requests


def test_suggestions_follow_a_long_description_as_it_grows(app, shop_articles, live_server, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests = _open_form(page, live_server)
    page.get_by_label("Subject").fill("Help needed")
    description = page.get_by_label("What happens?")
    description.click()
    description.press_sequentially(FIRST_SENTENCE, delay=8)
    first = _first_suggestion(page)
    page.wait_for_function(
        "() => (document.querySelector('#ticket-suggestions [data-suggestion-list] a') || {}).textContent"
        "?.startsWith('Checkout shows a payment error')")
    # keep typing, in steps, well past the old 200-character freeze
    for _ in range(3):
        description.press_sequentially(MIDDLE, delay=2)
    description.press_sequentially(LATER, delay=8)
    typed = description.input_value()
    assert len(typed) > 600
    page.wait_for_function(
        "() => (document.querySelector('#ticket-suggestions [data-suggestion-list] a') || {}).textContent"
        "?.startsWith('Invoice PDF export fails')")
    assert re.match("Invoice PDF export fails", first.inner_text())

    posted = [request for request in requests if request.method == "POST"]
    assert len(posted) >= 4  # it kept asking as the text grew
    last_body = posted[-1].post_data_json
    assert last_body["subject"] == "Help needed" and len(last_body["description"]) > 600

    # beside the form and in view while typing at the end of the long description
    panel = page.locator("#ticket-suggestions [data-suggestion-panel]")
    assert page.locator("[data-suggestion-aside] #ticket-suggestions").count() == 1
    box = panel.bounding_box()
    assert box is not None and 0 <= box["y"] < 900 and box["x"] > description.bounding_box()["x"]
    assert errors == []


def test_on_a_phone_the_panel_is_right_under_the_field_being_typed(app, shop_articles, live_server, page):
    _open_form(page, live_server, width=390, height=844)
    page.get_by_label("Subject").press_sequentially("checkout payment", delay=10)
    _first_suggestion(page).wait_for()
    placed_after = "() => document.getElementById('ticket-suggestions').previousElementSibling.id"
    assert page.evaluate(placed_after) == "row-subject"
    description = page.get_by_label("What happens?")
    description.click()
    description.press_sequentially("Exporting the invoice as PDF fails with error E4021", delay=10)
    page.locator("#ticket-suggestions [data-suggestion-list] a", has_text="Invoice PDF export fails").wait_for()
    assert page.evaluate(placed_after) == "row-description"
    panel = page.locator("#ticket-suggestions [data-suggestion-panel]").bounding_box()
    field = description.bounding_box()
    assert panel["y"] >= field["y"] + field["height"] - 1


def test_this_solved_my_problem_teaches_suggest(app, shop_articles, live_server, page):
    from sqlalchemy import select

    from portal.db import session
    from portal.search.models import LearnedArticleSignal

    _open_form(page, live_server)
    page.get_by_label("Subject").press_sequentially("invoice export", delay=10)
    suggestion = page.locator("#ticket-suggestions [data-suggestion-list] li", has_text="Invoice PDF export fails")
    suggestion.wait_for()
    with page.expect_request(lambda request: "/contact/events" in request.url
                             and (request.post_data_json or {}).get("event") == "solved") as sent:
        suggestion.get_by_role("button", name="This solved my problem").click()
    assert sent.value.post_data_json["query"] == "invoice export"
    page.get_by_text("Great, glad that helped!").wait_for()
    with app.app_context():
        from portal.search import learning

        with app.test_request_context("/"):
            expected = set(learning.terms("invoice export", "en"))
        # the event is sent with keepalive; give the server a moment. Wait for every
        # term: the test's session may share the server's connection (SQLite in
        # tests) and see the first of its rows before the event's commit.
        for _ in range(50):
            learned = set(session.execute(select(LearnedArticleSignal.article_slug, LearnedArticleSignal.term)))
            if {term for _slug, term in learned} == expected:
                break
            session.rollback()
            page.wait_for_timeout(100)
    assert {slug for slug, _term in learned} == {"invoice-export"}
    assert expected and {term for _slug, term in learned} == expected

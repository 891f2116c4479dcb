"""Known incidents in suggestions: only active ones, only when the text is about them, best first."""
from __future__ import annotations

import pytest

from portal.status import services
from tests.search_helpers import add_article

LONG_UNRELATED = ("Hello, when I open the settings page and then go back to the dashboard, the numbers "
                  "are not what I expect and there is no way to change the currency of my reports. ") * 8


@pytest.fixture
def incidents(app):
    with app.app_context():
        shipping = services.create_group("Shipping", position=1)
        payments = services.create_group("Payments", position=2)
        services.create_component("Label printing", "labels", group=shipping)
        services.create_component("DHL", "dhl", group=shipping)
        services.create_component("Card payments", "cards", group=payments)
        services.create_component("Search", "search")
        labels = services.create_incident("Carrier labels fail", impact="major", components={"dhl": "major_outage"},
                                          body="Printing a label times out for DHL shipments.")
        cards = services.create_incident("Slow checkout", impact="minor", components={"cards": "degraded_performance"},
                                         body="Card payments are slower than usual.")
        old = services.create_incident("Search index rebuild", impact="minor", components={"search": "degraded_performance"},
                                       body="Search results may be incomplete.")
        services.resolve(old, "Search is back to normal.")
        return {"labels": labels.public_id, "cards": cards.public_id, "old": old.public_id}


def _found(app, text, locale="en"):
    provider = app.extensions["portal.suggest_providers"]["incidents"]
    with app.test_request_context("/"):
        return [item["id"] for item in provider(text, locale, 5)]


def test_component_group_and_incident_words_match(app, incidents):
    assert _found(app, "dhl") == [incidents["labels"]]                  # component name
    assert _found(app, "problem with shipping") == [incidents["labels"]]  # group name
    assert _found(app, "my card payment is slow") == [incidents["cards"]]
    assert _found(app, "checko") == [incidents["cards"]]                # half-typed incident name word
    assert _found(app, "dhl carrier labels and a card") == [incidents["labels"], incidents["cards"]]


def test_resolved_unrelated_and_filler_never_match(app, incidents):
    assert _found(app, "search results incomplete") == []  # resolved
    assert _found(app, "how do i change my password") == []
    assert _found(app, LONG_UNRELATED) == []  # a long description of something else
    assert _found(app, "") == []


def test_one_shared_word_of_an_update_is_not_enough(app, incidents):
    assert _found(app, "usual") == []
    assert _found(app, "it times out printing") == [incidents["labels"]]


def test_suggest_shows_the_incident_above_articles(app, client, incidents):
    add_article(app, slug="print-labels", title="Print shipping labels", body="How to print a DHL label.")
    body = client.post("/api/v1/suggest", json={"subject": "DHL labels", "description": "They fail since this morning",
                                                "locale": "en"}).get_json()
    assert [item["id"] for item in body["incidents"]] == [incidents["labels"]]
    assert body["articles"][0]["slug"] == "print-labels"


def test_search_page_shows_a_matching_active_incident_first(app, client, incidents):
    add_article(app, slug="print-labels", title="Print shipping labels", body="How to print a DHL label.")
    html = client.get("/en/search?q=dhl+label").get_data(as_text=True)
    assert "Carrier labels fail" in html
    assert html.index("Carrier labels fail", html.index("<main")) < html.index("Print shipping labels")
    assert "Search index rebuild" not in client.get("/en/search?q=search+index").get_data(as_text=True)

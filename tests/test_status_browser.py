"""In Chromium: the incident banner on a help-center article, gone after the incident is resolved."""
from __future__ import annotations

import pytest

from portal import db
from portal.status import queries, services

pytestmark = pytest.mark.browser


@pytest.fixture
def article_slug(app):
    if "kb.article" not in app.view_functions:
        pytest.skip("the kb domain's article page is not registered yet")
    from portal.kb.models import Article

    with app.app_context():
        db.session.add(Article(slug="printing-labels", locale="en", title="Printing shipping labels",
                               body_md="Choose a printer.", body_html="<p>Choose a printer.</p>",
                               body_text="Choose a printer."))
        db.session.commit()
    return "printing-labels"


def test_banner_on_article_during_incident_and_gone_after_resolve(app, live_server, page, article_slug):  # noqa: F811
    with app.app_context():
        services.create_component("Label printing", "labels")
        incident = services.create_incident("Labels print blank pages", impact="major",
                                            components={"labels": "partial_outage"}, body="Investigating")
        public_id = incident.public_id
    page.goto(f"{live_server.url}/en/articles/{article_slug}")
    banner = page.locator(".status-banner")
    assert banner.is_visible()
    assert "Labels print blank pages" in banner.inner_text()
    page.locator(".status-banner a").click()
    page.wait_for_url(f"**/status/incidents/{public_id}")
    assert page.locator("h1").inner_text() == "Labels print blank pages"
    with app.app_context():
        services.resolve(queries.incident_by_public_id(public_id), "Fixed")
    page.goto(f"{live_server.url}/en/articles/{article_slug}")
    page.reload()
    assert page.locator(".status-banner").count() == 0
    assert page.locator("h1").first.inner_text() == "Printing shipping labels"


def test_status_page_in_a_browser_shows_bars_with_tooltips(app, live_server, page):  # noqa: F811
    with app.app_context():
        services.create_component("API", "api")
        services.create_incident("API slow", components={"api": "degraded_performance"})
    page.goto(f"{live_server.url}/en/status")
    assert page.locator(".status-headline-text").inner_text().strip() == "Minor service disruption"
    bars = page.locator(".uptime-bar")
    assert bars.count() == 90
    assert "%" in bars.last.locator("summary").get_attribute("title")
    assert page.locator(".status-banner").is_visible()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.reload()
    assert errors == []

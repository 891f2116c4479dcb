"""axe-core on every public page (in English and Dutch) and every staff page,
at a desktop and a phone viewport: no violation of axe's default rules
(WCAG 2.x A/AA and best practices), and no request a page makes fails
(no favicon 404).

The site is the sample content `make run` serves (articles/ and incidents/),
plus an open incident so the banner is checked too.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal import content, db
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def sample_site(app, staff):
    """The sample help center and status page, and an admin; returns the ids pages need."""
    from portal.kb.models import Article
    from portal.status import services as status_services
    from portal.status.models import Incident

    with app.app_context():
        report = content.import_paths([ROOT / "articles", ROOT / "incidents"])
        assert report.failed == []
        status_services.create_incident("Label printing is slow", impact="minor", body="We are investigating.")
        article = db.session.scalars(select(Article).where(Article.locale == "en").order_by(Article.id)).first()
        incident = db.session.scalars(select(Incident).order_by(Incident.id)).first()
        category_slug = article.category_slug
        ids = {"article_id": article.id, "article_slug": article.slug, "category": category_slug,
               "incident": incident.public_id, **_support_loop()}
        # the SMS sign-up form on /subscriptions/ and the code page (nothing is sent: no worker runs)
        from portal.status import channels
        from portal.status import subscriber_links

        app.config["SMS_PROVIDER"] = "twilio"
        texter = channels.subscribe_sms(db.session, "+31 6 87654321")
        db.session.commit()
        ids["sms_verify"] = f"/subscriptions/sms/verify/{subscriber_links.make_token(texter, subscriber_links.PURPOSE_CONFIRM)}"
    ids["admin"] = staff("admin")
    return ids


def _support_loop() -> dict:
    """An answered suggestion: an idea, a rating link and figures on the support pages."""
    from datetime import timedelta

    from portal.db import utcnow
    from portal.support import ratings
    from portal.support import services as support_services
    from portal.support.models import Idea, Rating
    from portal.tickets.models import Ticket

    ticket = Ticket(reference="T-2026-000777", public_token="a11y-ticket", form_slug="suggestion", locale="en",
                    email="customer@example.com", subject="Dark mode", created_at=utcnow() - timedelta(days=1))
    db.session.add(ticket)
    db.session.flush()
    support_services.on_ticket_created(session=db.session, ticket=ticket)
    support_services.record_event(db.session, ticket.reference, "answered", agent="Anna")
    db.session.commit()
    rating = db.session.scalars(select(Rating)).one()
    ratings.record(db.session, rating, "poor", "Too slow.")
    return {"ticket": ticket.reference, "idea": db.session.scalars(select(Idea)).one().id,
            "rating_token": ratings.make_token(rating)}


def _public_pages(lang: str, site: dict) -> list[str]:
    return [
        f"/{lang}/",
        f"/{lang}/categories/{site['category']}",
        f"/{lang}/articles/{site['article_slug']}",
        f"/{lang}/search?q=printer",
        f"/{lang}/search?q=qwxzv",  # nothing found
        f"/{lang}/welcome",
        f"/{lang}/contact/",
        f"/{lang}/contact/technical",
        f"/{lang}/status",
        f"/{lang}/status/incidents/{site['incident']}",
        f"/{lang}/status/history",
        "/subscriptions/",
        f"/{lang}/rate/{site['rating_token']}",
        site["sms_verify"],
    ]


def _staff_pages(site: dict) -> list[str]:
    return [
        "/staff/",
        "/staff/articles/",
        "/staff/articles/new",
        f"/staff/articles/{site['article_id']}/edit",
        f"/staff/articles/{site['article_id']}/revisions",
        f"/staff/articles/{site['article_id']}/diff",
        "/staff/articles/redirects",
        "/staff/feedback/",
        "/staff/insights/",
        "/staff/search/synonyms",
        "/staff/status/",
        "/staff/status/incidents/new",
        "/staff/status/templates",
        "/staff/status/templates/new",
        "/staff/status/maintenance/new",
        "/staff/broadcast/",
        "/staff/tickets/",
        "/staff/search/",
        "/staff/tokens",
        "/staff/password",
        "/staff/support/",
        "/staff/support/happiness",
        "/staff/support/volume",
        "/staff/support/ideas/",
        f"/staff/support/ideas/{site['idea']}",
        f"/staff/support/tickets/{site['ticket']}",
    ]


def _describe(path: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{path}: {violation['rule']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_no_axe_violations_on_any_page(sample_site, live_server, browser, axe, viewport):
    context = browser.new_context(locale="en-US", timezone_id="Europe/Amsterdam", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    failed_requests = []  # e.g. a favicon 404: every resource a page asks for must exist
    page.on("response", lambda r: failed_requests.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def check(path: str | None, label: str | None = None) -> None:
        if path is not None:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{path} answered {response.status}"
        violations = axe(page)
        if violations:
            problems.append(_describe(label or path, violations))

    try:
        for lang in ("en", "nl"):
            page.goto(f"{live_server.url}/language/{lang}?next=/{lang}/")  # the status page follows it
            for path in _public_pages(lang, sample_site):
                check(path)
        # the open states: the phone's menu, the header's suggestions
        page.goto(f"{live_server.url}/en/articles/{sample_site['article_slug']}")
        if viewport == "phone":
            page.click(".menu-toggle")
            check(None, "article page, menu open")
            page.click(".menu-toggle")
            page.click(".header-search-toggle")
        page.locator("#header-search-q").press_sequentially("printer", delay=20)
        page.get_by_role("option").first.wait_for()
        page.keyboard.press("ArrowDown")
        check(None, "article page, suggestions open")
        # a failed sign-in marks its fields invalid
        page.goto(f"{live_server.url}/staff/login")
        page.fill("#email", "nobody@staff.test")
        page.fill("#password", "wrong password")
        page.click("form[action$='/staff/login'] button[type=submit]")
        check(None, "/staff/login after a failed sign-in")
        check("/staff/login")
        page.fill("#email", sample_site["admin"].email)
        page.fill("#password", STAFF_PASSWORD)
        page.click("form[action$='/staff/login'] button[type=submit]")
        page.wait_for_url("**/staff/")
        for path in _staff_pages(sample_site):
            check(path)
    finally:
        context.close()
    assert not problems, "axe-core found violations:\n" + "\n".join(problems)
    # the failed sign-in answers 200 with errors; nothing else may fail either
    assert failed_requests == []

"""Writers' tools in a real browser: "Did this help?" answered in place with a
follow-up comment, and the editor's live preview, shortcuts, image upload and
unsaved-changes warning."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.db import session
from portal.kb import services
from portal.kb.models import Article, ArticleFeedback
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def article(app):
    with app.app_context():
        services.save_article(slug="print-labels", locale="en", title="Print labels", body_md="Press **Print**.")
    return app


def test_feedback_okay_with_a_comment_leaves_no_button_behind(article, live_server, page):
    page.goto(f"{live_server.url}/en/articles/print-labels")
    section = page.locator("#feedback")
    section.get_by_role("button", name="Okay").click()
    comment = section.get_by_label("Anything we could do better?")
    comment.wait_for(state="visible")
    assert section.get_by_role("button", name="Okay").get_attribute("aria-pressed") == "true"
    with article.app_context():  # the choice is recorded before any comment
        assert [(r.rating, r.comment) for r in session.scalars(select(ArticleFeedback))] == [("okay", None)]
    comment.fill("The printer list is missing Zebra.")
    section.get_by_role("button", name="Send comment").click()
    section.get_by_role("status").filter(has_text="Thank you for your feedback").wait_for()
    assert section.locator("button:visible").count() == 0  # nothing orphaned to click again
    assert page.url.endswith("/en/articles/print-labels")  # no reload
    with article.app_context():
        assert [(r.rating, r.comment) for r in session.scalars(select(ArticleFeedback))] == [
            ("okay", "The printer list is missing Zebra.")]


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/**")


def png_file() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), (10, 120, 200)).save(out, "PNG")
    return {"name": "dialog.png", "mimeType": "image/png", "buffer": out.getvalue()}


def test_editor_live_preview_shortcuts_image_and_unsaved_warning(article, live_server, page, staff):
    _sign_in(page, live_server, staff("writer"))
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"{live_server.url}/staff/articles/new")
    page.fill("#title", "Print labels on a Zebra")
    page.fill("#slug", "zebra-labels")
    body = page.locator("#body")
    body.fill("## Choose the printer\n\nSelect it in the list.\n\nvery important")
    preview = page.locator("[data-editor-preview-body]")
    preview.locator("h2", has_text="Choose the printer").wait_for()
    assert page.locator("[data-editor-preview-title]").inner_text() == "Print labels on a Zebra"
    assert page.locator("button[name=action][value=preview]").is_hidden()  # live preview replaces it

    body.evaluate("el => el.setSelectionRange(el.value.length - 'important'.length, el.value.length)")
    body.press("Control+b")
    assert body.input_value().endswith("very **important**")
    preview.locator("strong", has_text="important").wait_for()
    body.evaluate("el => el.setSelectionRange(el.value.indexOf('Select'), el.value.indexOf('Select'))")
    body.press("Control+Alt+3")
    assert "### Select it in the list." in body.input_value()

    body.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    page.get_by_role("button", name="Insert image").click()
    dialog = page.locator("[data-editor-image-dialog]")
    page.set_input_files("[data-editor-image-file]", png_file())
    dialog.get_by_role("button", name="Upload and insert").click()
    assert dialog.locator("[data-editor-image-error]").is_visible()  # the alt text is required
    page.fill("[data-editor-image-alt]", "The Zebra print dialog")
    dialog.get_by_role("button", name="Upload and insert").click()
    preview.locator("img[alt='The Zebra print dialog']").wait_for()
    assert "![The Zebra print dialog](/media/kb/" in body.input_value()

    shown = []
    page.on("dialog", lambda d: (shown.append(d.type), d.dismiss()))
    page.evaluate("window.location.href = '/staff/'")
    page.wait_for_timeout(300)
    assert shown == ["beforeunload"] and page.url.endswith("/staff/articles/new")

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/edit")
    assert shown == ["beforeunload"]  # saving is not leaving
    assert errors == []
    with article.app_context():
        saved = session.scalar(select(Article).where(Article.slug == "zebra-labels"))
        assert "very **important**" in saved.body_md and '<img alt="The Zebra print dialog"' in saved.body_html.replace(
            'loading="lazy" ', "")


def test_editor_shows_tabs_on_a_phone(article, live_server, page, staff):
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, staff("writer"))
    page.goto(f"{live_server.url}/staff/articles/new")
    page.fill("#body", "## On a phone")
    assert page.locator("#body").is_visible() and page.locator("[data-editor-preview]").is_hidden()
    page.get_by_role("tab", name="Preview").click()
    page.locator("[data-editor-preview-body] h2", has_text="On a phone").wait_for()
    assert page.locator("#body").is_hidden()
    page.get_by_role("tab", name="Write").click()
    assert page.locator("#body").is_visible()


def test_opening_a_search_result_is_counted_without_cookies(article, live_server, page):
    from portal.insights.models import SearchDaily

    page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/en/search?q=print+labels")
    assert "lang=en" in page.evaluate("document.cookie")  # the browser has a cookie it could send
    requests = []
    page.on("request", lambda request: requests.append(request) if "search-clicks" in request.url else None)
    page.locator(".search-results a").first.click()
    page.wait_for_url("**/en/articles/print-labels")
    page.wait_for_timeout(300)
    assert requests and "cookie" not in {name.lower() for name in requests[0].all_headers()}
    with article.app_context():
        assert [(r.query, r.searches, r.clicks) for r in session.scalars(select(SearchDaily))] == [
            ("print labels", 1, 1)]

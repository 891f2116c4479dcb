import pytest
from portal.kb import services
from tests.test_kb_writers_browser import sign_in, click_and_wait

pytestmark = pytest.mark.browser

def test_shots(app, live_server, browser, staff):
    with app.app_context():
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="## Steps\n\nOpen **Returns** and print the label.\n\n| a | b |\n|---|---|\n| 1 | 2 |", category="shipping", tags=["returns"], questions=["How do I return?"], author="someone@staff.test")
        nl, _ = services.save_article(slug="return-labels", locale="nl", title="Retourlabels", body_md="## Stappen\n\nOpen **Retouren**.", category="shipping", author="x")
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="## Steps\n\nOpen **Orders** and then print the label.\n\nNew paragraph here.", category="shipping", author="other@staff.test", note="menu moved")
        services.save_article(slug="return-labels", locale="en", title="Return labels", body_md="Draft text", category="shipping", status="draft", author="other@staff.test")
        nl_id = nl.id
    user = staff("writer")
    for name, viewport, locale in [("desk", {"width": 1300, "height": 1000}, "en-US"), ("phone", {"width": 390, "height": 844}, "en-US"), ("nl", {"width": 1300, "height": 1000}, "nl-NL")]:
        ctx = browser.new_context(viewport=viewport, locale=locale)
        page = ctx.new_page()
        sign_in(page, live_server.url, user)
        if locale.startswith("nl"):
            page.goto(f"{live_server.url}/language/nl?next=/staff/articles/")
        page.goto(f"{live_server.url}/staff/articles/{nl_id}/edit")
        page.screenshot(path=f"/tmp/h6_edit_{name}.png", full_page=True)
        page.goto(f"{live_server.url}/staff/articles/1/diff?a=1")
        page.screenshot(path=f"/tmp/h6_diff_{name}.png", full_page=True)
        page.goto(f"{live_server.url}/staff/articles/?")
        page.screenshot(path=f"/tmp/h6_list_{name}.png", full_page=True)
        page.goto(f"{live_server.url}/staff/articles/1/revisions")
        page.screenshot(path=f"/tmp/h6_rev_{name}.png", full_page=True)
        ctx.close()

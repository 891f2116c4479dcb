"""The status page for customers: their language (URLs, switcher, numbers) and
uptime day bars that open a panel with the day's incidents (issue 16, items 7-8)."""
from __future__ import annotations

import re

import pytest

from portal.status import services


@pytest.fixture
def outage(app):
    with app.app_context():
        services.create_component("API", "api", description="The REST API")
        found = services.create_incident("API down", impact="major", components={"api": "major_outage"},
                                         body="Looking into it")
        return found.public_id


def test_dutch_page_formats_percentages_the_dutch_way(client, outage):
    html = client.get("/nl/status").get_data(as_text=True)
    assert re.search(r"\d+,\d\d %", html), "decimal comma in Dutch"
    english = client.get("/en/status").get_data(as_text=True)
    assert re.search(r"\d+\.\d\d %", english)
    assert not re.search(r"\d+,\d\d %", english)


def test_language_follows_the_page_the_customer_came_from(client, outage):
    response = client.get("/status", headers={"Referer": "http://localhost/de/welcome"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/de/status")
    # the banner and footer of a Polish page link to the Polish status page
    html = client.get("/pl/").get_data(as_text=True)
    assert 'href="/pl/status"' in html and f"/pl/status/incidents/{outage}" in html
    # the switcher keeps the status page
    switched = client.get("/language/sv?next=/pl/status")
    assert switched.headers["Location"].endswith("/sv/status")


def test_each_day_bar_has_a_panel_with_that_days_incidents(client, outage):
    html = client.get("/en/status").get_data(as_text=True)
    days = re.findall(r'<details class="uptime-day" data-day="([0-9-]+)">(.*?)</details>', html, re.S)
    assert len(days) == 90
    today, panel = days[-1]
    assert f'href="/en/status/incidents/{outage}"' in panel and "API down" in panel
    assert "1 incident" in panel  # the summary's text alternative counts them
    assert all("No incidents reported on this day." in body for _day, body in days[:-1])
    assert 'id="uptime-all-days"' in html  # the phone's 30/90 switch


def test_panel_in_dutch(client, outage):
    html = client.get("/nl/status").get_data(as_text=True)
    assert "Op deze dag zijn geen incidenten gemeld." in html
    assert "1 incident" in html


def _open_last_panel_by_keyboard(page, live_server):
    page.goto(f"{live_server.url}/en/status")
    summaries = page.locator(".uptime-day > summary")
    assert summaries.count() == 90
    summaries.nth(88).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('details').dataset.day") \
        == page.locator(".uptime-day").last.get_attribute("data-day")
    page.keyboard.press("Enter")
    panel = page.locator(".uptime-day").last.locator(".uptime-panel")
    panel.wait_for(state="visible")
    return panel


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_keyboard_opens_a_day_panel_with_the_incident(app, live_server, browser, outage, width):
    context = browser.new_context(locale="en-US", timezone_id="Europe/Amsterdam",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        panel = _open_last_panel_by_keyboard(page, live_server)
        assert "API down" in panel.inner_text()
        assert panel.get_by_role("link", name="API down").is_visible()
        page.keyboard.press("Escape")
        panel.wait_for(state="hidden")
        if width < 600:
            # a phone shows 30 bars until the switch asks for 90
            assert page.locator(".uptime-bar:visible").count() == 30
            page.locator("label[for=uptime-all-days]").click()
            assert page.locator(".uptime-bar:visible").count() == 90
    finally:
        context.close()


@pytest.mark.browser
def test_an_open_day_panel_passes_axe(app, live_server, browser, axe, outage):
    context = browser.new_context(locale="en-US", timezone_id="Europe/Amsterdam")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _open_last_panel_by_keyboard(page, live_server)
        assert axe(page) == []
    finally:
        context.close()

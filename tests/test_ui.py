"""The layout every page shares: the header's search form, the favicon, the
form macro's ARIA attributes, category icons and the article's contents list."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from portal.kb import icons, services

BODY = "Intro.\n\n## Before you start\n\nText.\n\n## Print\n\nMore.\n\n### Zebra printers\n\nEven more."


@pytest.fixture
def site(app):
    with app.app_context():
        services.save_category(slug="shipping", locale="en", title="Shipping", icon="🚚", position=1)
        services.save_category(slug="billing", locale="en", title="Billing", icon="credit-card", position=2)
        services.save_category(slug="odd", locale="en", title="Odd one", icon="🦄", position=3)
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels", body_md=BODY,
                              category="shipping")
        services.save_article(slug="invoices", locale="en", title="Invoices", body_md="Text.", category="billing")
        services.save_article(slug="odd", locale="en", title="Odd", body_md="Text.", category="odd")
    return app


CUSTOMER_PAGES = ["/en/", "/en/articles/print-labels", "/en/categories/shipping", "/en/search?q=labels",
                  "/en/contact/", "/en/contact/technical", "/en/status", "/en/status/history", "/en/welcome",
                  "/subscriptions/", "/staff/login"]


@pytest.mark.parametrize("path", CUSTOMER_PAGES)
def test_every_page_has_the_header_search_form_and_favicons(client, site, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = re.search(r'<form class="search-form header-search"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/en/search"' in form  # works without JavaScript
    assert 'role="combobox"' in html and 'aria-controls="header-search-suggestions"' in html
    assert 'id="header-search-suggestions"' in html and 'role="listbox"' in html
    assert 'href="/favicon.ico"' in html and 'href="/favicon.svg"' in html
    assert 'aria-controls="site-menu"' in html  # the phone's menu button
    assert "None" not in re.findall(r'aria-[a-z]+="([^"]*)"', html)


def test_header_search_follows_the_page_language(client, site):
    html = client.get("/nl/articles/print-labels").get_data(as_text=True)
    assert 'action="/nl/search"' in html and 'data-suggest-locale="nl"' in html


def test_favicons_are_served_in_the_brand_colours(make_app):
    app = make_app(SITE_PRIMARY_COLOR="#aa0000", SITE_ACCENT_COLOR="#00aa00")
    client = app.test_client()
    svg = client.get("/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "#aa0000" in svg.get_data(as_text=True) and "#00aa00" in svg.get_data(as_text=True)
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype == "image/x-icon"
    image = Image.open(io.BytesIO(ico.data))
    assert image.format == "ICO" and (16, 16) in image.info["sizes"] and (48, 48) in image.info["sizes"]
    assert "max-age" in ico.headers["Cache-Control"]


def test_a_broken_brand_colour_falls_back_to_the_default(make_app):
    client = make_app(SITE_PRIMARY_COLOR='red"/><script>').test_client()
    body = client.get("/favicon.svg").get_data(as_text=True)
    assert "<script>" not in body and "#1f5fbf" in body
    assert client.get("/favicon.ico").status_code == 200


def test_login_form_has_no_none_aria_values_and_marks_errors(client):
    html = client.get("/staff/login").get_data(as_text=True)
    assert 'aria-invalid' not in html and 'aria-describedby' not in html
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*autofocus', html)
    failed = client.post("/staff/login", data={"email": "", "password": ""}).get_data(as_text=True)
    email = re.search(r'<input[^>]*id="email"[^>]*>', failed).group(0)
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error"' in email
    assert 'id="email-error"' in failed


def test_category_icons_are_inline_svg_for_names_and_legacy_emoji(client, site):
    html = client.get("/en/").get_data(as_text=True)
    assert 'class="kb-icon icon-truck"' in html  # 🚚 from an older category file
    assert 'class="kb-icon icon-credit-card"' in html  # named
    assert 'class="kb-icon icon-folder"' in html  # an emoji without an icon
    assert "🚚" not in html and "🦄" not in html
    assert re.search(r'<svg class="kb-icon icon-truck"[^>]*aria-hidden="true"', html)


@pytest.mark.parametrize(("value", "expected"), [
    ("truck", "truck"), ("Truck", "truck"), ("✉️", "mail"), ("✉", "mail"), ("🛠️", "wrench"),
    ("no-such-icon", "folder"), ("🦄", "folder"), ("", None), (None, None), ("  ", None),
])
def test_icon_names(value, expected):
    assert icons.icon_name(value) == expected


def test_every_shipped_icon_draws_something():
    assert len(icons.available()) >= 20
    for name in icons.available():
        svg = str(icons.icon_svg(name))
        assert re.search(r"<(path|circle|rect|line|polyline|polygon|ellipse)\b", svg), name
    assert set(icons.EMOJI_ICONS.values()) <= set(icons.available())


def test_table_of_contents_comes_before_the_body_folded_and_in_the_sidebar(client, site):
    html = client.get("/en/articles/print-labels").get_data(as_text=True)
    inline = html.index('<details class="toc toc-inline">')
    assert inline < html.index('class="article-body"') < html.index('class="toc toc-sidebar"')
    folded = html[inline:html.index("</details>", inline)]
    assert "<details" in folded and " open" not in folded.split(">")[0]
    assert folded.count("<li") == 3 and 'href="#' in folded


def test_no_contents_list_for_an_article_without_sections(client, site):
    html = client.get("/en/articles/invoices").get_data(as_text=True)
    assert "toc-inline" not in html and "toc-sidebar" not in html

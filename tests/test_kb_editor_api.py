"""The editor's live preview and image upload endpoints (static/js/editor.js)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from portal.kb import services

BODY = ("Intro with **bold** and a [link](https://example.com).\n\n## Set up\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<script>alert(1)</script>\n\n```\ncode\n```\n")


@pytest.fixture
def writer_client(client, staff, login):
    login(client, staff("writer"))
    return client


def png_bytes(size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def article_body_html(page: str) -> str:
    match = re.search(r'<div class="article-body">\s*(.*?)\s*</div>\s*(?:<nav|<section id="feedback")', page, re.S)
    return match.group(1)


def test_preview_renders_exactly_what_the_article_page_shows(app, writer_client):
    preview = writer_client.post("/staff/articles/preview", json={"body": BODY})
    assert preview.status_code == 200
    html = preview.json["html"]
    assert "<strong>bold</strong>" in html and "<table>" in html and "<script>" not in html
    with app.app_context():
        services.save_article(slug="preview-check", locale="en", title="Preview check", body_md=BODY)
    published = writer_client.get("/en/articles/preview-check").get_data(as_text=True)
    assert article_body_html(published) == html.strip()


def test_preview_is_for_writers_bounded_and_csrf_protected(make_app, client, staff, login):
    assert client.post("/staff/articles/preview", json={"body": "x"}).status_code in (302, 401)
    login(client, staff("operator"))
    assert client.post("/staff/articles/preview", json={"body": "x"}).status_code == 403

    protected = make_app(WTF_CSRF_ENABLED=True).test_client()
    login(protected, staff("writer"))
    assert protected.post("/staff/articles/preview", json={"body": "x"}).status_code == 400  # no token

    other = make_app().test_client()
    login(other, staff("writer"))
    too_long = other.post("/staff/articles/preview", json={"body": "x" * 300_001})
    assert too_long.status_code == 413 and "too long" in too_long.json["error"]["message"]
    assert other.post("/staff/articles/preview", json={"body": ["not", "text"]}).status_code == 400


def test_a_real_png_is_stored_outside_static_and_served_safely(app, writer_client):
    sent = writer_client.post("/staff/articles/images", data={
        "alt": "The print dialog [with] options", "image": (io.BytesIO(png_bytes()), "../../evil name.png")},
        content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    url = sent.json["url"]
    assert re.fullmatch(r"/media/kb/[0-9a-f]{32}\.png", url)
    assert sent.json["markdown"] == f"![The print dialog \\[with\\] options]({url})"
    stored = list((Path(app.config["UPLOAD_DIR"]) / "kb-images").iterdir())
    assert len(stored) == 1 and "static" not in str(stored[0])

    served = writer_client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert Image.open(io.BytesIO(served.data)).size == (8, 6)
    served.close()

    rendered = writer_client.post("/staff/articles/preview", json={"body": sent.json["markdown"]}).json["html"]
    assert f'src="{url}"' in rendered and 'alt="The print dialog [with] options"' in rendered


def test_a_fake_image_is_refused(writer_client):
    fake = writer_client.post("/staff/articles/images", data={
        "alt": "Looks like a PNG", "image": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "photo.png")},
        content_type="multipart/form-data")
    assert fake.status_code == 400 and "whatever its name says" in fake.json["error"]["message"]
    pdf = writer_client.post("/staff/articles/images", data={
        "alt": "A manual", "image": (io.BytesIO(b"%PDF-1.4\n%...\n"), "manual.pdf")},
        content_type="multipart/form-data")
    assert pdf.status_code == 400
    no_alt = writer_client.post("/staff/articles/images", data={
        "alt": "   ", "image": (io.BytesIO(png_bytes()), "a.png")}, content_type="multipart/form-data")
    assert no_alt.status_code == 400 and "alt text" in no_alt.json["error"]["message"]


def test_media_route_serves_only_stored_image_names(client):
    for name in ("../secret_key", "x.svg", "0" * 32 + ".html", "0" * 32 + ".png"):
        assert client.get(f"/media/kb/{name}").status_code == 404


def test_editor_page_has_the_live_preview_hooks(writer_client):
    page = writer_client.get("/staff/articles/new?title=how%20to%20print%20labels&locale=nl").get_data(as_text=True)
    assert 'data-live-editor' in page and 'data-preview-url="/staff/articles/preview"' in page
    assert 'src="/static/js/editor.js"' in page and 'type="module"' in page
    assert 'value="How to print labels"' in page and 'value="how-to-print-labels"' in page
    assert '<option value="nl" selected>' in page

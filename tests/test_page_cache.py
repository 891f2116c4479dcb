"""The page cache: shared pages served from rendered output that is never stale
(portal.cache), in one process and across two real ``portal serve`` processes."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.cache.models import ContentVersion
from portal.db import session
from portal.kb import services
from tests.conftest import STAFF_PASSWORD

PORTAL = str(Path(sys.executable).with_name("portal"))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(app):
    with app.app_context():
        services.save_category(slug="shipping", locale="en", title="Shipping", position=1)
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels",
                              body_md="Press **Print**.", category="shipping")
        services.save_article(slug="print-labels", locale="nl", title="Labels printen", body_md="Tekst.",
                              category="shipping")
        services.save_article(slug="scanner", locale="en", title="Set up a scanner", body_md="Plug it in.",
                              category="shipping")
    return app


def _store(app):
    return app.extensions["portal.page_cache"].store


def _version(app, scope: str) -> int:
    with app.app_context():
        return session.scalar(select(ContentVersion.version).where(ContentVersion.scope == scope)) or 0


def test_a_save_bumps_its_language_in_the_same_transaction(app, content):
    before_en, before_nl, slugs = _version(app, "kb:en"), _version(app, "kb:nl"), _version(app, "kb:slugs")
    with app.app_context():
        services.save_article(slug="scanner", locale="en", title="Set up a barcode scanner",
                              body_md="Plug it in.", category="shipping")
    assert _version(app, "kb:en") == before_en + 1
    assert _version(app, "kb:nl") == before_nl  # another language's pages stay cached
    assert _version(app, "kb:slugs") == slugs  # no article appeared, moved or went away
    with app.app_context():
        services.save_article(slug="scanner", locale="nl", title="Scanner", body_md="x", category="shipping")
    assert _version(app, "kb:slugs") == slugs + 1  # a new translation: every "other languages" list
    with app.app_context():  # a rolled-back change bumps nothing
        from portal.kb.models import Article

        article = session.scalar(select(Article).where(Article.slug == "scanner", Article.locale == "en"))
        article.title = "Never saved"
        session.flush()
        session.rollback()
    assert _version(app, "kb:en") == before_en + 1


def test_article_page_is_served_from_the_cache_with_validators(app, client, content):
    first = client.get("/en/articles/print-labels")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert first.headers["ETag"].startswith('W/"') and first.headers["Last-Modified"]
    assert "Cookie" not in first.headers.get("Vary", "")
    hits = _store(app).hits
    second = client.get("/en/articles/print-labels")
    assert _store(app).hits == hits + 1 and second.data == first.data
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    not_modified = client.get("/en/articles/print-labels", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not not_modified.data
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    since = client.get("/en/articles/print-labels", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_publish_shows_at_once_and_changes_the_etag(app, client, content):
    first = client.get("/en/articles/print-labels")
    client.get("/en/")
    with app.app_context():
        services.save_article(slug="print-labels", locale="en", title="Print labels (new)", body_md="New text.",
                              category="shipping")
    page = client.get("/en/articles/print-labels", headers={"If-None-Match": first.headers["ETag"]})
    assert page.status_code == 200 and b"Print labels (new)" in page.data
    assert page.headers["ETag"] != first.headers["ETag"]
    assert b"Print labels (new)" in client.get("/en/categories/shipping").data


def test_a_posted_incident_update_reaches_the_banner_of_cached_pages(app, client, content):
    from portal.status import services as status_services

    assert b"Checkout errors" not in client.get("/en/articles/print-labels").data
    with app.app_context():
        status_services.create_incident("Checkout errors", impact="major", body="Looking into it", notify=False)
    assert b"Checkout errors" in client.get("/en/articles/print-labels").data
    assert b"Checkout errors" in client.get("/api/v2/summary.json").data


def test_signed_in_staff_and_flash_messages_never_get_the_shared_page(app, client, content, staff):
    client.get("/en/articles/print-labels")  # cached for customers
    with client.session_transaction() as sess:
        sess["_flashes"] = [("error", "Please choose one of the answers.")]
    flashed = client.get("/en/articles/print-labels")
    assert b"Please choose one of the answers." in flashed.data
    assert flashed.headers["Cache-Control"] == "private, no-cache"
    user = staff("writer")
    staff_client = app.test_client()
    staff_client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    page = staff_client.get("/en/articles/print-labels")
    assert b'href="/staff/"' in page.data and page.headers["Cache-Control"] == "private, no-cache"
    assert b'href="/staff/"' not in client.get("/en/articles/print-labels").data


def test_query_strings_the_page_does_not_know_are_not_shared(app, client, content):
    client.get("/en/categories/shipping?page=1")
    assert client.get("/en/categories/shipping?page=1").headers["Cache-Control"].startswith("public")
    other = client.get("/en/categories/shipping?utm_source=mail")
    assert other.status_code == 200 and other.headers["Cache-Control"] == "private, no-cache"


def test_feedback_posts_from_a_cached_page_without_a_session(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        services.save_article(slug="print-labels", locale="en", title="Print shipping labels",
                              body_md="Press **Print**.", category="shipping")
    client = app.test_client()
    page = client.get("/en/articles/print-labels")
    assert "Set-Cookie" not in page.headers  # rendering the form made no session
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert token.startswith("pub.")
    assert client.get("/en/articles/print-labels").data == page.data  # the same page for everyone
    fresh = app.test_client()
    sent = fresh.post("/en/articles/print-labels/feedback", data={"csrf_token": token, "rating": "great"},
                      headers={"Origin": "http://localhost"})
    assert sent.status_code == 302 and "feedback=" in sent.headers["Location"]
    forged = fresh.post("/en/articles/print-labels/feedback", data={"csrf_token": token, "rating": "poor"},
                        headers={"Origin": "https://evil.example"})
    assert forged.status_code == 400
    cross_site = fresh.post("/en/articles/print-labels/feedback", data={"csrf_token": token, "rating": "poor"},
                            headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 400
    bad = fresh.post("/en/articles/print-labels/feedback", data={"csrf_token": "pub.nonsense", "rating": "poor"})
    assert bad.status_code == 400
    # Elsewhere the public token is worth nothing: the ticket form still wants the session's.
    assert fresh.post("/subscriptions/webhook", data={"csrf_token": token, "url": "https://example.com/h"},
                      headers={"Origin": "http://localhost"}).status_code == 400


def test_view_counts_include_cached_hits(app, client, content):
    from portal.kb.models import ArticleViewDaily

    for _ in range(3):
        client.get("/en/articles/scanner")
    client.get("/en/articles/scanner", headers={"User-Agent": "Googlebot/2.1"})
    with app.app_context():
        assert session.scalar(select(ArticleViewDaily.views)) == 3


# -- two real servers ------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), ""


def _serve(tmp_path, name: str, database_url: str):
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update({"PORTAL_DATA_DIR": str(tmp_path / name), "DATABASE_URL": database_url, "SECRET_KEY": "two",
                "PORTAL_SITE_URL": "http://help.test", "PORTAL_WORKER_IN_PROCESS": "false"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # this checkout's code
    with open(tmp_path / f"{name}.log", "w") as log:
        process = subprocess.Popen([PORTAL, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def test_two_servers_on_one_database_invalidate_within_the_ttl(tmp_path, database_url, content):
    servers = [_serve(tmp_path, name, database_url) for name in ("a", "b")]
    try:
        for process, base in servers:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
                try:
                    if _get(base + "/en/articles/print-labels")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        etags = []
        for _process, base in servers:
            _get(base + "/en/articles/print-labels")  # now cached on both
            status, headers, body = _get(base + "/en/articles/print-labels")
            assert status == 200 and "Print shipping labels" in body
            etags.append(headers["ETag"])
        assert etags[0] == etags[1]  # the versions, not the process, make the ETag
        assert _get(servers[1][1] + "/en/articles/print-labels", {"If-None-Match": etags[0]})[0] == 304

        with content.app_context():  # a writer publishes (through neither server)
            services.save_article(slug="print-labels", locale="en", title="Print labels, new edition",
                                  body_md="New.", category="shipping")
        time.sleep(0.6)  # the servers read the versions again after CONTENT_VERSION_TTL (0.5 s)
        for _process, base in servers:
            status, _headers, body = _get(base + "/en/articles/print-labels", {"If-None-Match": etags[0]})
            assert status == 200 and "Print labels, new edition" in body
    finally:
        for process, _base in servers:
            process.terminate()
        for process, _base in servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)

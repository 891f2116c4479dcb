"""The public address (PORTAL_SITE_URL) in every link made outside a request.

The end-to-end test runs ``portal serve`` on a non-default port without
PORTAL_SITE_URL, signs up through the real form, reads the ``.eml`` the
in-process worker wrote and follows its links to pages that answer 200; then
an incident created from the CLI beside the server sends links that work too.
"""
from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import config as config_module
from portal.server import public_address

PORTAL = str(Path(sys.executable).parent / "portal")
LINK = re.compile(r"https?://[^\s<>\"')]+")


# -- settling the address ------------------------------------------------------

def test_serve_derives_the_address_from_host_and_port_when_unset(tmp_path):
    environ = {"PORTAL_DATA_DIR": str(tmp_path)}
    address = public_address("127.0.0.1", 8123, environ=environ)
    assert address.url == "http://127.0.0.1:8123" and address.derived and address.warning is None
    assert "PORTAL_SITE_URL" in address.describe() and "8123" in address.describe()


def test_serving_beyond_loopback_without_the_setting_warns_naming_it(tmp_path):
    address = public_address("192.0.2.10", 8000, environ={"PORTAL_DATA_DIR": str(tmp_path)})
    assert address.url == "http://192.0.2.10:8000"
    assert "PORTAL_SITE_URL" in address.warning
    assert public_address("0.0.0.0", 8000, environ={"PORTAL_DATA_DIR": str(tmp_path)}).warning


def test_the_setting_wins_from_the_environment_or_the_instance_config(tmp_path):
    address = public_address("0.0.0.0", 8000, environ={"PORTAL_DATA_DIR": str(tmp_path),
                                                       "PORTAL_SITE_URL": "https://help.example.com/"})
    assert (address.url, address.derived, address.warning) == ("https://help.example.com", False, None)
    (tmp_path / "config.py").write_text('SITE_URL = "https://status.example.org"\n')
    assert public_address("0.0.0.0", 80, environ={"PORTAL_DATA_DIR": str(tmp_path)}).url == \
        "https://status.example.org"


@pytest.mark.parametrize("value", ["help.example.com", "ftp://example.com", "https://example.com/help", "https://"])
def test_a_malformed_address_is_a_clear_error(value):
    with pytest.raises(config_module.SiteUrlError, match="PORTAL_SITE_URL"):
        config_module.normalize_site_url(value)


def test_cli_commands_use_the_address_the_server_derived(make_app, tmp_path):
    app = make_app(SITE_URL=None)
    assert app.config["SITE_URL"] == config_module.FALLBACK_SITE_URL and not app.config["SITE_URL_CONFIGURED"]
    config_module.note_served_site_url("http://127.0.0.1:8123", Path(app.config["DATA_DIR"]))
    again = make_app(SITE_URL=None, DATA_DIR=app.config["DATA_DIR"])
    assert again.config["SITE_URL"] == "http://127.0.0.1:8123"


def test_links_in_payloads_use_the_address_not_the_request_host(app, client):
    from portal.status import services

    with app.app_context():
        services.create_incident("Slow API", notify=False)
    summary = client.get("/api/v2/summary.json", base_url="http://10.0.0.5:8000").get_json()
    assert summary["page"]["url"].startswith("http://portal.test/")
    assert all(i["shortlink"].startswith("http://portal.test/") for i in summary["incidents"])
    feed = client.get("/status/feed.atom", base_url="http://10.0.0.5:8000").get_data(as_text=True)
    assert "http://portal.test/status/incidents/" in feed and "10.0.0.5" not in feed


# -- end to end: a real server on a non-default port ----------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(opener, url: str) -> int | None:
    try:
        with opener.open(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _mails(mail_dir: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(mail_dir.glob("**/*.eml"))]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def served(tmp_path, database_url):
    """``portal serve`` on a free port, no PORTAL_SITE_URL; yields (base url, env, log path)."""
    port = _free_port()
    data_dir = tmp_path / "served"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update({"PORTAL_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret",
                "PORTAL_WORKER_POLL_SECONDS": "0.2"})
    log = tmp_path / "serve.log"
    with open(log, "w") as output:
        process = subprocess.Popen([PORTAL, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
                                   env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener()
        _wait_for(lambda: _answers(opener, base + "/status") == 200 or process.poll() is not None, 60,
                  "the server to answer")
        assert process.poll() is None, log.read_text()
        yield base, env, log, data_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_links_in_real_emails_work_on_a_non_default_port(served):
    base, env, log, data_dir = served
    assert f"use {base}" in log.read_text() and "PORTAL_SITE_URL" in log.read_text()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/subscriptions/", timeout=5) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": "reader@example.com", "scope": "all"}).encode()
    with opener.open(urllib.request.Request(base + "/subscriptions/", data=form), timeout=5) as sent:
        assert sent.status == 200

    mail_dir = data_dir / "mail"
    optin = _wait_for(lambda: [m for m in _mails(mail_dir) if "reader@example.com" in str(m["To"])], 30,
                      "the opt-in e-mail")[0]
    links = LINK.findall(_text(optin))
    assert links and all(link.startswith(base + "/") for link in links), links
    for link in links:
        assert _answers(opener, link) == 200, link
    confirm = next(link for link in links if "/subscriptions/confirm/" in link)
    with opener.open(confirm, timeout=5) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)
    with opener.open(urllib.request.Request(confirm, data=urllib.parse.urlencode(
            {"csrf_token": token}).encode()), timeout=5) as confirmed:
        assert confirmed.status == 200 and "/subscriptions/manage/" in confirmed.url

    # An incident created from a second terminal, as the README shows.
    subprocess.run([PORTAL, "incident", "create", "Checkout errors", "--message", "Looking into it"],
                   env=env, check=True, capture_output=True, timeout=60)
    update = _wait_for(lambda: [m for m in _mails(mail_dir) if "Checkout errors" in m["Subject"]], 30,
                       "the incident e-mail")[0]
    links = set(LINK.findall(_text(update)))
    unsubscribe = update["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(base + "/subscriptions/unsubscribe/")
    assert any("/status/incidents/" in link or "/incidents/" in link for link in links), links
    assert all(link.startswith(base + "/") for link in links | {unsubscribe}), links
    for link in sorted(links | {unsubscribe}):
        assert _answers(opener, link) == 200, link

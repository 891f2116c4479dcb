"""Fixtures for browser tests: a live server in a thread and Playwright on Debian's Chromium.

``tests/conftest.py`` registers this module as a plugin, so every test can ask
for ``live_server`` and ``page``; mark browser tests ``@pytest.mark.browser``.

``axe`` checks the page's accessibility with axe-core (installed from the
repo's ``package.json`` into ``node_modules/`` by ``make install-test``):
``assert axe(page) == []`` lists every violation with its rule, impact and
elements.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# Runs axe-core's default rule set (WCAG 2.x A and AA plus best practices) on
# the whole document and keeps what a reader of a failing test needs.
_RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + n.html.slice(0, 160)
                                   + (n.failureSummary ? "  [" + n.failureSummary.replace(/\\s+/g, " ") + "]" : "")),
  }));
}"""


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test app served over real HTTP on a free loopback port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", timezone_id="Europe/Amsterdam")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.skip("axe-core is not installed (make install-test runs scripts/ensure-axe: npm ci)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """``axe(page)`` -> the page's accessibility violations (an empty list when there are none).

    axe is evaluated through the DevTools protocol, which the portal's
    Content-Security-Policy (``script-src 'self'``) does not block."""
    def check(pg) -> list[dict]:
        if not pg.evaluate("() => typeof window.axe === 'object'"):
            pg.evaluate(axe_source)
        return pg.evaluate(_RUN_AXE)

    return check

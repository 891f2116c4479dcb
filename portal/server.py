"""Running the portal on gunicorn (pre-fork processes, threads in each).

Domains that need a background loop inside the server (the outbox worker in the
embedded default) append a callable to ``app.extensions["portal.on_server_start"]``
in their ``init_app``; each is called once per server process after the fork,
so no thread is ever started at import time or in the master process.

Before starting, :func:`public_address` settles the address every e-mail link
uses: ``PORTAL_SITE_URL`` when set, else one derived from ``--host/--port``
(put into the environment, so every server process gets the same one, and
noted in the data folder for CLI commands run beside it), with a warning when
the server listens beyond this machine without it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication

from portal import config as config_module
from portal import create_app


@dataclass(frozen=True)
class PublicAddress:
    url: str
    derived: bool  # made from --host/--port because PORTAL_SITE_URL is not set
    warning: str | None = None

    def describe(self) -> str:
        if not self.derived:
            return f"portal: links in e-mails, feeds and webhooks use {self.url} (PORTAL_SITE_URL)"
        return (f"portal: PORTAL_SITE_URL is not set; links in e-mails, feeds and webhooks use {self.url} "
                f"(derived from --host/--port). Set PORTAL_SITE_URL to the address customers use.")


def public_address(host: str, port: int, environ=None) -> PublicAddress:
    """The site's public address for a server bound to ``host:port``."""
    configured = config_module.configured_site_url(environ=environ)
    if configured:
        return PublicAddress(config_module.normalize_site_url(configured), derived=False)
    url = config_module.site_url_for_bind(host, port)
    warning = None
    if not config_module.is_loopback(host):
        warning = (f"portal: WARNING: serving on {host}:{port} without PORTAL_SITE_URL. Links in e-mails "
                   f"will point to {url}, which customers may not reach. Set PORTAL_SITE_URL to the public "
                   f"address, e.g. PORTAL_SITE_URL=https://help.example.com")
    return PublicAddress(url, derived=True, warning=warning)


def run_server_start_hooks(app) -> None:
    for hook in app.extensions.get("portal.on_server_start", []):
        hook(app)


class PortalServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app()
        run_server_start_hooks(app)
        return app


def serve(host: str, port: int, workers: int = 2, threads: int = 4, *, announce=print,
          log_format: str | None = None) -> None:
    from portal.ops import logs, metrics

    if log_format:
        os.environ["PORTAL_LOG_FORMAT"] = log_format  # read by create_app() in every server process
    json_logs = (log_format or os.environ.get("PORTAL_LOG_FORMAT", "text")).lower() == "json"
    # /metrics sums every server process's counters from files in one folder
    metrics.prepare_multiprocess_dir(config_module.data_dir_from_environment())
    address = public_address(host, port)
    announce(address.describe())
    if address.warning:
        announce(address.warning)
    if address.derived:
        os.environ["PORTAL_SITE_URL"] = address.url  # read by create_app() in every server process
        config_module.note_served_site_url(address.url)  # and by CLI commands run beside the server
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        # load the app in each worker after fork: engines, index readers and
        # worker threads are per process
        "preload_app": False,
        # gunicorn's largest request line (default 4094): a GET /api/v1/suggest
        # with a few thousand characters; longer text is POSTed.
        "limit_request_line": 8190,
        "child_exit": metrics.child_exit,
    }
    from gunicorn.config import KNOWN_SETTINGS

    if "control_socket_disable" in {setting.name for setting in KNOWN_SETTINGS}:
        # gunicorn >= 25's control socket is one path per user: a second server
        # on this machine would take it over; the portal does not use it
        options["control_socket_disable"] = True
    if json_logs:
        # the app writes one JSON access line per request, with its request id
        options["accesslog"] = None
        options["logconfig_dict"] = logs.gunicorn_logconfig()
    PortalServer(options).run()

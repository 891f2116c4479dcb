"""Running the portal on gunicorn (pre-fork processes, threads in each).

Domains that need a background loop inside the server (the outbox worker in the
embedded default) append a callable to ``app.extensions["portal.on_server_start"]``
in their ``init_app``; each is called once per server process after the fork,
so no thread is ever started at import time or in the master process.
"""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from portal import create_app


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


def serve(host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    PortalServer(
        {
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
        }
    ).run()

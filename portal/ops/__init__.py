"""Operations: health checks for the proxy, Prometheus metrics, request ids and JSON logs.

``init_app`` gives every request an id (an incoming ``X-Request-ID`` if it
looks like one, echoed in the response), logs one line per request when
``portal serve --log-format json`` asked for it, and counts requests and
their latency for ``/metrics``. The routes are in ``views.py``; what they
read from the other domains is in ``checks.py``.
"""
from __future__ import annotations

import re
import time
import uuid

from flask import Flask, g, request

from portal.ops import logs, metrics

#: What an incoming X-Request-ID may look like (anything else gets a fresh id).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id() -> str | None:
    return g.get("request_id")


def init_app(app: Flask) -> None:
    json_access = logs.json_enabled(app)

    @app.before_request
    def _start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id") or ""
        started = g.get("request_started")
        if started is not None:
            seconds = time.perf_counter() - started
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            metrics.observe_request(request.method, endpoint, response.status_code, seconds)
            if json_access:
                logs.access_line(request, response, seconds)
        return response

    metrics.connect_signals()

"""JSON-lines logging (``portal serve --log-format json`` or ``PORTAL_LOG_FORMAT=json``).

One JSON object per line with ``time``, ``level``, ``logger``, ``message`` and,
inside a request, its ``request_id``: what log shippers (Loki, Elasticsearch,
CloudWatch) parse without a grok pattern. In JSON mode gunicorn's own access
log is off and the app writes one ``portal.access`` line per request instead
(with the request id, which gunicorn does not know).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

ACCESS_LOGGER = "portal.access"


def json_enabled(app) -> bool:
    return str(app.config["LOG_FORMAT"]).lower() == "json"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records made inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            from flask import g, has_request_context

            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "remote_addr"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Route the root logger through :class:`JsonFormatter` (called by the app factory)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def gunicorn_logconfig() -> dict:
    """gunicorn's own messages (start-up, worker exits) as JSON lines too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "portal.ops.logs.JsonFormatter"}},
        "handlers": {"json_console": {"class": "logging.StreamHandler", "formatter": "json",
                                      "stream": "ext://sys.stderr"}},
        # gunicorn replaces its defaults key by key (not deeply): give all of them
        "root": {"level": "INFO", "handlers": ["json_console"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["json_console"], "propagate": False,
                                       "qualname": "gunicorn.error"},
                    # the app writes the access lines (with the request id)
                    "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False,
                                        "qualname": "gunicorn.access"}},
    }


def access_line(request, response, seconds: float) -> None:
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={"method": request.method, "path": request.path, "status": response.status_code,
               "duration_ms": round(seconds * 1000, 2), "remote_addr": request.remote_addr})

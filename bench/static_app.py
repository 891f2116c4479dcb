"""The limit for article pages: a bare WSGI app serving saved HTML files.

``bench/http.py`` saves the portal's rendered article pages into a folder and
runs this app on the same server with the same settings as ``portal serve``
(gunicorn, gthread, 2 workers, 4 threads), so the difference in throughput is
what the portal's work per page costs: routing, database, templates.
Files are read once per process and kept in memory, as a static file server's
page cache would. Folder: ``BENCH_STATIC_DIR``; URL path = file path.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_STATIC_DIR", ".")).resolve()
_cache: dict[str, bytes] = {}


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/").lstrip("/")
    body = _cache.get(path)
    if body is None:
        target = (ROOT / path / "index.html").resolve()
        if ROOT not in target.parents or not target.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
            return [b"not found"]
        body = _cache[path] = target.read_bytes()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]

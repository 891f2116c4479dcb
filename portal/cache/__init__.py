"""Caching that stays correct with several servers: content version counters
in the database (:mod:`~portal.cache.versions`), rendered pages served from
them (:mod:`~portal.cache.pages`) and cookie-free tokens for the forms on
shared pages (:mod:`~portal.cache.forms`).

``init_app`` puts :class:`~portal.cache.pages.PageCacheMiddleware` in front of
the app (``PAGE_CACHE = False`` leaves it out; every page is then rendered per
request, ``private, no-cache``).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.cache import pages, versions

    versions.memo_for(app)
    if app.config["PAGE_CACHE"]:
        middleware = pages.PageCacheMiddleware(app, app.wsgi_app)
        app.wsgi_app = middleware
        app.extensions["portal.page_cache"] = middleware

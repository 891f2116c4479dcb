"""Conditional responses for the status page, feeds and API.

Used by the feeds and the badge (the pages and the Statuspage JSON are in the
page cache, :mod:`portal.cache.pages`). Every response carries an ETag derived
from the status version (``queries.current_state().token``: the ``status``
counter in the database, plus
what else shapes the body: path, query, language, sign-in, and for pages with
uptime bars the current hour) and a Last-Modified. ``Cache-Control: no-cache``
lets browsers and proxies keep a copy but revalidate each time, so a posted
update shows at the next request while unchanged pages cost a 304.
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.db import utcnow
from portal.status import queries


def conditional(*, public: bool = False, hourly: bool = False):
    """Decorate a GET view: answer 304 when the client's copy is current."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            state = queries.ensure_fresh()
            changed_at, token = state.changed_at, state.token
            parts = [token, request.path, request.query_string.decode("latin-1"), str(get_locale())]
            if not public:
                parts.append("auth" if current_user.is_authenticated else "anon")
            if hourly:
                parts.append(utcnow().strftime("%Y%m%d%H"))
            etag = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
            has_flashes = bool(session.get("_flashes")) if not public else False
            if not has_flashes and request.if_none_match.contains_weak(etag):
                response = make_response("", 304)
            else:
                response = make_response(view(*args, **kwargs))
            response.set_etag(etag, weak=True)
            if changed_at is not None:
                response.last_modified = changed_at
            response.headers["Cache-Control"] = ("public" if public else "private") + ", no-cache"
            response.vary.add("Accept-Language")
            if not public:
                response.vary.add("Cookie")
            return response

        return wrapped

    return decorator

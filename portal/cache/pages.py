"""Rendered pages served from a cache that is never stale.

A view opts in with :func:`cached_page`, naming the content scopes its page
shows (``kb:en``, ``status``, ...; see :mod:`portal.cache.versions`). For a
visitor who is not signed in (no session beyond a CSRF token, no flash
message, no ``Authorization``) and a query string the view allows, the page is
rendered once and kept, in this process, with the versions of its scopes at
render time. :class:`PageCacheMiddleware`, in front of Flask, answers the next
requests for that URL from the stored bytes as long as those versions are
unchanged (read from a memo at most ``CONTENT_VERSION_TTL`` old, so a change
through any server shows within that time on every server) and the entry has
not expired (the next hour for hourly pages, a maintenance window starting,
the end of the day for public form tokens).

Every such page carries a weak ``ETag`` made of the versions (the same on
every server, so a proxy revalidating against any of them gets a 304), a
``Last-Modified`` and ``Cache-Control: public, max-age=0, must-revalidate``:
a browser, reverse proxy or CDN may keep the copy but asks each time, and an
unchanged page costs a 304 without a body. ``PAGE_CACHE_SHARED_MAX_AGE=N``
adds ``s-maxage=N`` for operators who accept N seconds of staleness at their
CDN in exchange for fewer requests reaching the portal. Signed-in and other
personal views are rendered for the request only, ``private, no-cache``.

Per-request work a page still needs runs on every hit through
:func:`on_serve` (the article page's view counter). Domains add what every
page depends on with :func:`add_dependency` (the status banner on every page
adds the ``status`` scope and the next maintenance transition).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app, g, make_response, request
from werkzeug.http import http_date, parse_date

from portal.cache import versions

log = logging.getLogger(__name__)

#: Session keys an anonymous visitor may have and still share cached pages.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_permanent"})
#: Response headers never replayed from the cache (made per request elsewhere).
_NOT_STORED = frozenset({"set-cookie", "date", "server", "x-request-id", "transfer-encoding", "connection"})
ENVIRON_KEY = "portal.page_cache.render"
MAX_ENTRY_BYTES = 4 * 1024 * 1024
#: An entry is rendered again at least this often (public form tokens roll daily).
MAX_ENTRY_SECONDS = 6 * 3600


@dataclass
class Render:
    """What a view rendering a shareable page tells the middleware."""

    scopes: tuple[str, ...]
    versions: tuple[int, ...]
    etag: str
    valid_until: float
    hooks: list = field(default_factory=list)


@dataclass
class Entry:
    headers: list
    body: bytes
    etag: str
    last_modified: str | None
    scopes: tuple[str, ...]
    versions: tuple[int, ...]
    valid_until: float
    hooks: tuple
    not_modified_headers: list

    def fresh(self, snapshot, now: float) -> bool:
        return (snapshot is not None and now < self.valid_until
                and tuple(snapshot.version(s) for s in self.scopes) == self.versions)


class PageStore:
    """Entries by request key, least recently used dropped beyond ``max_bytes``."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: "OrderedDict[tuple, Entry]" = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.stored = 0

    def get(self, key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        size = len(entry.body) + 512
        if size > min(MAX_ENTRY_BYTES, self.max_bytes):
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + 512
            self._entries[key] = entry
            self._bytes += size
            self.stored += 1
            while self._bytes > self.max_bytes and self._entries:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body) + 512

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def request_key(environ) -> tuple:
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST"),
            environ.get("HTTP_X_FORWARDED_PROTO"), environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""))


class Personal:
    """Tells a visitor whose pages may be shared from one whose may not, from
    the request alone (the session cookie decoded, remembered per value)."""

    def __init__(self, app):
        self.app = app
        self.session_cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        self._known: "OrderedDict[str, bool]" = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ) -> bool:
        if environ.get("HTTP_AUTHORIZATION"):
            return True
        header = environ.get("HTTP_COOKIE")
        if not header or (self.session_cookie not in header and self.remember_cookie not in header):
            return False
        cookies = SimpleCookie()
        try:
            cookies.load(header)
        except Exception:  # a malformed Cookie header: nothing shareable about it
            return True
        if self.remember_cookie in cookies:
            return True
        morsel = cookies.get(self.session_cookie)
        return bool(morsel and morsel.value and self._session_is_personal(morsel.value))

    def _session_is_personal(self, value: str) -> bool:
        with self._lock:
            known = self._known.get(value)
        if known is not None:
            return known
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            data = serializer.loads(value) if serializer is not None else {}
        except Exception:  # a bad signature: Flask ignores the cookie as well
            data = {}
        personal = not isinstance(data, dict) or bool(set(data) - ANONYMOUS_SESSION_KEYS)
        with self._lock:
            self._known[value] = personal
            while len(self._known) > 4096:
                self._known.popitem(last=False)
        return personal


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag[2:] if etag.startswith("W/") else etag
    return any((tag.strip()[2:] if tag.strip().startswith("W/") else tag.strip()) == bare
               for tag in header.split(","))


def _not_modified(environ, etag: str, last_modified: str | None) -> bool:
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm:
        return _etag_matches(inm, etag)
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if ims and last_modified:
        since, modified = parse_date(ims), parse_date(last_modified)
        return since is not None and modified is not None and modified <= since
    return False


class PageCacheMiddleware:
    """WSGI middleware in front of the Flask app: hits never reach Flask."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.store = PageStore(int(app.config["PAGE_CACHE_MAX_BYTES"]))
        self.personal = Personal(app)
        self.memo = versions.memo_for(app)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        key = request_key(environ)
        entry = self.store.get(key)
        if entry is not None and entry.fresh(self.memo.snapshot(), time.time()) and not self.personal(environ):
            self.store.hits += 1
            return self._serve(entry, environ, start_response)
        self.store.misses += 1
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["args"] = (status, headers, exc_info)
            return _no_write

        body_iter = self.wsgi_app(environ, capture)
        render: Render | None = environ.get(ENVIRON_KEY)
        status, headers, exc_info = captured.get("args", ("500 INTERNAL SERVER ERROR", [], None))
        if render is None or not status.startswith("200") or environ["REQUEST_METHOD"] != "GET" \
                or any(name.lower() == "set-cookie" for name, _v in headers):
            start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            if hasattr(body_iter, "close"):
                body_iter.close()
        entry = _entry(render, headers, body)
        self.store.put(key, entry)
        return self._serve(entry, environ, start_response, hooks=False)

    def _serve(self, entry: Entry, environ, start_response, hooks: bool = True):
        if hooks:
            for hook in entry.hooks:
                try:
                    hook(environ)
                except Exception:  # a counter must never break a page
                    log.exception("page cache hook failed")
        if _not_modified(environ, entry.etag, entry.last_modified):
            start_response("304 Not Modified", list(entry.not_modified_headers))
            return []
        start_response("200 OK", list(entry.headers))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]


def _no_write(_data):
    raise RuntimeError("the page cache does not support the WSGI write() callable")


def _entry(render: Render, headers, body: bytes) -> Entry:
    kept = []
    for name, value in headers:
        lower = name.lower()
        if lower in _NOT_STORED:
            continue
        if lower == "vary":  # the shared copy is the same whatever the cookie
            value = ", ".join(v.strip() for v in value.split(",") if v.strip().lower() != "cookie")
            if not value:
                continue
        kept.append((name, value))
    last_modified = next((v for n, v in kept if n.lower() == "last-modified"), None)
    validators = {"etag", "last-modified", "cache-control", "vary", "expires", "content-location"}
    not_modified = [(n, v) for n, v in kept if n.lower() in validators]
    return Entry(headers=kept, body=body, etag=render.etag, last_modified=last_modified, scopes=render.scopes,
                 versions=render.versions, valid_until=render.valid_until, hooks=tuple(render.hooks),
                 not_modified_headers=not_modified)


# -- the view side ---------------------------------------------------------

def add_dependency(app, scopes: Iterable[str], valid_until: Callable[[], float | None] | None = None) -> None:
    """Something every cached page shows (e.g. the status banner): its scopes,
    and a function giving the moment it changes by itself (epoch seconds)."""
    app.extensions.setdefault("portal.page_dependencies", []).append((tuple(scopes), valid_until))


def on_serve(hook: Callable[[dict], None]) -> None:
    """Run ``hook(environ)`` for this request and, if the page is cached, for every hit."""
    hook(request.environ)
    render = request.environ.get(ENVIRON_KEY)
    if render is not None:
        render.hooks.append(hook)


def fingerprint(app) -> str:
    """What else shapes every page: the templates, the catalogs, the branding.
    Part of every ETag, so an upgrade or a new site name is never answered 304."""
    found = app.extensions.get("portal.page_fingerprint")
    if found:
        return found
    digest = hashlib.sha256()
    folders = [Path(app.template_folder)] if app.template_folder else []
    folders.append(Path(__file__).resolve().parent.parent / "translations")
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".xml", ".svg", ".po", ".txt"):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    for key in sorted(app.config):
        if key.startswith("SITE_") or key in ("EMBED_HOSTS", "DEFAULT_LOCALE", "TIMEZONE"):
            digest.update(f"{key}={app.config[key]!r}".encode())
    app.extensions["portal.page_fingerprint"] = found = digest.hexdigest()[:16]
    return found


def _cache_control(app) -> str:
    shared = int(app.config["PAGE_CACHE_SHARED_MAX_AGE"] or 0)
    return "public, max-age=0" + (f", s-maxage={shared}" if shared > 0 else "") + ", must-revalidate"


def _next_hour(now: float) -> float:
    return (now // 3600 + 1) * 3600


def cached_page(scopes: Callable[..., Iterable[str]] | Iterable[str] = (), *, query: Iterable[str] = (),
                hourly: bool = False):
    """Decorate a GET view whose page is the same for every anonymous visitor.

    ``scopes``: the content scopes the page shows (or a function of the view's
    arguments returning them). ``query``: the query arguments that select
    what the page shows (``page`` of a list); any other makes the page
    personal. ``hourly``: the page also changes on the hour (uptime bars,
    "most read").
    """
    allowed = frozenset(query)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            app = current_app._get_current_object()
            middleware: PageCacheMiddleware | None = app.extensions.get("portal.page_cache")
            names = set(scopes(**kwargs) if callable(scopes) else scopes)
            until = time.time() + MAX_ENTRY_SECONDS
            for dep_scopes, dep_until in app.extensions.get("portal.page_dependencies", []):
                names.update(dep_scopes)
                moment = dep_until() if dep_until else None
                if moment is not None:
                    until = min(until, moment)
            snapshot = middleware.memo.snapshot() if middleware is not None else None
            if (middleware is None or snapshot is None or set(request.args) - allowed
                    or middleware.personal(request.environ)):
                response = make_response(view(*args, **kwargs))
                if response.status_code == 200 and "Cache-Control" not in response.headers:
                    response.headers["Cache-Control"] = "private, no-cache"
                    response.vary.add("Cookie")
                return response
            ordered = tuple(sorted(names))
            now = time.time()
            if hourly:
                until = min(until, _next_hour(now))
            bucket = str(int(now // 3600)) if hourly else ""
            token = snapshot.token(ordered)
            raw = "|".join((fingerprint(app), request.path, request.query_string.decode("latin-1"), token, bucket))
            etag = 'W/"' + hashlib.sha256(raw.encode()).hexdigest()[:24] + '"'
            render = Render(scopes=ordered, versions=tuple(snapshot.version(s) for s in ordered), etag=etag,
                            valid_until=until)
            request.environ[ENVIRON_KEY] = render
            g.portal_shared_page = True  # forms get the public token (portal.cache.forms)
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or "Cache-Control" in response.headers:  # the view decided
                request.environ.pop(ENVIRON_KEY, None)
                return response
            response.headers["ETag"] = etag
            changed_at = snapshot.changed_at(ordered)
            if changed_at is not None:
                response.headers["Last-Modified"] = http_date(changed_at)
            response.headers["Cache-Control"] = _cache_control(app)
            return response

        return wrapped

    return decorator

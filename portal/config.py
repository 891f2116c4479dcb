"""Configuration: defaults, an optional instance file, then the environment.

Order of precedence (last wins), as in the Flask tutorial and microblog:

1. the defaults below;
2. ``<PORTAL_DATA_DIR>/config.py`` if it exists (Flask's instance config);
3. environment variables: ``DATABASE_URL`` and ``SECRET_KEY`` as they are, and
   every other setting as ``PORTAL_<NAME>`` (Flask's ``from_prefixed_env``: values
   are parsed as JSON when they parse, so ``PORTAL_MAIL_PORT=2525`` is an int);
4. ``test_config`` passed to :func:`portal.create_app`.

Nothing here touches the disk at import time.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Languages the user interface and search support, in switcher order.
SUPPORTED_LOCALES = ("en", "nl", "de", "sv", "pl")

#: Human names for the language switcher, in the language itself.
LOCALE_NAMES = {
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
    "sv": "Svenska",
    "pl": "Polski",
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Hosts whose embedded videos articles may show (iframes), the default of
#: PORTAL_EMBED_HOSTS; the sanitizer and the Content-Security-Policy both read it.
DEFAULT_EMBED_HOSTS = (
    "www.youtube-nocookie.com",
    "www.youtube.com",
    "player.vimeo.com",
)

#: Links when PORTAL_SITE_URL is not set and no server derived one (CLI commands).
FALLBACK_SITE_URL = "http://localhost:8000"


def defaults(data_dir: Path) -> dict:
    """The built-in defaults, relative to the data folder."""
    return {
        "DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
        "SEARCH_INDEX_DIR": str(data_dir / "index"),
        "UPLOAD_DIR": str(data_dir / "uploads"),
        "MAIL_DIR": str(data_dir / "mail"),
        # Branding: shown in the header, page titles and e-mails.
        "SITE_NAME": "Shopfloor Help Center",
        "SITE_LOGO_URL": None,  # e.g. "/static/img/logo.svg"; None shows the name
        "SITE_PRIMARY_COLOR": "#1f5fbf",
        "SITE_ACCENT_COLOR": "#0f7b5f",
        # The public address (PORTAL_SITE_URL): every absolute link made outside a
        # request (e-mails, webhooks, worker). None = not set: `portal serve`
        # derives it from --host/--port, anything else uses FALLBACK_SITE_URL.
        "SITE_URL": None,
        "TIMEZONE": "Europe/Amsterdam",  # blank = UTC (portal.i18n.site_timezone)
        "DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        # Security
        "PROXY_COUNT": 0,  # reverse proxies in front of the portal (ProxyFix); 0 = none
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # set PORTAL_SESSION_COOKIE_SECURE=true behind HTTPS
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # Counters shared by all server processes (portal/ratelimit.py); REDIS_URL
        # in the environment switches to Redis (several machines).
        "RATELIMIT_STORAGE_URI": f"sqlite:///{data_dir.resolve() / 'ratelimit.sqlite'}",
        "RATELIMIT_HEADERS_ENABLED": True,
        # A storage that fails (Redis down) must not turn sign-ins into 500s:
        # count in memory per process until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_RATE_LIMIT": "5 per minute;30 per hour",  # sign-in attempts per client address
        # Failed sign-ins per account (from any address) before it is locked
        # for the rest of the window; `portal user unlock EMAIL` ends it early.
        "LOGIN_LOCKOUT_LIMIT": "10 per 15 minutes",
        # Cheap argon2 parameters: for tests only (it makes guessing cheap too).
        "PASSWORD_HASH_FAST": False,
        # Page cache (portal/cache): rendered pages kept per process, keyed by the
        # content versions in the database; how stale a server may read those
        # versions (seconds); s-maxage for a CDN (0: it revalidates every time).
        "PAGE_CACHE": True,
        "PAGE_CACHE_MAX_BYTES": 64 * 1024 * 1024,
        "PAGE_CACHE_SHARED_MAX_AGE": 0,
        "CONTENT_VERSION_TTL": 0.5,
        # Search: seconds a writer waits for the other server process's lock,
        # and how often a searcher looks for changes made by other processes.
        "SEARCH_WRITER_TIMEOUT": 10.0,
        "SEARCH_REFRESH_INTERVAL": 1.0,
        # Several servers (portal/search/follower.py): this server's name in
        # search_index_positions (None = host name and index folder), whether
        # `portal serve` follows the change log in a thread, how often, how
        # long the log is kept (a server further behind rebuilds) and the lag
        # in changes beyond which /readyz answers 503.
        "SEARCH_SERVER_ID": None,
        "SEARCH_FOLLOW_IN_PROCESS": True,
        "SEARCH_FOLLOW_POLL_SECONDS": 0.5,
        "SEARCH_CHANGES_RETENTION_DAYS": 7,
        "SEARCH_READY_MAX_LAG": 100,
        # Operations (portal/ops): "json" for JSON-lines logs with request ids,
        # the bearer token /metrics asks for (None = no /metrics), and when a
        # message due for delivery this long makes /readyz fail.
        "LOG_FORMAT": "text",
        "METRICS_TOKEN": None,
        "OUTBOX_STUCK_SECONDS": 600,
        # Learning from deflected tickets (portal/search/learning.py): on/off, how
        # fast what was learned fades, and the most it may multiply a score by.
        "SEARCH_LEARNING_ENABLED": True,
        "SEARCH_LEARNING_HALF_LIFE_DAYS": 30.0,
        "SEARCH_LEARNING_MAX_BOOST": 1.5,
        # Synonym files under git: <folder>/<locale>.yaml (portal/search/synonyms.py).
        "SEARCH_SYNONYMS_DIR": str(PROJECT_ROOT / "synonyms"),
        # Help center: video hosts articles may embed; largest image the editor accepts.
        "EMBED_HOSTS": list(DEFAULT_EMBED_HOSTS),
        "KB_IMAGE_MAX_BYTES": 5 * 1024 * 1024,
        # Insights: articles not updated for this many months count as stale;
        # search-result clicks recorded per IP address.
        "INSIGHTS_STALE_MONTHS": 12,
        "INSIGHTS_CLICK_RATE_LIMIT": "60 per minute;1000 per day",
        # Mail: MAIL_BACKEND "file" writes .eml files to MAIL_DIR, "smtp" talks SMTP.
        "MAIL_BACKEND": "file",
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_USE_STARTTLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_TIMEOUT": 20,
        "MAIL_FROM": "Shopfloor Support <support@example.com>",
        # The outbox worker thread inside the web server (embedded default).
        "WORKER_IN_PROCESS": True,
        # Outbox delivery (portal.outbox): see the README's broadcast section.
        "WORKER_BATCH_SIZE": 50,  # messages claimed at a time
        "WORKER_LEASE_SECONDS": 120,  # a dead worker's messages are retried after this
        "WORKER_POLL_SECONDS": 2,
        "WORKER_MAX_ATTEMPTS": 8,  # then "dead" (an unreachable mail server never counts)
        "WORKER_BACKOFF_SECONDS": 30,  # 30 s, 1 min, 2 min, ... with ±25 % jitter
        "WORKER_BACKOFF_MAX_SECONDS": 3600,
        "WEBHOOK_TIMEOUT": 10,
        "WEBHOOK_CONCURRENCY": 8,
        "WEBHOOK_ALLOW_PRIVATE": False,  # let subscribers register webhooks on private addresses
        "WEBHOOK_VERIFY_TIMEOUT": 5,  # seconds a new webhook has to answer its verification ping
        "BROADCAST_CHUNK_SIZE": 500,  # subscribers expanded per transaction
        "SUBSCRIBE_RATE_LIMIT": "5 per minute;30 per hour",
        "SUBSCRIBE_CONFIRM_MAX_AGE": 7 * 86400,
        # Reminders (portal/status/reminders.py): operators when a component stays degraded this many
        # hours without an update, or an incident stays "monitoring"; subscribers before maintenance.
        "STATUS_DEGRADED_REMINDER_HOURS": [3, 6, 12, 24],
        "STATUS_MONITORING_REMINDER_HOURS": 12,
        "STATUS_MAINTENANCE_REMINDER_HOURS": 3,
        # SMS subscribers (portal/outbox/sms.py, README "SMS"): the gateway and
        # its credentials, the sender, what deserves a text, sign-up limits.
        "SMS_PROVIDER": None,  # "twilio" | "messagebird"; None = SMS sign-up is off
        "SMS_FROM": None,  # the sender number (E.164) or alphanumeric sender id
        "SMS_TIMEOUT": 10,
        "SMS_DEFAULT_REGION": None,  # e.g. "NL": numbers typed without +<country code>
        "SMS_EVENTS": "incident:created,incident:resolved,maintenance:started",
        "SMS_SIGNUP_RATE_LIMIT": "5 per minute;20 per hour",  # per client address
        "SMS_NUMBER_RATE_LIMIT": "3 per hour;5 per day",  # codes per phone number
        "SMS_CODE_MAX_AGE": 15 * 60,
        "SMS_CODE_MAX_ATTEMPTS": 5,
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": None,
        "TWILIO_API_URL": "https://api.twilio.com",
        "MESSAGEBIRD_ACCESS_KEY": None,
        "MESSAGEBIRD_SIGNING_KEY": None,  # verifies MessageBird-Signature-JWT on STOP webhooks
        "MESSAGEBIRD_API_URL": "https://rest.messagebird.com",
        # Component status changes as Statuspage "component_update" webhooks.
        "WEBHOOK_COMPONENT_UPDATES": True,
        # Ticket form: forms, hours and routing come from tickets.yaml (see README).
        "TICKETS_CONFIG": None,  # path of tickets.yaml; default <DATA_DIR>/tickets.yaml, else the built-in one
        "TICKETS_RATE_LIMIT": "5 per minute;30 per day",  # ticket submissions per IP address
        "TICKET_SUBMIT_LOCK_TIMEOUT": 3,  # seconds a ticket waits for a database lock before the form comes back
        "TICKETS_EVENTS_RATE_LIMIT": "120 per minute;2000 per day",  # analytics events per IP address
        "TICKETS_COUNT_VISITS": True,  # count help-center page views per day (no cookies, no IPs)
        # The support loop (portal/support/config.py says what each means).
        "SUPPORT_TARGETS": {"average_hours": 2.0, "within_hours": 2.0, "within_share": 0.8, "aim_hours": 1.0,
                            "promise_hours": 24.0},  # first-answer targets, business hours
        "SUPPORT_TEAMS": {},  # team name -> form slugs; default: the form's group in tickets.yaml
        "SUPPORT_HELPDESK_TOKEN": None,  # shared secret for the events API besides staff API tokens
        "SUPPORT_ANSWER_ADDRESS": None,  # answer mailbox; signed per-ticket addresses are made from it
        "SUPPORT_AGENT_DOMAINS": None,  # sender domains that count as answers; default: support.email's
        "SUPPORT_IDEAS_FORM": "suggestion",  # the form whose tickets become ideas
        "SUPPORT_RATING_MAX_AGE_DAYS": 90,  # how long a rating link works
        "SUPPORT_RATING_RATE_LIMIT": "30 per minute;300 per day",  # rating posts per IP address
        # Paths of content folders that `portal import` reads by default.
        "ARTICLES_DIR": str(PROJECT_ROOT / "articles"),
        "INCIDENTS_DIR": str(PROJECT_ROOT / "incidents"),
        # Status: shared secret monitoring may send to /api/v1/status/webhook/monitoring
        # (as "Authorization: Bearer ..." or ?token=); None = operator API tokens only.
        "STATUS_WEBHOOK_TOKEN": None,
    }


def default(name: str):
    """One built-in default, for code that runs outside an app (no data folder involved)."""
    return defaults(Path("instance"))[name]


def from_environment() -> dict:
    """Settings named in the environment.

    ``PORTAL_<NAME>`` is Flask's :meth:`~flask.Config.from_prefixed_env`: the
    value parsed as JSON when it parses (``2525`` an int, ``true`` a bool,
    ``["a", "b"]`` a list), else kept as text; ``PORTAL_A__B`` sets key ``B``
    of the dict ``A``. ``PORTAL_DATA_DIR`` is not a setting: it chose the data
    folder the defaults were made from (:func:`data_dir_from_environment`).
    The unprefixed ``DATABASE_URL``, ``REDIS_URL`` and ``SECRET_KEY`` are the
    names hosting platforms set.
    """
    from flask import Config

    found = Config(str(PROJECT_ROOT))
    found.from_prefixed_env("PORTAL")
    found.pop("DATA_DIR", None)
    if os.environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(os.environ["DATABASE_URL"])
    if os.environ.get("REDIS_URL") and "RATELIMIT_STORAGE_URI" not in found:
        found["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    if os.environ.get("SECRET_KEY"):
        found["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return dict(found)


def normalize_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def data_dir_from_environment(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("PORTAL_DATA_DIR", "instance")).resolve()


def ensure_secret_key(config: dict) -> None:
    """Use SECRET_KEY if given, else one kept in the data folder (made once).

    Called by the app factory, not at import: a fresh install gets a stable
    random key without anybody having to invent one.
    """
    if config.get("SECRET_KEY"):
        return
    path = Path(config["DATA_DIR"]) / "secret_key"
    if path.exists():
        config["SECRET_KEY"] = path.read_text().strip()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server process made it first
        config["SECRET_KEY"] = path.read_text().strip()
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    config["SECRET_KEY"] = key


# -- the public address (SITE_URL) ------------------------------------------------

class SiteUrlError(ValueError):
    """PORTAL_SITE_URL is not an address links can use."""


def normalize_site_url(value: str) -> str:
    """``https://help.example.com`` from what an operator typed; a clear error otherwise."""
    from urllib.parse import urlsplit

    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteUrlError(f"PORTAL_SITE_URL must be an absolute http(s) address such as "
                         f"https://help.example.com, not {value!r}")
    if parts.path or parts.query or parts.fragment:
        raise SiteUrlError(f"PORTAL_SITE_URL must be the site's address without a path "
                         f"(the portal is served from /), not {value!r}")
    return text


#: Where ``portal serve`` notes the address it derived, for CLI commands run beside it.
SERVED_SITE_URL_FILE = "served_site_url"


def resolve_site_url(config: dict) -> None:
    """Check SITE_URL and note whether it was configured (``SITE_URL_CONFIGURED``).

    Unset, it is the address the last ``portal serve`` on this data folder
    derived (so ``portal incident create`` in a second terminal sends links to
    the running server), else :data:`FALLBACK_SITE_URL`.
    """
    configured = bool(config.get("SITE_URL"))
    config["SITE_URL_CONFIGURED"] = configured
    if configured:
        config["SITE_URL"] = normalize_site_url(config["SITE_URL"])
        return
    served = Path(config["DATA_DIR"]) / SERVED_SITE_URL_FILE
    try:
        config["SITE_URL"] = normalize_site_url(served.read_text())
    except (OSError, SiteUrlError):  # never served, or the note is damaged
        config["SITE_URL"] = FALLBACK_SITE_URL


def note_served_site_url(url: str, data_dir: Path | None = None) -> None:
    """Remember the address a server derived (see :func:`resolve_site_url`)."""
    data_dir = Path(data_dir or data_dir_from_environment())
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SERVED_SITE_URL_FILE).write_text(url + "\n")


def configured_site_url(data_dir: Path | None = None, environ=None) -> str | None:
    """SITE_URL as the operator set it (environment, else the instance config.py), or None.

    Read without building the app: ``portal serve`` needs it before forking.
    """
    environ = os.environ if environ is None else environ
    if environ.get("PORTAL_SITE_URL"):
        return environ["PORTAL_SITE_URL"]
    from flask import Config

    data_dir = data_dir or data_dir_from_environment(environ)
    settings = Config(str(data_dir))
    settings.from_pyfile(str(Path(data_dir) / "config.py"), silent=True)
    return settings.get("SITE_URL") or None


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def site_url_for_bind(host: str, port: int) -> str:
    """The address a server bound to ``host:port`` answers on, for links.

    A wildcard bind (0.0.0.0, ::) answers on the machine's name; that is a
    guess, which is why serving beyond loopback without PORTAL_SITE_URL warns.
    """
    import socket

    if host in ("", "0.0.0.0", "::", "[::]"):
        host = socket.getfqdn() or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}" + ("" if port == 80 else f":{port}")

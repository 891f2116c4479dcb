"""Cross-cutting web concerns: template globals, security headers, safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

from portal.config import DEFAULT_EMBED_HOSTS


def embed_hosts() -> tuple[str, ...]:
    # an empty list (PORTAL_EMBED_HOSTS=[]) is not "no hosts": it falls back to the defaults
    return tuple(current_app.config["EMBED_HOSTS"] or DEFAULT_EMBED_HOSTS)


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site, path-only targets: no scheme, no host, no ``//evil``."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target


def init_app(app: Flask) -> None:
    @app.context_processor
    def _site_context():
        cfg = app.config
        return {
            "site": {
                "name": cfg["SITE_NAME"],
                "logo_url": cfg.get("SITE_LOGO_URL"),
                "primary_color": cfg.get("SITE_PRIMARY_COLOR"),
                "accent_color": cfg.get("SITE_ACCENT_COLOR"),
                "url": cfg.get("SITE_URL"),
            }
        }

    @app.after_request
    def _security_headers(response):
        frames = " ".join("https://" + h for h in embed_hosts())
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: https:; media-src 'self' https:; "
            f"frame-src {frames}; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

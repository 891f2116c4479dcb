"""Access control for views: staff pages and JSON APIs.

``role_required(*roles)`` guards HTML staff pages: anonymous visitors are sent
to the sign-in page, a signed-in user without the role gets 403. Admins pass
every role check; with no roles, any active staff member passes.

``api_auth_required(*roles)`` guards JSON APIs: a per-user API token
(``Authorization: Bearer ptk_…``) or a signed-in session; the user is put in
``g.api_user``. Failures are JSON ``{"error": {"code", "message"}}`` (401
without valid credentials, 403 without the role), like ``portal/errors.py``.
Views using it with tokens must be CSRF-exempt; because of that, requests that
authenticate with the session cookie instead get their CSRF token checked here.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import services
from portal.extensions import csrf, login_manager


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _json_error(code: int, message: str, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, ``""`` if the header is
    malformed, ``None`` if there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def api_auth_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = _bearer_token()
            if token is not None:
                user = services.authenticate_token(token)
                if user is None:
                    return _json_error(401, _("The API token is missing, invalid or revoked."),
                                       {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            elif current_user.is_authenticated:
                user = current_user._get_current_object()
                if current_app.config.get("WTF_CSRF_ENABLED", True):
                    # The view is CSRF-exempt for token clients; a browser session
                    # still has to prove the request came from our own pages.
                    csrf.protect()
            else:
                return _json_error(401, _("Sign in or send an API token: Authorization: Bearer <token>."),
                                   {"WWW-Authenticate": "Bearer"})
            if not user.has_role(*roles):
                return _json_error(403, _("Your account's role may not use this API."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator

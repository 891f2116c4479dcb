"""Staff accounts: users, roles, login, API tokens.

``init_app`` wires Flask-Login (user loader, login page, strong session
protection), registers the auth pages as staff links and gives templates
``staff_links()``: the links of ``app.extensions["portal.staff_links"]`` the
signed-in user's role may see (what ``templates/auth/staff_base.html`` shows).
"""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

STAFF_LINKS_KEY = "portal.staff_links"

#: Role names for people (the stored values are the dict keys).
ROLE_LABELS = {
    "admin": _l("Administrator"),
    "writer": _l("Writer"),
    "operator": _l("Operator"),
}


def visible_staff_links(user) -> list[dict]:
    """Registered staff links this user may open, each with its ``url``.

    A link's ``roles`` lists who may see it (admins see all; an empty tuple
    means every staff member). Links whose endpoint does not exist (a domain not
    built yet) are left out rather than breaking the page.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    found = []
    for link in current_app.extensions.get(STAFF_LINKS_KEY, []):
        if not user.has_role(*link.get("roles", ())):
            continue
        if link["endpoint"] not in current_app.view_functions:
            continue
        url = url_for(link["endpoint"])
        found.append({**link, "url": url})
    return found


def init_app(app: Flask) -> None:
    from portal.auth import services
    from portal.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(services.load_session_user)

    links = app.extensions.setdefault(STAFF_LINKS_KEY, [])
    links.append({"endpoint": "auth.tokens", "label": _l("API tokens"), "roles": ()})

    @app.context_processor
    def _staff_context():
        def staff_links():
            return visible_staff_links(current_user)

        def _under(url: str) -> bool:
            return request.path == url or request.path.startswith(url.rstrip("/") + "/")

        def staff_link_is_current(url: str) -> bool:
            if url == url_for("auth.dashboard"):
                return request.path == url
            if not _under(url):
                return False
            # /staff/search/synonyms is its own link, not "under" /staff/search/
            return not any(len(link["url"]) > len(url) and _under(link["url"]) for link in staff_links())

        return {
            "staff_links": staff_links,
            "staff_link_is_current": staff_link_is_current,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
        }

"""Flask extensions, created once and bound in the app factory."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager

import portal.ratelimit  # noqa: F401  (registers the sqlite:// limits storage)
from portal.cache.forms import PortalCSRF

babel = Babel()
# Flask-WTF plus cookie-free tokens for the forms on cached pages (portal.cache.forms).
csrf = PortalCSRF()
login_manager = LoginManager()
# Limits are declared where they apply (login, ticket form, sign-ups); there is
# no global default so that reading the help center is never throttled.
# Counters live in RATELIMIT_STORAGE_URI: shared by all processes (see portal.ratelimit).
limiter = Limiter(key_func=get_remote_address, default_limits=[])

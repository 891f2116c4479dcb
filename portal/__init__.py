"""portal: a self-hosted help center and status portal.

``create_app`` is the application factory (as in Flask's tutorial). Each domain
lives in its own subpackage (``kb``, ``search``, ``tickets``, ``status``,
``auth``, ``insights``) with thin ``views.py``, a ``services.py`` that is the one
write path, and its ``models.py``. Blueprints are registered with their URL
prefixes in :data:`BLUEPRINTS`, the one place that maps the site.
"""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask

from portal import config as config_module

#: (module, attribute, url_prefix). ``<lang:lang>`` prefixes are pages that
#: exist once per language; the rest are language-neutral (APIs, staff pages,
#: the status page which negotiates its language).
BLUEPRINTS: tuple[tuple[str, str, str | None], ...] = (
    ("portal.core.views", "bp", None),
    ("portal.auth.views", "bp", "/staff"),
    ("portal.kb.views", "bp", "/<lang:lang>"),
    ("portal.kb.views", "staff_bp", "/staff/articles"),
    ("portal.kb.editor_api", "editor_bp", "/staff/articles"),
    ("portal.kb.editor_api", "media_bp", "/media"),
    ("portal.kb.feedback_views", "feedback_bp", "/staff/feedback"),
    ("portal.insights.views", "staff_bp", "/staff/insights"),
    ("portal.insights.views", "api_bp", "/api/v1"),
    ("portal.kb.findability", "bp", None),
    ("portal.search.views", "bp", "/<lang:lang>"),
    ("portal.search.api", "bp", "/api/v1"),
    ("portal.search.views", "staff_bp", "/staff/search"),
    ("portal.status.views", "bp", None),
    ("portal.status.channel_views", "bp", None),
    ("portal.status.api", "bp", "/api/v2"),
    ("portal.status.ops_api", "ops_bp", "/api/v1/status"),
    ("portal.status.staff_views", "staff_bp", "/staff/status"),
    ("portal.tickets.views", "bp", "/<lang:lang>/contact"),
    ("portal.tickets.views", "staff_bp", "/staff/tickets"),
    ("portal.status.subscriber_views", "bp", "/subscriptions"),
    ("portal.status.subscriber_views", "staff_bp", "/staff/broadcast"),
    ("portal.kb.welcome_views", "api_bp", "/api/v1"),
    ("portal.support.views", "bp", "/<lang:lang>"),
    ("portal.support.views", "api_bp", "/api/v1"),
    ("portal.support.staff_views", "staff_bp", "/staff/support"),
    ("portal.openapi", "bp", "/api"),
    ("portal.ops.views", "bp", None),
)

#: Per-domain hooks run after blueprints are registered (signals, context
#: processors, index listeners, the in-process worker). Each is ``init_app(app)``.
DOMAIN_INIT = (
    "portal.cache",
    "portal.auth",
    "portal.kb",
    "portal.search",
    "portal.status",
    "portal.outbox",
    "portal.tickets",
    "portal.insights",
    "portal.support",
    "portal.ops",
)


def create_app(test_config: dict | None = None) -> Flask:
    root = config_module.PROJECT_ROOT
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    from portal.routing import SharedBuilderRule
    from portal.templating import SHARED_BYTECODE_CACHE

    app.url_rule_class = SharedBuilderRule  # URL builders compiled once per process, not per app
    app.jinja_options = {**app.jinja_options, "bytecode_cache": SHARED_BYTECODE_CACHE}
    data_dir = Path((test_config or {}).get("DATA_DIR") or config_module.data_dir_from_environment())
    app.config.from_mapping(config_module.defaults(data_dir))
    app.config.from_pyfile(str(data_dir / "config.py"), silent=True)
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    config_module.ensure_secret_key(app.config)
    config_module.resolve_site_url(app.config)
    if app.config.get("PROXY_COUNT"):
        # Behind N reverse proxies: trust X-Forwarded-For/-Proto/-Host from them
        # only, so rate limits and secure cookies see the real client.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    for key in ("SEARCH_INDEX_DIR", "UPLOAD_DIR", "MAIL_DIR"):
        Path(app.config[key]).mkdir(parents=True, exist_ok=True)
    if not app.debug and not app.testing:
        from portal.ops import logs

        if logs.json_enabled(app):
            logs.configure_json_logging()
        else:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)

    from portal import db, errors, i18n, validation, web
    from portal.extensions import babel, csrf, limiter, login_manager

    db.init_app(app)
    db.import_models()
    i18n.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=i18n.translation_directory(app),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    validation.init_app(app)

    for module_name, attr, prefix in BLUEPRINTS:
        blueprint = getattr(importlib.import_module(module_name), attr)
        app.register_blueprint(blueprint, url_prefix=prefix)
    from portal.cli import register_commands

    register_commands(app.cli)
    for module_name in DOMAIN_INIT:
        module = importlib.import_module(module_name)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
    return app

"""Help center articles: import and export, rendering, browsing, the welcome
guides, the writers' workflow (drafts beside the live version, scheduled
publishing, revisions, translations, renames) and the sitemap."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the article and category importers (batched commits) for ``portal import``,
    the canonical-link helper, and scheduled publishing as a periodic job of the worker."""
    from portal.content import register_import_finisher, register_importer
    from portal.kb import findability, icons, services, viewcount, workflow
    from portal.outbox.worker import register_periodic_job

    register_importer(app, "article", services.import_article)
    register_importer(app, "category", services.import_category)
    register_import_finisher(app, services.finish_import)
    app.add_template_global(icons.icon_svg, "category_icon_svg")
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "kb_staff.index", "label": _l("Articles"), "roles": ("writer",)})
    findability.init_app(app)
    _track_versions()
    counter = viewcount.counter_for(app)
    app.extensions.setdefault("portal.on_server_start", []).append(lambda _app: counter.start())
    register_periodic_job(app, workflow.publish_due)


def kb_scope(locale: str) -> str:
    """The page-cache scope of one language's articles and categories."""
    return f"kb:{locale}"


#: Which languages have which slugs (the "other languages" of every article page).
SLUGS_SCOPE = "kb:slugs"
#: Changes to these decide whether an article is on a page at all, and where.
_PLACEMENT = ("slug", "locale", "status", "visibility")


def _article_scopes(article) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(article)
    scopes = {kb_scope(article.locale)}
    if state.pending or state.deleted or state.transient:
        return scopes | {SLUGS_SCOPE}
    for name in _PLACEMENT:
        history = state.attrs[name].history
        if history.has_changes():
            scopes.add(SLUGS_SCOPE)
            scopes.update(kb_scope(old) for old in (history.deleted or ()) if name == "locale" and old)
    return scopes


def _track_versions() -> None:
    """Every article or category write bumps its language's page-cache version."""
    from portal.cache import versions
    from portal.config import SUPPORTED_LOCALES
    from portal.kb.models import Article, Category

    every = lambda: {kb_scope(code) for code in SUPPORTED_LOCALES} | {SLUGS_SCOPE}  # noqa: E731
    versions.track(Article, _article_scopes, every)
    versions.track(Category, lambda category: {kb_scope(category.locale)}, every)

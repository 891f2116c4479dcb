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
    from portal.kb import findability, icons, services, workflow
    from portal.outbox.worker import register_periodic_job

    register_importer(app, "article", services.import_article)
    register_importer(app, "category", services.import_category)
    register_import_finisher(app, services.finish_import)
    app.add_template_global(icons.icon_svg, "category_icon_svg")
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "kb_staff.index", "label": _l("Articles"), "roles": ("writer",)})
    findability.init_app(app)
    register_periodic_job(app, workflow.publish_due)

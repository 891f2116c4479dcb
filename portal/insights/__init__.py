"""Insights for writers: what customers search for, open, rate and still ask support.

``/staff/insights`` (:mod:`portal.insights.views`) reads the kb, search and
tickets data (:mod:`portal.insights.report`) and draws its charts with
:mod:`portal.charts`. The only data this domain writes is the anonymous
search log (:mod:`portal.insights.services`): searches on the search page
(through :data:`portal.signals.search_performed`) and clicks on results and
suggestions (a cookie-free beacon, ``static/js/search-clicks.js``).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal import signals
    from portal.insights import services

    signals.search_performed.connect(services.on_search_performed, sender=app, weak=False)
    app.extensions.setdefault("portal.staff_links", []).append(
        {"endpoint": "insights_staff.index", "label": _l("Insights"), "roles": ("writer",)})

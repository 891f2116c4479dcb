"""HTTP views of the insights domain (thin).

* ``/staff/insights`` (``insights_staff.index``, writers): the content-gap
  rows and charts for the last 7, 30 or 90 days, one language or all.
* ``POST /api/v1/search-clicks`` (``insights_api.search_click``): the
  cookie-free beacon of ``static/js/search-clicks.js``; anonymous, CSRF-free
  (it changes nothing anyone owns: one counter), rate-limited per IP address.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.auth.decorators import role_required
from portal.config import SUPPORTED_LOCALES
from portal.errors import render_error
from portal.extensions import csrf, limiter
from portal.insights import report, services, trends
from portal.insights.schemas import SearchClick
from portal.validation import validate

staff_bp = Blueprint("insights_staff", __name__)
api_bp = Blueprint("insights_api", __name__)
MAX_STALE_MONTHS = 120


def _period() -> tuple[report.Period, int]:
    days = request.args.get("days", type=int)
    locale = request.args.get("locale") if request.args.get("locale") in SUPPORTED_LOCALES else None
    default_months = int(current_app.config["INSIGHTS_STALE_MONTHS"])
    months = request.args.get("stale_months", default_months, type=int) or default_months
    return (report.Period(days=days if days in report.PERIODS else report.DEFAULT_PERIOD, locale=locale),
            min(max(1, months), MAX_STALE_MONTHS))


@staff_bp.get("/")
@role_required("writer")
def index():
    period, stale_months = _period()
    return render_template(
        "insights/index.html", period=period, periods=report.PERIODS, stale_months=stale_months,
        least_helpful=report.least_helpful(period),
        no_results=report.no_result_searches(period),
        unopened=report.unopened_searches(period),
        top_searches=report.top_searches(period),
        most_read=report.most_read(period),
        deflecting=report.deflecting_articles(period),
        stale=report.stale_articles(period, stale_months),
        outdated=report.outdated_translations(period),
        charts=trends.all_charts(period),
    )


@api_bp.post("/search-clicks")
@csrf.exempt
@limiter.limit(lambda: current_app.config["INSIGHTS_CLICK_RATE_LIMIT"])
def search_click():
    # force: a beacon may send its JSON as text/plain (no CORS preflight)
    click = validate(SearchClick, request.get_json(silent=True, force=True))
    try:
        services.record_click(click.model_dump())
    except services.ClickError as exc:
        return render_error(400, str(exc))
    return "", 204

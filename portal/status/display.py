"""Words and times for people: status labels in the reader's language and
timestamps in the page's time zone with the UTC offset.

Labels are lazy strings so they translate per request; templates get them
through the ``status_label`` / ``status_time`` helpers registered in
``portal.status.init_app``.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from portal.status.clock import configured_timezone

LABELS = {
    # component statuses
    "operational": _l("Operational"),
    "degraded_performance": _l("Degraded performance"),
    "partial_outage": _l("Partial outage"),
    "major_outage": _l("Major outage"),
    "under_maintenance": _l("Under maintenance"),
    # incident statuses
    "investigating": _l("Investigating"),
    "identified": _l("Identified"),
    "monitoring": _l("Monitoring"),
    "resolved": _l("Resolved"),
    "postmortem": _l("Postmortem"),
    # maintenance statuses
    "scheduled": _l("Scheduled"),
    "in_progress": _l("In progress"),
    "verifying": _l("Verifying"),
    "completed": _l("Completed"),
}

IMPACT_LABELS = {
    "none": _l("No impact"),
    "minor": _l("Minor"),
    "major": _l("Major"),
    "critical": _l("Critical"),
    "maintenance": _l("Maintenance"),
}

#: The headline of the status page per overall indicator.
HEADLINES = {
    "none": _l("All systems operational"),
    "minor": _l("Minor service disruption"),
    "major": _l("Major service outage"),
    "critical": _l("Critical outage"),
    "maintenance": _l("Maintenance in progress"),
}

#: Statuspage's ``status.description`` values (English, as clients expect them).
STATUSPAGE_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}


def status_label(value: str) -> str:
    return str(LABELS.get(value) or IMPACT_LABELS.get(value) or value.replace("_", " ").capitalize())


def utc_offset(moment: datetime) -> str:
    """``UTC+01:00`` for a zone-aware moment."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def status_time(moment: datetime | None, with_date: bool = True) -> str:
    """``22 Nov 2026, 14:05 CET (UTC+01:00)`` in the configured TIMEZONE and the reader's language."""
    if moment is None:
        return ""
    from babel.dates import format_datetime as babel_format

    tz = configured_timezone()
    local = moment.astimezone(tz)
    pattern = "d MMM y, HH:mm" if with_date else "HH:mm"
    text = babel_format(local, pattern, tzinfo=tz, locale=get_locale())
    zone = local.tzname() or ""
    return f"{text} {zone} ({utc_offset(local)})" if zone else f"{text} ({utc_offset(local)})"


def month_label(moment: datetime) -> str:
    """``November 2026`` in the reader's language (history headings)."""
    from babel.dates import format_datetime as babel_format

    tz = configured_timezone()
    return babel_format(moment.astimezone(tz), "LLLL y", tzinfo=tz, locale=get_locale())


def iso_local(moment: datetime | None) -> str:
    """ISO 8601 in the configured zone, for ``<time datetime>`` and the API."""
    return moment.astimezone(configured_timezone()).isoformat() if moment else ""


def parse_moment(text: str | None) -> datetime | None:
    """ISO 8601 from people and tools: with an offset as given, without one in
    the page's time zone (what an HTML ``datetime-local`` field sends)."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(_("Not a date and time: %(value)s (use e.g. 2026-11-22T14:00+01:00).",
                           value=text)) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=configured_timezone())
    return moment


def status_date(day) -> str:
    """``22 Nov 2026`` in the reader's language (uptime bar titles)."""
    from babel.dates import format_date

    return format_date(day, "d MMM y", locale=get_locale())


def status_percent(value: float | None) -> str:
    """``99.95 %`` / ``99,95 %``: two decimals with the reader's decimal sign
    (Babel, current locale), a space before the sign (ISO 80000, and what the
    status page has always shown in every language)."""
    if value is None:
        return ""
    from flask_babel import format_decimal

    return f"{format_decimal(value, '0.00')} %"

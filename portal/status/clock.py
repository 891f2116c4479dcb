"""The status page's time zone (``PORTAL_TIMEZONE``): day bars, times on pages
and in feeds are shown in it. Its own module so that display and uptime both
use it without importing each other."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from portal.i18n import site_timezone


def configured_timezone() -> ZoneInfo:
    return site_timezone()

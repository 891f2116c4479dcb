"""Models of the insights domain: what customers search for and what they open.

One row per day, language and normalized query, with counters: writers want
"searched often, opened never", not a log of every visitor. Nothing personal
is stored: no IP address, no cookie, no session id, and query text passes
:func:`portal.tickets.pii.scrub` (e-mail addresses, phone numbers) first.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base

#: Longest query text kept (as the search domain's no-result record).
MAX_QUERY_CHARS = 200


class SearchDaily(Base):
    """Searches of one query in one language on one day (UTC), and clicks on their results."""

    __tablename__ = "insights_search_daily"
    __table_args__ = (UniqueConstraint("day", "locale", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    locale: Mapped[str] = mapped_column(String(8))
    #: Lower-cased, whitespace-collapsed, scrubbed query text.
    query: Mapped[str] = mapped_column(String(MAX_QUERY_CHARS))
    #: Searches on the search page (first result page only: paging is not a new search).
    searches: Mapped[int] = mapped_column(Integer, default=0)
    #: How many results the latest of those searches found.
    results: Mapped[int] = mapped_column(Integer, default=0)
    #: Results opened from the search page.
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    #: As-you-type suggestions opened for this (typed) text.
    suggest_clicks: Mapped[int] = mapped_column(Integer, default=0)

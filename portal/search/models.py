"""Models of the search domain: what customers searched for and did not find."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow

#: Longest query text kept (longer ones are cut; nobody needs more to see a gap).
MAX_QUERY_CHARS = 200


class NoResultQuery(Base):
    """One normalized query that found nothing, aggregated per language.

    Aggregated (one row per query and language, with a counter) rather than a
    log of every search: writers want "what is missing, most asked first",
    and the table stays small however busy the portal is.
    """

    __tablename__ = "search_no_results"
    __table_args__ = (UniqueConstraint("query", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased, whitespace-collapsed query text.
    query: Mapped[str] = mapped_column(String(MAX_QUERY_CHARS))
    locale: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<NoResultQuery {self.locale} {self.query!r} x{self.count}>"

"""The content versions every page cache is keyed by.

One row per *scope* (``kb:en``, ``kb:slugs``, ``status``, ...): its version
goes up by one in the same transaction as any change to what the scope covers
(see :mod:`portal.cache.versions`). Because the counters live in the database,
every server process reads the same versions: a change committed through any
of them invalidates the cached pages of all of them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class ContentVersion(Base):
    __tablename__ = "cache_content_versions"

    #: What the counter covers, e.g. ``kb:nl`` (articles and categories in Dutch).
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    #: When it last went up: the pages' ``Last-Modified``.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Models of the search domain: what customers searched for and did not find,
what they taught it (learning), and the synonyms writers manage."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Integer, String, Text, UniqueConstraint
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


# -- what customers taught it (learning.py) ------------------------------------

#: Longest term kept (a stem of the index's vocabulary).
MAX_TERM_CHARS = 64
MAX_SLUG_CHARS = 200


class LearnedArticleSignal(Base):
    """How strongly customers who typed ``term`` were helped by an article.

    Aggregated, never per customer: one row per (language, term, article),
    ``weight`` is the sum of credits, each halved every half-life; it is
    stored as of ``updated_at`` and decayed when read (see ``learning.py``).
    Terms are stems that occur in the index's own vocabulary, so names,
    e-mail addresses and order numbers a customer typed are never kept.
    """

    __tablename__ = "search_learned_signals"
    __table_args__ = (UniqueConstraint("locale", "term", "article_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    term: Mapped[str] = mapped_column(String(MAX_TERM_CHARS))
    article_slug: Mapped[str] = mapped_column(String(MAX_SLUG_CHARS))
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingDeflection(Base):
    """An opened suggestion whose attempt has not ended yet.

    Becomes a credit when the customer says it solved the problem, or leaves
    without sending the ticket; dropped when the ticket is sent. Holds only
    the anonymous attempt id (random, made by the browser) and the same
    vocabulary terms as :class:`LearnedArticleSignal`; deleted once settled.
    """

    __tablename__ = "search_pending_deflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    article_slug: Mapped[str] = mapped_column(String(MAX_SLUG_CHARS))
    #: Space-separated terms.
    terms: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# -- synonyms writers manage (synonyms.py) -------------------------------------

class SynonymGroup(Base):
    """Words customers use for the same thing in one language ("invoice, bill")."""

    __tablename__ = "search_synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), index=True)
    #: The words, lower-cased, joined by ", " (as a writer types them).
    terms: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def words(self) -> list[str]:
        return [term for term in self.terms.split(", ") if term]


class SearchSettingVersion(Base):
    """A counter per kind of search setting, bumped on every change.

    Each server process caches what it read and compares this one row
    (a primary-key lookup) to see a change made in another process.
    """

    __tablename__ = "search_setting_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


# -- keeping every server's index in step (changes.py, follower.py) -------------

#: SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigserial.
_CHANGE_ID = BigInteger().with_variant(Integer, "sqlite")


class SearchChange(Base):
    """One change to what is indexed, written in the transaction that made it.

    An ordered log every server's index follower reads from where it got to
    (``search_index_positions``); old rows are pruned after
    ``SEARCH_CHANGES_RETENTION_DAYS`` (a server further behind rebuilds).
    """

    __tablename__ = "search_changes"
    # Ids must never be reused (SQLite reuses the highest after a prune emptied the table).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(_CHANGE_ID, primary_key=True, autoincrement=True)
    #: What changed: "article" (the one kind the index holds today).
    kind: Mapped[str] = mapped_column(String(16))
    #: Its key within the kind (an article id, as text).
    key: Mapped[str] = mapped_column(String(64))
    #: "save" or "delete"; informative only (the follower re-reads the row).
    op: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The server (index folder) whose process made the change and indexed it itself.
    origin: Mapped[str | None] = mapped_column(String(200))


class SearchIndexPosition(Base):
    """How far one server's index has applied ``search_changes`` (for ``portal index check``)."""

    __tablename__ = "search_index_positions"

    #: ``SEARCH_SERVER_ID``: by default host name and index folder.
    server_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Every change up to this id is in that server's index.
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    #: "following", "rebuilding" or "catching up".
    state: Mapped[str] = mapped_column(String(16), default="following")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

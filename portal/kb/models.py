"""Models of the help center: categories, articles, revisions, feedback, views.

An article exists once per language: translations share the ``slug`` and differ
in ``locale`` (as in the alchemy data, where one file name is one article in
four languages). Categories are per language for the same reason.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

STATUS_PUBLISHED = "published"
STATUS_DRAFT = "draft"
ARTICLE_STATUSES = (STATUS_PUBLISHED, STATUS_DRAFT)
#: Who may read a published article: everyone, or signed-in staff only.
VISIBILITY_PUBLIC = "public"
VISIBILITY_INTERNAL = "internal"
VISIBILITIES = (VISIBILITY_PUBLIC, VISIBILITY_INTERNAL)

#: The category slug of the onboarding "welcome letter" guides (/welcome).
WELCOME_CATEGORY = "welcome"
DEFAULT_CATEGORY = "general"


class Category(Base):
    __tablename__ = "kb_categories"
    __table_args__ = (UniqueConstraint("slug", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=100)
    source_path: Mapped[str | None] = mapped_column(String(500))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Article(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (UniqueConstraint("slug", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    locale: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    category_slug: Mapped[str] = mapped_column(String(120), default=DEFAULT_CATEGORY, index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    #: Other ways customers ask what this article answers (front matter ``questions:``);
    #: search indexes them with a high weight.
    questions: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_PUBLISHED)
    #: Position within its category (front matter ``order``); welcome guides use it as the step number.
    position: Mapped[int | None] = mapped_column(Integer)
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: Sanitized HTML rendered from body_md (never trust it less than nh3 made it).
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: Plain text of the rendered body: what search indexes.
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: [{"id": anchor, "text": heading, "level": 2}, ...] for the table of contents and search.
    headings: Mapped[list] = mapped_column(JSON, default=list)
    #: Front matter keys the portal does not use, kept as they were (e.g. ms.*).
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    source_path: Mapped[str | None] = mapped_column(String(500))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    #: ``internal`` articles are for signed-in staff only (never in customer pages, search, sitemap).
    visibility: Mapped[str] = mapped_column(String(16), default=VISIBILITY_PUBLIC, server_default=VISIBILITY_PUBLIC)
    #: The revision holding a pending draft of a published article: the live
    #: columns above stay what customers read until the draft is published.
    draft_revision_id: Mapped[int | None] = mapped_column(Integer)
    #: When the pending draft (or an unpublished article) goes live by itself (UTC).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Set when the source-language article changed after this translation was
    #: last updated; cleared when a writer updates it or marks it still current.
    outdated_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list["ArticleRevision"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleRevision.id")

    @property
    def is_published(self) -> bool:
        return self.status == STATUS_PUBLISHED

    @property
    def is_internal(self) -> bool:
        return self.visibility == VISIBILITY_INTERNAL

    @property
    def has_pending_draft(self) -> bool:
        return self.draft_revision_id is not None

    @hybrid_property
    def is_customer_visible(self) -> bool:
        """Published and public: what customers (pages, search, sitemap) may see. One rule, one place."""
        return self.status == STATUS_PUBLISHED and self.visibility != VISIBILITY_INTERNAL

    @is_customer_visible.expression
    def is_customer_visible(cls):
        return and_(cls.status == STATUS_PUBLISHED, cls.visibility == VISIBILITY_PUBLIC)

    def __repr__(self) -> str:
        return f"<Article {self.locale}/{self.slug}>"


class ArticleRevision(Base):
    """Every saved version of an article, newest last."""

    __tablename__ = "kb_article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body_md: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))  # e-mail of staff, or "import"
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")


#: The three points of "Did this help?", best first (stored values).
RATING_GREAT = "great"
RATING_OKAY = "okay"
RATING_POOR = "poor"  # shown as "Not really"
RATINGS = (RATING_GREAT, RATING_OKAY, RATING_POOR)
class ArticleRedirect(Base):
    """An old article URL (``/<locale>/articles/<old_slug>``) that answers 301 to the new slug.

    Renames keep this table flat: after A→B→C both A and B point at C, and
    renaming back to A removes A's own redirect, so there are no chains or loops.
    """

    __tablename__ = "kb_redirects"
    __table_args__ = (UniqueConstraint("locale", "old_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    old_slug: Mapped[str] = mapped_column(String(200))
    new_slug: Mapped[str] = mapped_column(String(200), index=True)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleFeedback(Base):
    """One "Did this help?" answer: a three-point rating and an optional comment.

    No personal data is stored: no IP address, no account, no cookie. The
    comment may follow the rating on the same record (see :mod:`portal.kb.feedback`).
    Writers mark commented feedback done in the feedback inbox.
    """

    __tablename__ = "kb_article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    #: One of :data:`RATINGS`.
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When a writer handled the comment in the inbox (None: still to do).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: E-mail of the staff member who marked it done.
    done_by: Mapped[str | None] = mapped_column(String(200))

    article: Mapped[Article] = relationship()


class ArticleViewDaily(Base):
    """Page views per article and day: "most read in the last 90 days"."""

    __tablename__ = "kb_article_views"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)

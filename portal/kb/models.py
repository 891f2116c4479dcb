"""Models of the help center: categories, articles, revisions, feedback, views.

An article exists once per language: translations share the ``slug`` and differ
in ``locale`` (as in the alchemy data, where one file name is one article in
four languages). Categories are per language for the same reason.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

STATUS_PUBLISHED = "published"
STATUS_DRAFT = "draft"
ARTICLE_STATUSES = (STATUS_PUBLISHED, STATUS_DRAFT)

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list["ArticleRevision"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleRevision.id")

    @property
    def is_published(self) -> bool:
        return self.status == STATUS_PUBLISHED

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

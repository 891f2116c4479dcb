"""Article feedback: "Did this help?" on three points, happiness scores, the inbox.

The one write path for :class:`~portal.kb.models.ArticleFeedback`:

* :func:`record_rating` stores the reader's choice at once and returns a
  signed *follow-up token*; :func:`add_comment` adds the optional comment
  (or changes the choice) on the same record with that token. So a reader
  who only clicks "Great" is counted, and one who writes more does not make
  a second record. The token is an HMAC of the record id (itsdangerous),
  valid :data:`FOLLOW_UP_SECONDS`: nobody can write on someone else's record,
  and nothing about the reader is stored or needed.
* :func:`happiness` and :func:`scores_for` compute the happiness score: the
  share of "great" answers, and the Net (great minus not really, in points).
* :func:`inbox` / :func:`mark_done` / :func:`reopen`: commented feedback
  for writers (``/staff/feedback``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import case, func, select

from portal.db import session, utcnow
from portal.pagination import Page, paginate
from portal.kb.models import RATING_GREAT, RATING_OKAY, RATING_POOR, RATINGS, Article, ArticleFeedback

MAX_COMMENT = 2000
#: How long after choosing a point the comment may follow (seconds).
FOLLOW_UP_SECONDS = 2 * 3600
_TOKEN_SALT = "portal.kb.feedback"
INBOX_PAGE_SIZE = 50
INBOX_OPEN, INBOX_DONE, INBOX_ALL = "open", "done", "all"
INBOX_STATES = (INBOX_OPEN, INBOX_DONE, INBOX_ALL)


class FeedbackError(ValueError):
    """Feedback that cannot be stored (unknown point, expired or forged token)."""


@dataclass(frozen=True)
class Happiness:
    """Counts of the three points and the scores derived from them."""

    great: int = 0
    okay: int = 0
    poor: int = 0

    @property
    def total(self) -> int:
        return self.great + self.okay + self.poor

    @property
    def great_share(self) -> float | None:
        """Share of "great" answers, 0..1 (None without answers): the happiness score."""
        return self.great / self.total if self.total else None

    @property
    def net(self) -> int | None:
        """Great minus not really, in percentage points (-100..100)."""
        return round(100 * (self.great - self.poor) / self.total) if self.total else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def follow_up_token(feedback: ArticleFeedback) -> str:
    return _serializer().dumps(feedback.id)


def _clean_comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise FeedbackError(f"comment longer than {MAX_COMMENT} characters")
    return text or None


def record_rating(article: Article, rating: str, comment: str | None = None) -> ArticleFeedback:
    """Store one answer (and a comment sent with it); commits."""
    if rating not in RATINGS:
        raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}")
    feedback = ArticleFeedback(article_id=article.id, rating=rating, comment=_clean_comment(comment))
    session.add(feedback)
    session.commit()
    return feedback


def feedback_for_token(token: str | None, article: Article) -> ArticleFeedback | None:
    """The record a follow-up token was made for, if it is valid and about ``article``."""
    if not token or len(token) > 200:
        return None
    try:
        feedback_id = _serializer().loads(token, max_age=FOLLOW_UP_SECONDS)
    except BadSignature:  # includes SignatureExpired
        return None
    feedback = session.get(ArticleFeedback, feedback_id) if isinstance(feedback_id, int) else None
    return feedback if feedback is not None and feedback.article_id == article.id else None


def add_comment(token: str | None, article: Article, comment: str | None,
                rating: str | None = None) -> ArticleFeedback:
    """Add the comment (and/or a changed point) to the record of ``token``; commits."""
    feedback = feedback_for_token(token, article)
    if feedback is None:
        raise FeedbackError("unknown or expired feedback token")
    if rating is not None:
        if rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}")
        feedback.rating = rating
    text = _clean_comment(comment)
    if text is not None:
        feedback.comment = text
        feedback.done_at = feedback.done_by = None  # a new comment is to do again
    session.commit()
    return feedback


# -- scores ---------------------------------------------------------------------

def _counts_columns():
    return (func.sum(case((ArticleFeedback.rating == RATING_GREAT, 1), else_=0)),
            func.sum(case((ArticleFeedback.rating == RATING_OKAY, 1), else_=0)),
            func.sum(case((ArticleFeedback.rating == RATING_POOR, 1), else_=0)))


def happiness(article_id: int | None = None, *, since: datetime | None = None) -> Happiness:
    """The counts for one article (or all articles), optionally since a time."""
    statement = select(*_counts_columns())
    if article_id is not None:
        statement = statement.where(ArticleFeedback.article_id == article_id)
    if since is not None:
        statement = statement.where(ArticleFeedback.created_at >= since)
    great, okay, poor = session.execute(statement).one()
    return Happiness(int(great or 0), int(okay or 0), int(poor or 0))


def scores_for(article_ids) -> dict[int, Happiness]:
    """Happiness of many articles in one query (the editor list); absent = no answers."""
    ids = list(article_ids)
    if not ids:
        return {}
    rows = session.execute(select(ArticleFeedback.article_id, *_counts_columns())
                           .where(ArticleFeedback.article_id.in_(ids))
                           .group_by(ArticleFeedback.article_id)).all()
    return {article_id: Happiness(int(g or 0), int(o or 0), int(p or 0)) for article_id, g, o, p in rows}


# -- the writers' inbox -----------------------------------------------------------

def inbox(*, state: str = INBOX_OPEN, rating: str | None = None, locale: str | None = None,
          article_id: int | None = None, page: int = 1, page_size: int = INBOX_PAGE_SIZE) -> Page:
    """Commented feedback, newest first, filtered; items are (feedback, article) pairs."""
    statement = (select(ArticleFeedback, Article).join(Article, Article.id == ArticleFeedback.article_id)
                 .where(ArticleFeedback.comment.is_not(None)))
    if state == INBOX_OPEN:
        statement = statement.where(ArticleFeedback.done_at.is_(None))
    elif state == INBOX_DONE:
        statement = statement.where(ArticleFeedback.done_at.is_not(None))
    if rating in RATINGS:
        statement = statement.where(ArticleFeedback.rating == rating)
    if locale:
        statement = statement.where(Article.locale == locale)
    if article_id is not None:
        statement = statement.where(ArticleFeedback.article_id == article_id)
    return paginate(session, statement.order_by(ArticleFeedback.created_at.desc(), ArticleFeedback.id.desc()),
                    page, page_size, scalars=False)


def open_comment_count() -> int:
    return session.scalar(select(func.count(ArticleFeedback.id)).where(
        ArticleFeedback.comment.is_not(None), ArticleFeedback.done_at.is_(None))) or 0


def mark_done(feedback_id: int, staff_email: str) -> ArticleFeedback | None:
    """Mark one comment handled; None if there is no such feedback. Commits."""
    feedback = session.get(ArticleFeedback, feedback_id)
    if feedback is None:
        return None
    if feedback.done_at is None:
        feedback.done_at, feedback.done_by = utcnow(), staff_email
        session.commit()
    return feedback


def reopen(feedback_id: int) -> ArticleFeedback | None:
    """Put a comment back in the open list; None if there is no such feedback. Commits."""
    feedback = session.get(ArticleFeedback, feedback_id)
    if feedback is None:
        return None
    feedback.done_at = feedback.done_by = None
    session.commit()
    return feedback

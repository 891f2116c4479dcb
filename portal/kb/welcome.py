"""The onboarding welcome letter: welcome guides and the most common questions.

Sent by ``portal welcome send EMAIL`` and ``POST /api/v1/customers`` (a signup
hook). The letter lists the welcome guides (kb articles in the ``welcome``
category, by ``position``) and the most-read articles of the last 90 days
(``ArticleViewDaily``) as "most common questions", in the customer's
language (falling back to the default language when there are no guides in
it). It is idempotent per address: its key is ``welcome:<address>``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.i18n import default_locale
from portal.kb.models import WELCOME_CATEGORY, Article, ArticleViewDaily
from portal.outbox.addresses import AddressError, normalize_email
from portal.outbox.links import site_url
from portal.outbox.models import Message
from portal.outbox.rendering import in_locale, normalize_locale, render_mail
from portal.outbox.services import enqueue_email

POPULAR_DAYS = 90
POPULAR_LIMIT = 5


def welcome_key(address: str) -> str:
    return f"welcome:{address}"


def _article_link(article) -> dict:
    return {"title": article.title, "summary": article.summary or "",
            "url": site_url(f"/{article.locale}/articles/{article.slug}")}


def welcome_guides(session: Session, locale: str) -> list[dict]:
    def in_language(lang: str):
        return list(session.scalars(
            select(Article).where(Article.category_slug == WELCOME_CATEGORY, Article.locale == lang,
                                  Article.is_customer_visible)
            .order_by(Article.position.is_(None), Article.position, Article.title)))

    articles = in_language(locale) or in_language(default_locale())
    return [_article_link(a) for a in articles]


def most_common_questions(session: Session, locale: str, limit: int = POPULAR_LIMIT) -> list[dict]:
    """The most-read published articles of the last 90 days in ``locale`` (not the guides)."""
    since = (utcnow() - timedelta(days=POPULAR_DAYS)).date()
    views = func.sum(ArticleViewDaily.views).label("views")
    rows = session.execute(
        select(Article, views)
        .join(ArticleViewDaily, ArticleViewDaily.article_id == Article.id)
        .where(ArticleViewDaily.day >= since, Article.locale == locale, Article.is_customer_visible,
               Article.category_slug != WELCOME_CATEGORY)
        .group_by(Article.id)
        .order_by(views.desc(), Article.title)
        .limit(limit)).all()
    return [_article_link(article) for article, _views in rows]


def send_welcome(session: Session, email: str, *, name: str | None = None,
                 locale: str | None = None) -> tuple[Message, bool]:
    """Queue the welcome letter (the caller commits). Returns (message, newly queued).

    Raises :class:`AddressError` for an address that is not one."""
    address = normalize_email(email)
    name = (name or "").strip()[:200] or None
    locale = normalize_locale(locale)
    key = welcome_key(address)
    existing = session.scalar(select(Message).where(Message.key == key))
    if existing is not None:
        return existing, False
    guides = welcome_guides(session, locale)
    questions = most_common_questions(session, locale)
    with in_locale(locale):
        body = render_mail("kb/email/welcome", name=name, guides=guides, questions=questions,
                           help_url=site_url(f"/{locale}/"), contact_url=site_url(f"/{locale}/contact/"),
                           status_url=site_url(f"/{locale}/status"))
        subject = _("Welcome to %(site)s: how to get started", site=current_app.config["SITE_NAME"])
    message = enqueue_email(session, to=address, subject=subject, text=body["text"], html=body["html"],
                            key=key, purpose="welcome")
    return message, True


__all__ = ["AddressError", "send_welcome", "welcome_guides", "most_common_questions"]

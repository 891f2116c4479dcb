"""The customer's rating of an answer: signed one-click links and recording.

A link is ``/<lang>/rate/<token>?choice=great``. The token is
``itsdangerous``-signed ``{"r": ticket reference, "k": the rating's random
link key}``: a changed character breaks the signature (refused), a valid
token acts on the one rating row whose key and reference it names (a link
cannot rate another ticket, and dies with the row when the ticket is erased).

Why GET never records: mail scanners and link previews fetch every link in
an e-mail. The link opens a page with the choice preselected; a tiny script
submits it at once (one click for the customer), without JavaScript the
customer presses the button. The POST records; a later POST (another link, or
the page's own buttons) changes the rating and adds the optional comment.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support.messages import external_url
from portal.support.models import SCORES, Rating

_SALT = "portal.support.rating"
MAX_COMMENT = 2000


class InvalidRatingLink(Exception):
    """A rating link that was altered, has expired, or whose rating is gone."""


@dataclass(frozen=True)
class Claim:
    reference: str
    link_key: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(rating: Rating) -> str:
    return _serializer().dumps({"r": rating.reference, "k": rating.link_key})


def links_for(rating: Rating, lang: str) -> dict:
    """The three one-click links (and the plain page) of a rating request."""
    token = make_token(rating)
    links = {score: external_url("support.rate", lang=lang, token=token, choice=score) for score in SCORES}
    links["page"] = external_url("support.rate", lang=lang, token=token)
    return links


def read_token(token: str) -> Claim:
    max_age = int(current_app.config["SUPPORT_RATING_MAX_AGE_DAYS"]) * 86400
    if not token or len(token) > 500:
        raise InvalidRatingLink("malformed")
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidRatingLink("expired") from exc
    except BadSignature as exc:
        raise InvalidRatingLink("bad signature") from exc
    if not isinstance(data, dict) or not isinstance(data.get("r"), str) or not isinstance(data.get("k"), str):
        raise InvalidRatingLink("malformed")
    return Claim(data["r"], data["k"])


def rating_for_token(session: Session, token: str) -> Rating:
    """The rating a valid link was issued for; raises :class:`InvalidRatingLink`."""
    claim = read_token(token)
    rating = session.scalars(select(Rating).where(Rating.link_key == claim.link_key)).first()
    if rating is None or rating.reference != claim.reference:
        raise InvalidRatingLink("no such rating")
    return rating


def record(session: Session, rating: Rating, score: str, comment: str | None = None) -> Rating:
    """Set (or change) the score; a comment, when given, replaces the previous one. Commits."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}")
    rating.score = score
    rating.rated_at = utcnow()
    if comment is not None and comment.strip():
        rating.comment = comment.strip()[:MAX_COMMENT]
    session.commit()
    return rating

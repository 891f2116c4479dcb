"""Models of the auth domain: staff users and their personal API tokens.

Customers never have accounts; every :class:`User` is staff with one role.
API tokens are stored only as a SHA-256 hash plus a short prefix for display:
a leaked database does not leak usable tokens.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

ROLE_ADMIN = "admin"
ROLE_WRITER = "writer"
ROLE_OPERATOR = "operator"
#: Every staff role. ``admin`` may do everything the others may.
ROLES = (ROLE_ADMIN, ROLE_WRITER, ROLE_OPERATOR)

#: Every API token starts with this, so secret scanners and people recognise it.
TOKEN_PREFIX = "ptk_"
#: How many leading characters of a token are kept in clear for display.
TOKEN_DISPLAY_LENGTH = len(TOKEN_PREFIX) + 8


class User(UserMixin, Base):
    __tablename__ = "auth_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case (see ``services.normalize_email``).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    #: An argon2id hash; ``None`` means no password is set and nobody can sign in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    api_tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to sign in inactive users
        return bool(self.active)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def has_role(self, *roles: str) -> bool:
        """True if the user holds one of ``roles`` (any staff role when none are
        given); admins pass every check."""
        if not self.active:
            return False
        return not roles or self.role == ROLE_ADMIN or self.role in roles

    def session_fingerprint(self) -> str:
        """Changes whenever the password changes, which ends other sessions."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def get_id(self) -> str:
        # Flask-Login's "alternative token": the id plus a password fingerprint,
        # so set-password signs the user out everywhere else.
        return f"{self.id}.{self.session_fingerprint()}"

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


class ApiToken(Base):
    __tablename__ = "auth_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), index=True)
    #: What the owner calls it ("Nagios on mon-01").
    name: Mapped[str] = mapped_column(String(100))
    #: The first characters of the token, e.g. ``ptk_3fA9x1Qz``, to recognise it in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    #: Hex SHA-256 of the whole token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"

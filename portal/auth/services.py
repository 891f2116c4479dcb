"""The auth domain's one write path: staff users, passwords and API tokens.

Passwords are hashed with argon2id (argon2-cffi); a hash made with older
parameters is upgraded on the next successful sign-in. API tokens are random
``ptk_…`` strings of which only a SHA-256 hash and a short display prefix are
stored. Every function that changes something commits.

Failed sign-ins are counted per account (from any address) in the rate-limit
storage every server process shares (``RATELIMIT_STORAGE_URI``); past
``LOGIN_LOCKOUT_LIMIT`` the account is locked for the rest of the window, for
every address and with the same message whether or not the account exists.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
import logging

from flask import current_app
from limits import parse as parse_limit
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import ROLES, TOKEN_DISPLAY_LENGTH, TOKEN_PREFIX, ApiToken, User
from portal.db import session, utcnow
from portal.emails import InvalidEmail, normalize_email, validate_email

MIN_PASSWORD_LENGTH = 12
#: Argon2 happily hashes megabytes; refuse that before it becomes a denial of service.
MAX_PASSWORD_LENGTH = 1024
MAX_TOKEN_NAME_LENGTH = 100
MAX_NAME_LENGTH = 200
#: ``last_used_at`` is written at most this often per token, not on every API call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

_dummy_hashes: dict[tuple, str] = {}


log = logging.getLogger(__name__)
LOCKOUT_NAMESPACE = "login-lockout"


class AuthError(ValueError):
    """Bad input for a staff account; ``str(err)`` is a message for people."""


class AccountLocked(AuthError):
    """Too many failed sign-ins for one account; ``str(err)`` says what to do."""

    def __init__(self):
        super().__init__(_("Too many failed sign-ins for this account. It is locked for a while: try again later, "
                           "or ask an administrator to unlock it."))


# -- passwords -------------------------------------------------------------------

def password_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's recommended parameters, or cheap ones when
    ``PASSWORD_HASH_FAST`` is set (tests only: it makes guessing cheap too)."""
    if current_app.config.get("PASSWORD_HASH_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(_("The password must be at least %(count)d characters long. "
                          "A few unrelated words make a good one.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(_("The password must be at most %(count)d characters long.", count=MAX_PASSWORD_LENGTH))


def generate_password() -> str:
    """A strong random password (about 144 bits) for accounts made without one."""
    return secrets.token_urlsafe(18)


def _verify_against_dummy(hasher: PasswordHasher, password: str) -> None:
    """Spend the time of a real check, so response times do not reveal which
    e-mail addresses have accounts."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(16))
    try:
        hasher.verify(_dummy_hashes[key], password)
    except VerificationError:
        pass  # expected: the dummy never matches


def _attached(user: User) -> User:
    """The current session's instance of ``user`` (callers may hold one loaded
    elsewhere, e.g. a test fixture's), so that changes are really committed."""
    if user in session:
        return user
    found = session.get(User, user.id)
    if found is None:
        raise AuthError(_("That staff account no longer exists."))
    return found


def set_password(user: User, password: str) -> None:
    """Set a new password (validated); other sessions of the user end."""
    validate_password(password)
    user = _attached(user)
    user.password_hash = password_hasher().hash(password)
    session.commit()


# -- users -----------------------------------------------------------------------

def get_user_by_email(email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users() -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def create_user(email: str, role: str, password: str | None = None, name: str | None = None) -> User:
    """Create a staff account. Without a password nobody can sign in to it until
    one is set (``portal user set-password``)."""
    try:
        email = validate_email(email)
    except InvalidEmail:
        email = normalize_email(email)
        raise AuthError(_("“%(email)s” is not a valid e-mail address.", email=email))
    if role not in ROLES:
        raise AuthError(_("Unknown role “%(role)s”; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    name = (name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise AuthError(_("The name must be at most %(count)d characters long.", count=MAX_NAME_LENGTH))
    if password is not None:
        validate_password(password)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AuthError(_("A staff account for %(email)s already exists.", email=email))
    user = User(email=email, role=role, name=name, active=True,
                password_hash=password_hasher().hash(password) if password is not None else None)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:  # created concurrently between our check and the insert
        session.rollback()
        raise AuthError(_("A staff account for %(email)s already exists.", email=email)) from exc
    return user


def set_active(user: User, active: bool) -> None:
    """(De)activate an account. Deactivated users cannot sign in, their
    sessions end at the next request and their API tokens stop working."""
    user = _attached(user)
    user.active = active
    session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The user whose e-mail and password these are, or ``None`` — the same
    ``None`` for an unknown address, a wrong password or an inactive account."""
    hasher = password_hasher()
    user = get_user_by_email(email) if email else None
    if user is None or not user.password_hash or not password or len(password) > MAX_PASSWORD_LENGTH:
        _verify_against_dummy(hasher, (password or "")[:MAX_PASSWORD_LENGTH])
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError, VerificationError):
        return None
    if not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        # Hashing parameters changed since this hash was made: upgrade it now,
        # the one moment we know the password.
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    session.commit()
    return user


def sign_in(email: str, password: str) -> User | None:
    """:func:`authenticate` guarded by the per-account lockout: raises
    :class:`AccountLocked` while the address is locked (the password is then not
    even checked) and when this failure locks it."""
    if is_locked(email):
        _verify_against_dummy(password_hasher(), (password or "")[:MAX_PASSWORD_LENGTH])
        raise AccountLocked()
    user = authenticate(email, password)
    if user is None:
        if _record_failed_sign_in(email):
            raise AccountLocked()
        return None
    unlock(email)
    return user


def _lockout() -> tuple[FixedWindowRateLimiter, object]:
    extensions = current_app.extensions
    if "portal.lockout" not in extensions:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"], wrap_exceptions=True)
        extensions["portal.lockout"] = FixedWindowRateLimiter(storage)
    return extensions["portal.lockout"], parse_limit(current_app.config["LOGIN_LOCKOUT_LIMIT"])


def _lockout_key(email: str) -> str:
    # A digest, so the shared counter storage holds no e-mail addresses; under
    # RATELIMIT_KEY_PREFIX, as Flask-Limiter's keys, so that two portals on one
    # Redis database keep their lockouts apart.
    digest = hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:40]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return f"{prefix}:{digest}" if prefix else digest


def is_locked(email: str) -> bool:
    limiter, limit = _lockout()
    try:
        return not limiter.test(limit, LOCKOUT_NAMESPACE, _lockout_key(email))
    except StorageError:
        log.warning("rate-limit storage unavailable: account lockout not checked", exc_info=True)
        return False


def _record_failed_sign_in(email: str) -> bool:
    """Count one failure; whether the account is now locked."""
    limiter, limit = _lockout()
    try:
        limiter.hit(limit, LOCKOUT_NAMESPACE, _lockout_key(email))
    except StorageError:
        log.warning("rate-limit storage unavailable: failed sign-in not counted", exc_info=True)
        return False
    return is_locked(email)


def unlock(email: str) -> None:
    """End a lockout (and forget earlier failures) for this address."""
    limiter, limit = _lockout()
    try:
        limiter.clear(limit, LOCKOUT_NAMESPACE, _lockout_key(email))
    except StorageError:
        log.warning("rate-limit storage unavailable: lockout not cleared", exc_info=True)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: ``<id>.<password fingerprint>`` of an active user."""
    user_id, _sep, fingerprint = (session_id or "").partition(".")
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_fingerprint(), fingerprint):
        return None
    return user


# -- API tokens ------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(user: User, name: str) -> str:
    """Make a new token for ``user`` and return it; it cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise AuthError(_("Give the token a name, e.g. where it will be used."))
    if len(name) > MAX_TOKEN_NAME_LENGTH:
        raise AuthError(_("The token name must be at most %(count)d characters long.", count=MAX_TOKEN_NAME_LENGTH))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # By id, not relationship: the caller's User may belong to another session.
    session.add(ApiToken(user_id=user.id, name=name, prefix=token[:TOKEN_DISPLAY_LENGTH], token_hash=hash_token(token)))
    session.commit()
    return token


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def revoke_api_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s own tokens; ``None`` if it is not theirs."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return token


def authenticate_token(token: str) -> User | None:
    """The active user owning this unrevoked token, else ``None``."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if found is None or found.revoked_at is not None or not found.user.active:
        return None
    now = utcnow()
    if found.last_used_at is None or now - found.last_used_at >= TOKEN_TOUCH_INTERVAL:
        found.last_used_at = now
        session.commit()
    return found.user



def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (for re-confirming a signed-in user)."""
    if not user.password_hash or not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

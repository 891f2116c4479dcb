"""Database access: one engine per app, one session per app context.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): models derive from :class:`Base`,
code uses ``from portal.db import session`` which is the session of the current
application context (a request, a CLI command or a worker loop). The session is
closed when the context ends; services commit explicitly.

Schema changes go through Alembic (``portal/migrations``); ``portal init`` runs
them. Each domain owns a branch of migrations so that domains evolve apart.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

# Stable constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Aware UTC now; the one clock every model default uses (tests freeze it)."""
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while the worker writes; foreign keys are off by
    # default in SQLite; busy_timeout waits for a writer instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["portal.engine"] = engine
    app.extensions["portal.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["portal.engine"]


def new_session() -> Session:
    """A session of its own, for threads and code that manages its lifetime."""
    return current_app.extensions["portal.sessionmaker"]()


def get_session() -> Session:
    if "_portal_session" not in g:
        g._portal_session = new_session()
    return g._portal_session


def _close_session(_exc=None) -> None:
    sess = g.pop("_portal_session", None)
    if sess is not None:
        sess.close()


#: The current context's session.
session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def is_postgres() -> bool:
    return engine().dialect.name == "postgresql"


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware UTC in Python, whatever the backend.

    SQLite has no time zones; storing naive UTC and re-attaching UTC on load
    keeps comparisons and arithmetic correct on both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


#: Domain packages that have models; imported so Base.metadata knows them all.
MODEL_MODULES = (
    "portal.auth.models",
    "portal.kb.models",
    "portal.search.models",
    "portal.status.models",
    "portal.status.subscription_models",
    "portal.outbox.models",
    "portal.tickets.models",
    "portal.insights.models",
    "portal.support.models",
    "portal.cache.models",
)


def import_models() -> None:
    import importlib

    for name in MODEL_MODULES:
        importlib.import_module(name)

"""Shared fixtures: an app on a fresh, migrated database and a temporary data folder.

The database is SQLite by default. With ``TEST_DATABASE_URL`` set (as ``.ci/run``
does for its second pass), the same tests run on PostgreSQL: one database per
test worker, migrated once, with every table emptied between tests.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from portal import create_app, migrations

# Browser fixtures (live_server, browser, page) registered once for the whole
# session: importing them into several modules would start several Playwright
# instances, and Playwright's sync API allows only one at a time.
pytest_plugins = ["tests.browser"]

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _pg_url_for(worker: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    from portal.config import normalize_database_url

    base = make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"portal_test_{worker}_{os.getpid()}"
    return base.render_as_string(hide_password=False), base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, worker_id="master"):
    """A migrated database: a SQLite file to copy, or a PostgreSQL URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if TEST_DATABASE_URL:
        admin_url, url = _pg_url_for(worker)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        dbname = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        admin.dispose()
        engine = create_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield {"kind": "postgresql", "url": url}
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("dbtemplate") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    yield {"kind": "sqlite", "path": path}


def _empty_postgres(url: str) -> None:
    """Empty every table between tests. DELETE in reverse dependency order is
    much faster than TRUNCATE for tiny tables and takes no exclusive locks."""
    from portal.db import Base, import_models

    import_models()
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    if database_template["kind"] == "postgresql":
        _empty_postgres(database_template["url"])
        return database_template["url"]
    path = tmp_path / "portal.db"
    shutil.copy(database_template["path"], path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(tmp_path, database_url):
    """Build an app with overrides: ``make_app(RATELIMIT_ENABLED=True)``."""
    apps = []

    def factory(**overrides):
        data_dir = tmp_path / f"data{len(apps)}"
        config = {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SEARCH_INDEX_DIR": str(data_dir / "index"),
            "UPLOAD_DIR": str(data_dir / "uploads"),
            "MAIL_DIR": str(data_dir / "mail"),
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "WORKER_IN_PROCESS": False,
            "PASSWORD_HASH_FAST": True,  # cheap argon2 parameters in tests
            "SITE_URL": "http://portal.test",
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        # threads a test's server-start hooks began stop before their database goes
        for stop_key, thread_key in (("portal.search.follower_stop", "portal.search.follower_thread"),
                                     ("portal.notify.worker_stop", "portal.notify.worker_thread")):
            if stop_key in app.extensions:
                app.extensions[stop_key].set()
                app.extensions[thread_key].join(timeout=20)
        engine = app.extensions.get("portal.engine")
        if engine is not None:
            engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


# -- staff accounts (auth domain) ------------------------------------------------

STAFF_PASSWORD = "correct horse battery"


@pytest.fixture
def staff(database_url):
    """Factory of committed staff users: ``staff("operator")`` → User.

    E-mails default to ``<role><n>@staff.test``; the password to STAFF_PASSWORD.
    Written straight to the test database (no app is created, so apps a test
    builds with ``make_app(...)`` keep their settings). The user is detached:
    read its columns, don't lazy-load relationships.
    """
    from argon2 import PasswordHasher
    from sqlalchemy.orm import Session

    from portal.auth.models import ROLES, User
    from portal.auth.services import normalize_email

    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # as PASSWORD_HASH_FAST
    engine = create_engine(database_url)
    made = []

    def factory(role="admin", email=None, password=STAFF_PASSWORD, name=None):
        assert role in ROLES, role
        user = User(email=normalize_email(email or f"{role}{len(made) + 1}@staff.test"), role=role,
                    name=name or "", active=True, password_hash=hasher.hash(password))
        with Session(engine, expire_on_commit=False) as db_session:
            db_session.add(user)
            db_session.commit()
        made.append(user)
        return user

    yield factory
    engine.dispose()


@pytest.fixture
def login():
    """``login(client, user, password=STAFF_PASSWORD)`` signs in through the real
    login form (with its CSRF token when the app checks CSRF); asserts success."""
    import re

    def do_login(client, user, password=STAFF_PASSWORD):
        page = client.get("/staff/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
        data = {"email": user.email, "password": password}
        if match:
            data["csrf_token"] = match.group(1).decode()
        response = client.post("/staff/login", data=data)
        assert response.status_code == 302, f"login of {user.email} failed ({response.status_code})"
        return response

    return do_login

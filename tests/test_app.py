"""The app factory, configuration and schema management."""
from __future__ import annotations

from sqlalchemy import create_engine

from portal import config, create_app, migrations


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SITE_NAME", "Acme Help")
    monkeypatch.setenv("PORTAL_MAIL_PORT", "2525")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/x")
    found = config.from_environment()
    assert found["SITE_NAME"] == "Acme Help"
    assert found["MAIL_PORT"] == 2525
    assert found["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"


def test_secret_key_is_made_once_and_kept(tmp_path):
    cfg = {"DATA_DIR": str(tmp_path)}
    config.ensure_secret_key(cfg)
    again = {"DATA_DIR": str(tmp_path)}
    config.ensure_secret_key(again)
    assert cfg["SECRET_KEY"] == again["SECRET_KEY"] and len(cfg["SECRET_KEY"]) > 40


def test_init_creates_and_is_safe_to_rerun(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"DATA_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "upgraded" in first.output
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0 and "up to date" in second.output
    engine = create_engine(f"sqlite:///{tmp_path}/p.db")
    assert migrations.current_heads(engine) == migrations.script_heads()
    engine.dispose()


def test_migrations_match_models(database_url):
    """Every model change has a migration: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from portal.db import Base, import_models

    import_models()
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/en/no-such-page-here")
    assert response.status_code == 404
    assert b"could not find" in response.data
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.is_json


def test_root_redirects_by_accept_language(client):
    response = client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/nl/")


def test_language_switch_keeps_page_and_rejects_offsite(client):
    response = client.get("/language/de?next=/nl/articles/x")
    assert response.headers["Location"].endswith("/de/articles/x")
    assert "lang=de" in response.headers["Set-Cookie"]
    evil = client.get("/language/de?next=//evil.example/")
    assert "evil" not in evil.headers["Location"]


def test_security_headers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_cli_on_an_uninitialised_database_says_what_to_do(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["incident", "list"], env={"PORTAL_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "run `portal init`" in result.output and "Traceback" not in result.output

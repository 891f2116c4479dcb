"""Staff accounts: sign-in, roles, API tokens, the ``portal user`` CLI."""
from __future__ import annotations

import hashlib
import re

import pytest
from argon2 import PasswordHasher
from flask import g
from sqlalchemy import select

from portal.auth import services
from portal.auth.decorators import api_auth_required, role_required
from portal.auth.models import ApiToken, User
from portal.db import session
from portal.extensions import csrf
from tests.conftest import STAFF_PASSWORD

FAILED_LOGIN = b"The e-mail address or password is not right"


def add_probe_routes(app):
    """A writer-only staff page and an operator-only JSON API to aim at."""

    @role_required("writer")
    def writer_page():
        return "writer page"

    @api_auth_required("operator")
    def operator_api():
        return {"user": g.api_user.email}

    app.add_url_rule("/staff/probe", "probe_writer", writer_page)
    app.add_url_rule("/api/v1/probe", "probe_operator", operator_api, methods=["GET", "POST"])
    csrf.exempt(operator_api)
    return app


def csrf_token_of(response) -> str:
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', response.data).group(1).decode()


def get_user(app, email) -> User:
    with app.app_context():
        return services.get_user_by_email(email)


# -- signing in and out ------------------------------------------------------------

def test_login_success_signs_in_and_records_time(app, client, staff):
    user = staff("writer", name="Wendy Writer")
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200 and b"Wendy Writer" in dashboard.data
    assert get_user(app, user.email).last_login_at is not None


def test_login_failure_says_the_same_for_unknown_and_wrong(client, staff):
    user = staff()
    wrong = client.post("/staff/login", data={"email": user.email, "password": "not the password!"})
    unknown = client.post("/staff/login", data={"email": "nobody@staff.test", "password": "not the password!"})
    for response in (wrong, unknown):
        assert response.status_code == 200 and FAILED_LOGIN in response.data
    assert b"nobody@staff.test" not in unknown.data.replace(b'value="nobody@staff.test"', b"")
    assert client.get("/staff/").status_code == 302  # still signed out


def test_email_is_case_insensitive(client, staff):
    user = staff(email="Mixed.Case@Staff.Test")
    assert user.email == "mixed.case@staff.test"
    response = client.post("/staff/login", data={"email": "MIXED.case@staff.test ", "password": STAFF_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("next_url, expected", [
    ("/staff/tokens", "/staff/tokens"),
    ("//evil.example/", "/staff/"),
    ("https://evil.example/staff/", "/staff/"),
    ("/\\evil.example", "/staff/"),
])
def test_next_redirect_only_goes_to_this_site(client, staff, next_url, expected):
    user = staff()
    page = client.get("/staff/login", query_string={"next": next_url})
    assert page.status_code == 200
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD, "next": next_url})
    assert response.headers["Location"] == expected


def test_staff_page_sends_anonymous_visitors_to_login_and_back(client, staff, login):
    response = client.get("/staff/tokens")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    login_page = client.get(response.headers["Location"])
    assert b'value="/staff/tokens"' in login_page.data  # carried in the form


def test_logout_is_post_only(client, staff, login):
    login(client, staff())
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/staff/").status_code == 200  # the GET did not sign out
    response = client.post("/staff/logout")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_logout_checks_csrf_when_enabled(make_app, staff, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login(client, staff())
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200
    token = csrf_token_of(client.get("/staff/"))
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_login_checks_csrf_when_enabled(make_app, staff, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = staff()
    refused = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert refused.status_code == 400 and b"form expired" in refused.data
    assert client.get("/staff/").status_code == 302
    login(client, user)  # with the page's token it works
    assert client.get("/staff/").status_code == 200


def test_login_is_rate_limited(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    user = staff()
    for _attempt in range(3):
        assert client.post("/staff/login", data={"email": user.email, "password": "wrong password!!"}).status_code == 200
    blocked = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert blocked.status_code == 429
    assert b"Too many requests" in blocked.data and b"<html" in blocked.data
    assert client.get("/staff/").status_code == 302  # the right password did not get through
    assert client.get("/staff/login").status_code == 200  # reading the form is not limited


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, client, staff, login):
    user = staff("operator")
    login(client, user)
    with app.app_context():
        services.set_active(services.get_user_by_email(user.email), False)
    assert client.get("/staff/").status_code == 302
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 200 and FAILED_LOGIN in response.data


def test_new_password_ends_other_sessions(app, staff, login):
    user = staff()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post("/staff/password", data={
        "current_password": STAFF_PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/staff/").status_code == 200  # the session that changed it stays
    assert phone.get("/staff/").status_code == 302
    login(phone, user, password="a brand new passphrase")


def test_password_change_checks_current_and_length(client, staff, login):
    login(client, staff())
    wrong = client.post("/staff/password", data={
        "current_password": "not my password", "new_password": "long enough passphrase", "confirm": "long enough passphrase"})
    assert wrong.status_code == 200 and b"not your current password" in wrong.data
    short = client.post("/staff/password", data={
        "current_password": STAFF_PASSWORD, "new_password": "short", "confirm": "short"})
    assert short.status_code == 200 and b"at least 12 characters" in short.data


def test_password_minimum_length_message(app):
    with app.app_context(), pytest.raises(services.AuthError, match="at least 12 characters"):
        services.create_user("short@staff.test", "writer", password="elevenchars")


def test_password_hash_is_upgraded_on_login(app, client, staff):
    user = staff()
    old_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(STAFF_PASSWORD)
    with app.app_context():
        services.get_user_by_email(user.email).password_hash = old_hash
        session.commit()
    assert client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD}).status_code == 302
    with app.app_context():
        new_hash = services.get_user_by_email(user.email).password_hash
        assert new_hash != old_hash and new_hash.startswith("$argon2id$")
        assert not services.password_hasher().check_needs_rehash(new_hash)
        assert services.password_hasher().verify(new_hash, STAFF_PASSWORD)


# -- roles -------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [(None, 302), ("operator", 403), ("writer", 200), ("admin", 200)])
def test_role_required(make_app, staff, login, role, status):
    app = add_probe_routes(make_app())
    client = app.test_client()
    if role:
        login(client, staff(role))
    response = client.get("/staff/probe")
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/staff/login")


def test_dashboard_lists_the_links_the_role_may_see(make_app, staff, login):
    app = add_probe_routes(make_app())
    app.extensions["portal.staff_links"].append({"endpoint": "probe_writer", "label": "Writer probe", "roles": ("writer",)})
    app.extensions["portal.staff_links"].append({"endpoint": "not.built.yet", "label": "Ghost", "roles": ()})
    seen = {}
    for role in ("writer", "operator", "admin"):
        client = app.test_client()
        login(client, staff(role))
        seen[role] = client.get("/staff/").data
    assert b"Writer probe" in seen["writer"] and b"Writer probe" in seen["admin"]
    assert b"Writer probe" not in seen["operator"]
    assert all(b"API tokens" in page and b"Ghost" not in page for page in seen.values())


# -- API tokens --------------------------------------------------------------------

def test_api_auth_by_token(make_app, staff):
    app = add_probe_routes(make_app())
    client = app.test_client()
    operator, writer = staff("operator"), staff("writer")
    with app.app_context():
        operator_token = services.create_api_token(services.get_user_by_email(operator.email), "monitoring")
        writer_token = services.create_api_token(services.get_user_by_email(writer.email), "laptop")

    anonymous = client.get("/api/v1/probe")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(anonymous.json["error"]) == {"code", "message"} and anonymous.json["error"]["code"] == 401
    bogus = client.get("/api/v1/probe", headers={"Authorization": "Bearer ptk_not-a-real-token"})
    assert bogus.status_code == 401 and bogus.is_json
    basic = client.get("/api/v1/probe", headers={"Authorization": "Basic " + operator_token})
    assert basic.status_code == 401
    forbidden = client.get("/api/v1/probe", headers={"Authorization": f"Bearer {writer_token}"})
    assert forbidden.status_code == 403 and forbidden.json["error"]["code"] == 403
    ok = client.post("/api/v1/probe", headers={"Authorization": f"Bearer {operator_token}"})
    assert ok.status_code == 200 and ok.json == {"user": operator.email}

    with app.app_context():
        stored = session.scalar(select(ApiToken).where(ApiToken.name == "monitoring"))
        assert stored.token_hash == hashlib.sha256(operator_token.encode()).hexdigest()
        assert stored.prefix == operator_token[:12] and operator_token.startswith("ptk_")
        assert stored.last_used_at is not None
        row = session.execute(select(ApiToken.__table__)).all()
        assert not any(operator_token in str(value) for values in row for value in values)


def test_api_auth_by_session_checks_csrf(make_app, staff, login):
    app = add_probe_routes(make_app(WTF_CSRF_ENABLED=True))
    client = app.test_client()
    login(client, staff("operator"))
    assert client.get("/api/v1/probe").status_code == 200
    assert client.post("/api/v1/probe").status_code == 400  # exempt for tokens, not for cookies
    token = csrf_token_of(client.get("/staff/"))
    assert client.post("/api/v1/probe", headers={"X-CSRFToken": token}).status_code == 200


def test_tokens_page_shows_a_new_token_once_and_revokes(make_app, staff, login):
    app = add_probe_routes(make_app())
    client = app.test_client()
    user = staff("operator")
    login(client, user)
    created = client.post("/staff/tokens", data={"name": "Nagios"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = re.search(rb'value="(ptk_[^"]+)"', created.data).group(1).decode()
    assert client.get("/api/v1/probe", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    listing = client.get("/staff/tokens")
    assert token.encode() not in listing.data and token[:12].encode() in listing.data
    with app.app_context():
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "Nagios"))
    other = app.test_client()
    login(other, staff("operator"))
    assert other.post(f"/staff/tokens/{token_id}/revoke").status_code == 404  # not theirs

    assert client.post(f"/staff/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/probe", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert b"revoked" in client.get("/staff/tokens").data


def test_token_needs_a_name(app, client, staff, login):
    login(client, staff())
    response = client.post("/staff/tokens", data={"name": "  "})
    assert response.status_code == 200 and b'value="ptk_' not in response.data
    with app.app_context():
        assert session.scalar(select(ApiToken)) is None


def test_tokens_of_deactivated_users_stop_working(make_app, staff):
    app = add_probe_routes(make_app())
    user = staff("operator")
    with app.app_context():
        token = services.create_api_token(services.get_user_by_email(user.email), "cron")
        services.set_active(services.get_user_by_email(user.email), False)
    response = app.test_client().get("/api/v1/probe", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# -- CLI -----------------------------------------------------------------------------

def test_cli_add_with_password_from_stdin(app, runner, client):
    result = runner.invoke(args=["user", "add", "Ops@Example.com", "--role", "operator", "--name", "Olga",
                                 "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    user = get_user(app, "ops@example.com")
    assert (user.role, user.name, user.active) == ("operator", "Olga", True)
    assert client.post("/staff/login", data={"email": "ops@example.com", "password": "a long enough secret"}).status_code == 302


def test_cli_add_without_tty_generates_a_password(app, runner):
    result = runner.invoke(args=["user", "add", "new@example.com", "--role", "writer"])
    assert result.exit_code == 0, result.output
    password = re.search(r"shown only this once\): (\S+)", result.output).group(1)
    assert len(password) >= 12
    with app.app_context():
        assert services.authenticate("new@example.com", password) is not None


@pytest.mark.parametrize("args, stdin, message", [
    (["user", "add", "dup@example.com", "--role", "admin", "--password-stdin"], "another password!\n", "already exists"),
    (["user", "add", "x@example.com", "--role", "boss"], None, "'boss' is not one of"),
    (["user", "add", "not-an-address", "--role", "writer"], None, "not a valid e-mail address"),
    (["user", "add", "y@example.com", "--role", "writer", "--password-stdin"], "short\n", "at least 12 characters"),
    (["user", "set-password", "ghost@example.com", "--password-stdin"], "long enough password\n", "no staff account"),
    (["user", "token", "ghost@example.com", "--name", "x"], None, "no staff account"),
])
def test_cli_errors_are_clear(runner, staff, args, stdin, message):
    staff(email="dup@example.com")
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_cli_list_set_password_deactivate(app, runner, staff):
    staff("writer", email="w@example.com", name="Wim")
    staff("operator", email="o@example.com")
    listing = runner.invoke(args=["user", "list"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert "o@example.com" in lines[1] and "operator" in lines[1]
    assert "w@example.com" in lines[2] and "Wim" in lines[2] and "never" in lines[2]

    changed = runner.invoke(args=["user", "set-password", "w@example.com", "--password-stdin"], input="fresh password here\n")
    assert changed.exit_code == 0, changed.output
    with app.app_context():
        assert services.authenticate("w@example.com", "fresh password here") is not None
    assert runner.invoke(args=["user", "deactivate", "w@example.com"]).exit_code == 0
    assert "inactive" in runner.invoke(args=["user", "list"]).output
    with app.app_context():
        assert services.authenticate("w@example.com", "fresh password here") is None


def test_cli_token_prints_a_working_token(make_app, staff):
    app = add_probe_routes(make_app())
    staff("operator", email="mon@example.com")
    result = app.test_cli_runner().invoke(args=["user", "token", "mon@example.com", "--name", "monitoring"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ptk_")
    response = app.test_client().get("/api/v1/probe", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json == {"user": "mon@example.com"}


def test_role_required_guards_a_whole_blueprint_via_before_request(make_app, staff, login):
    from flask import Blueprint

    guarded = Blueprint("guarded_probe", __name__)

    @guarded.before_request
    @role_required("operator")
    def _staff_only():
        """Nothing to do: the decorator refuses or lets through."""

    guarded.add_url_rule("/", "index", lambda: "operator area")
    app = make_app()
    app.register_blueprint(guarded, url_prefix="/staff/guarded")
    client = app.test_client()
    assert client.get("/staff/guarded/").status_code == 302
    login(client, staff("writer"))
    assert client.get("/staff/guarded/").status_code == 403
    operator = app.test_client()
    login(operator, staff("operator"))
    assert operator.get("/staff/guarded/").data == b"operator area"


def test_services_accept_users_loaded_elsewhere(app, staff):
    user = staff("writer")  # detached: loaded by the fixture's own session
    with app.app_context():
        services.set_active(user, False)
        services.set_password(user, "another long password")
    with app.app_context():
        stored = services.get_user_by_email(user.email)
        assert stored.active is False
        assert services.verify_password(stored, "another long password")

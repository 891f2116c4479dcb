"""Sign-in limits that hold across server processes: per client address
(``LOGIN_RATE_LIMIT``) and per account (the lockout), in the shared SQLite
counters by default and in Redis when configured."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from portal.auth import services
from tests.conftest import STAFF_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LOCKED = b"Too many failed sign-ins for this account"
WRONG = "wrong password!!"


def _post_login(client, email, password, address):
    return client.post("/staff/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_account_locks_after_failures_from_many_addresses_and_cli_unlocks(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="5 per minute", LOGIN_LOCKOUT_LIMIT="4 per hour")
    client = app.test_client()
    user = staff()
    for n in range(3):  # each from its own address: the per-address limit never applies
        assert _post_login(client, user.email, WRONG, f"10.0.0.{n}").status_code == 200
    fourth = _post_login(client, user.email, WRONG, "10.0.0.9")  # the failure that locks says so
    assert fourth.status_code == 429 and LOCKED in fourth.data
    locked = _post_login(client, user.email, STAFF_PASSWORD, "10.0.1.1")
    assert locked.status_code == 429 and LOCKED in locked.data
    assert client.get("/staff/").status_code == 302  # the right password did not get through
    result = app.test_cli_runner().invoke(args=["user", "unlock", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert _post_login(client, user.email, STAFF_PASSWORD, "10.0.1.2").status_code == 302


def test_lockout_does_not_tell_which_accounts_exist(make_app, staff):
    app = make_app(LOGIN_LOCKOUT_LIMIT="2 per hour")
    client = app.test_client()
    user = staff()
    answers = {}
    for email in (user.email, "nobody@staff.test"):
        _post_login(client, email, WRONG, "10.0.0.1")
        _post_login(client, email, WRONG, "10.0.0.2")
        third = _post_login(client, email, WRONG, "10.0.0.1")
        answers[email] = (third.status_code, LOCKED in third.data)
    assert answers[user.email] == answers["nobody@staff.test"] == (429, True)


def test_a_successful_sign_in_forgets_earlier_failures(make_app, staff):
    app = make_app(LOGIN_LOCKOUT_LIMIT="3 per hour")
    user = staff()
    with app.test_request_context():
        for _round in range(3):
            assert services.sign_in(user.email, WRONG) is None
            assert services.sign_in(user.email, WRONG) is None
            assert services.sign_in(user.email, STAFF_PASSWORD) is not None
        assert not services.is_locked(user.email)


# -- across processes ----------------------------------------------------------------

_ATTEMPTS = textwrap.dedent("""
    import json, sys
    from portal import create_app
    config = json.loads(sys.argv[1])
    app = create_app(config)
    client = app.test_client()
    codes = [client.post("/staff/login", data={"email": "x@staff.test", "password": "wrong password!!"},
                         environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code for _ in range(5)]
    print(json.dumps(codes))
""")


def _redis_url() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return "redis://127.0.0.1:6379/0"
    except OSError:
        return None


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_login_limit_counts_across_processes(tmp_path, database_url, storage):
    """Two app processes sharing the data folder: 5 attempts in total, not per process."""
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "WORKER_IN_PROCESS": False,
              "PASSWORD_HASH_FAST": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
              "LOGIN_RATE_LIMIT": "5 per minute", "LOGIN_LOCKOUT_LIMIT": "1000 per hour"}
    if storage == "redis":
        url = _redis_url()
        if url is None:
            pytest.skip("no Redis on 127.0.0.1:6379")
        config["RATELIMIT_STORAGE_URI"] = url
        config["RATELIMIT_KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"  # never another run's counters
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = []
    for n in range(2):
        data_dir = tmp_path / "data"  # the same folder for both: as two gunicorn workers
        config.update(DATA_DIR=str(data_dir), SEARCH_INDEX_DIR=str(data_dir / "index"),
                      UPLOAD_DIR=str(data_dir / f"uploads{n}"), MAIL_DIR=str(data_dir / "mail"))
        processes.append(subprocess.Popen([sys.executable, "-c", _ATTEMPTS, json.dumps(config)], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    codes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        codes += json.loads(out.strip().splitlines()[-1])
    assert sorted(codes) == [200] * 5 + [429] * 5


def test_sqlite_storage_counts_and_expires(tmp_path):
    from portal.ratelimit import SQLiteStorage

    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite'}")
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get("other") == 0
    assert storage.incr("short", 0) == 1 and storage.get("short") == 0  # expired at once
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_an_unreachable_limiter_storage_does_not_break_sign_in(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens there
    user = staff()
    client = app.test_client()
    assert _post_login(client, user.email, WRONG, "10.0.0.1").status_code == 200
    assert _post_login(client, user.email, STAFF_PASSWORD, "10.0.0.1").status_code == 302

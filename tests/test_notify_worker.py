"""The worker as a process: killed with SIGKILL and restarted, and several in parallel."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import new_session, session as db_session
from portal.outbox import services, worker
from portal.outbox.models import Message
from tests.notify_helpers import SMTPSink

PORTAL = str(Path(sys.executable).parent / "portal")


def _enqueue(app, count: int, prefix: str) -> set[str]:
    with app.app_context():
        ids = set()
        for n in range(count):
            message = services.enqueue_email(db_session, to=f"{prefix}{n}@example.com", subject=f"Update {n}",
                                             text=f"Body {n}", key=f"{prefix}:{n}", purpose="incident")
            ids.add(message.payload["message_id"])
        db_session.commit()
        return ids


def _states(app) -> dict[str, int]:
    with app.app_context():
        s = new_session()
        try:
            return dict(s.execute(select(Message.state, func.count()).group_by(Message.state)).all())
        finally:
            s.close()


def _worker_process(tmp_path, database_url: str, smtp_port: int, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(tmp_path / "worker-data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PORTAL_MAIL_BACKEND": "smtp",
        "PORTAL_MAIL_SERVER": "127.0.0.1",
        "PORTAL_MAIL_PORT": str(smtp_port),
        "PORTAL_MAIL_TIMEOUT": "30",
        "PORTAL_WORKER_LEASE_SECONDS": "2",
        "PORTAL_WORKER_POLL_SECONDS": "0.1",
        "PORTAL_WORKER_BATCH_SIZE": "10",
    }
    log = tmp_path / f"worker-{time.monotonic_ns()}.log"
    with open(log, "w") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([PORTAL, "worker", *args], env=env, stdout=output, stderr=subprocess.STDOUT)
    process.log_path = log
    return process


def _log(process) -> str:
    return process.log_path.read_text()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_worker_restarted_delivers_every_message_exactly_once(app, database_url, tmp_path):
    expected = _enqueue(app, 30, "kill")
    with SMTPSink(delay=0.03, hold_at=13) as sink:
        first = _worker_process(tmp_path, database_url, sink.port)
        try:
            # the worker is mid-batch: 13 messages accepted, the 14th waits at RCPT
            assert sink.holding.wait(timeout=60), "the worker never reached the 14th message"
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        sink.release.set()
        states = _states(app)
        assert states["sent"] == 13 and states.get("sending", 0) > 0  # a batch left mid-way, leased

        second = _worker_process(tmp_path, database_url, sink.port)
        try:
            # the abandoned lease runs out (2 s) and the rest is sent
            _wait_for(lambda: _states(app) == {"sent": 30}, 60, "every message to be sent")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=20)
        assert second.returncode == 0, _log(second)
    received = sink.message_ids()
    assert set(received) == expected
    assert max(received.values()) == 1, {k: v for k, v in received.items() if v > 1}
    assert len(sink.messages) == 30


def test_threads_in_one_process_never_send_twice(make_app):
    with SMTPSink() as sink:
        app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, WORKER_BATCH_SIZE=7)
        expected = _enqueue(app, 60, "threads")
        import threading

        worker.run_concurrently(app, threading.Event(), concurrency=3, once=True)
    assert set(sink.message_ids()) == expected and len(sink.messages) == 60
    assert _states(app) == {"sent": 60}


@pytest.mark.postgres
def test_two_worker_processes_on_postgresql_share_without_double_sending(app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    expected = _enqueue(app, 200, "pg")
    with SMTPSink(delay=0.01) as sink:
        workers = [_worker_process(tmp_path, database_url, sink.port, "--once") for _n in range(2)]
        for process in workers:
            process.wait(timeout=120)
    outputs = [_log(w) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    handled = [int(out.rsplit("stopped; ", 1)[1].split()[0]) for out in outputs]
    assert all(n > 0 for n in handled), handled  # both took part
    assert sum(handled) == 200
    received = sink.message_ids()
    assert set(received) == expected and max(received.values()) == 1
    assert _states(app) == {"sent": 200}


def test_server_start_hook_runs_a_delivery_thread(make_app):
    from portal.server import run_server_start_hooks

    app = make_app(WORKER_IN_PROCESS=True, WORKER_POLL_SECONDS=0.05)
    _enqueue(app, 2, "thread")
    run_server_start_hooks(app)
    try:
        _wait_for(lambda: _states(app) == {"sent": 2}, 20, "the in-process worker to send")
    finally:
        app.extensions["portal.notify.worker_stop"].set()
        app.extensions["portal.notify.worker_thread"].join(timeout=20)
    assert not app.extensions["portal.notify.worker_thread"].is_alive()
    assert len(list(Path(app.config["MAIL_DIR"]).glob("thread-*.eml"))) == 2


def test_no_thread_when_disabled(make_app):
    from portal.server import run_server_start_hooks

    app = make_app(WORKER_IN_PROCESS=False)
    run_server_start_hooks(app)
    assert "portal.notify.worker_stop" not in app.extensions


def test_worker_command_once(app, runner):
    _enqueue(app, 3, "cli")
    result = runner.invoke(args=["worker", "--once", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert _states(app) == {"sent": 3}

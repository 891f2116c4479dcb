"""Benchmark: fan-out of one incident update to every subscriber.

Measures, on a fresh database (SQLite in a temporary folder by default,
``--database-url`` for PostgreSQL):

1. the operator's post (``status.services.create_incident``: the incident, its
   update, the per-language rendering and the ONE broadcast row, committed);
2. the outbox worker delivering the update to ``--emails`` e-mail subscribers
   through a local aiosmtpd server and ``--webhooks`` webhook subscribers
   through a local HTTP server (expansion included), checking that every
   recipient got exactly one message;
3. the limit: a bare ``smtplib`` loop sending the same messages (same bytes,
   built beforehand) over one connection to the same SMTP server.

Usage: ``python bench/broadcast.py [--emails 10000] [--webhooks 1000]
[--concurrency 2] [--smoke]``. ``--smoke`` uses tiny sizes (CI).
"""
from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's http package: drop the
# script's folder from the path, add the project root instead.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

import argparse  # noqa: E402
import smtplib  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from email.parser import BytesHeaderParser  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402


class CountingSMTPHandler:
    """Counts Message-IDs; keeps no bodies (10,000 mails)."""

    def __init__(self):
        self.ids: Counter = Counter()
        self.last_at = 0.0
        self.first_at = 0.0

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)
        self.ids[headers.get("Message-ID")] += 1
        self.last_at = time.perf_counter()
        self.first_at = self.first_at or self.last_at
        return "250 OK"


def start_smtp():
    from aiosmtpd.controller import Controller

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = CountingSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler, port


def start_webhook_server():
    state = {"keys": Counter(), "last_at": 0.0, "first_at": 0.0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state["keys"][self.headers.get("Idempotency-Key")] += 1
                state["last_at"] = time.perf_counter()
                state["first_at"] = state["first_at"] or state["last_at"]
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            return None

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the worker posts many at once
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def seed_subscribers(app, emails: int, webhooks: int, hook_url: str) -> None:
    """Confirmed subscribers, inserted in bulk (sign-up speed is not measured)."""
    from sqlalchemy import insert

    from portal.db import session, utcnow
    from portal.status.subscription_models import Subscriber

    now = utcnow()
    rows = [{"channel": "email", "address": f"customer{n}@example.com", "locale": ("en", "nl", "de", "sv", "pl")[n % 5],
             "state": "confirmed", "all_components": True, "token_version": 1, "created_at": now,
             "confirmed_at": now} for n in range(emails)]
    rows += [{"channel": "webhook", "address": f"{hook_url}?subscriber={n}", "locale": "en", "state": "confirmed",
              "all_components": True, "secret": f"secret-{n}", "token_version": 1, "created_at": now,
              "confirmed_at": now} for n in range(webhooks)]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Subscriber), rows[start:start + 1000])
    session.commit()


BENCH_DATABASE = "portal_bench_broadcast"


def fresh_postgres(admin_url: str, drop_only: bool = False) -> str:
    """A new, empty database next to ``admin_url`` (never touches that one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from portal.config import normalize_database_url

    admin = create_engine(normalize_database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    admin.dispose()
    return make_url(normalize_database_url(admin_url)).set(database=BENCH_DATABASE).render_as_string(
        hide_password=False)


def bare_smtplib(app, port: int) -> tuple[float, int]:
    """The limit: the very messages the worker sent (same bytes), pre-built,
    over one connection with nothing else around: no database, no retries."""
    from sqlalchemy import select

    from portal.db import session
    from portal.outbox.mail import build_email
    from portal.outbox.models import Message

    with app.app_context():
        rows = session.execute(select(Message.recipient, Message.payload).where(Message.channel == "email")).all()
        messages = [build_email(recipient, payload) for recipient, payload in rows]
        session.close()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for msg in messages:
            smtp.send_message(msg)
    return time.perf_counter() - started, len(messages)


def run_worker_processes(args, database_url: str, data_dir: str, smtp_port: int) -> None:
    """``portal worker --once`` processes sharing the outbox, as in production."""
    import os
    import subprocess

    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_DATA_DIR": data_dir, "SECRET_KEY": "bench",
           "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_MAIL_SERVER": "127.0.0.1", "PORTAL_MAIL_PORT": str(smtp_port),
           "PORTAL_WORKER_POLL_SECONDS": "0.05", "PORTAL_BROADCAST_CHUNK_SIZE": "1000",
           "PORTAL_WEBHOOK_CONCURRENCY": "16", "PORTAL_SITE_URL": "https://help.example.com",
           "PYTHONPATH": str(_BENCH.parent)}
    portal = str(Path(sys.executable).parent / "portal")
    workers = [subprocess.Popen([portal, "worker", "--once", "--batch", str(args.batch)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(args.processes)]
    for process in workers:
        if process.wait(timeout=3600) != 0:
            raise SystemExit(f"a worker process failed ({process.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--webhooks", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker loops (threads) in this process")
    parser.add_argument("--processes", type=int, default=0,
                        help="instead: this many `portal worker --once` processes (uses every core)")
    parser.add_argument("--batch", type=int, default=100, help="messages claimed at a time")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server to create the bench database on (default: SQLite in a temp folder)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.emails, args.webhooks = 40, 10

    import logging

    logging.disable(logging.WARNING)
    controller, smtp_handler, smtp_port = start_smtp()
    hook_server, hook_state = start_webhook_server()
    hook_url = f"http://127.0.0.1:{hook_server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        from portal import create_app, migrations
        from portal.db import engine, session

        url = fresh_postgres(args.database_url) if args.database_url else f"sqlite:///{tmp}/portal.db"
        app = create_app({
            "DATA_DIR": tmp, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WORKER_IN_PROCESS": False,
            "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
            "WORKER_BATCH_SIZE": args.batch, "WORKER_POLL_SECONDS": 0.05, "BROADCAST_CHUNK_SIZE": 1000,
            "WEBHOOK_CONCURRENCY": 16, "SITE_URL": "https://help.example.com",
            # incident fan-out only: the component_update webhooks are their own broadcast
            "WEBHOOK_COMPONENT_UPDATES": False,
        })
        with app.app_context():
            migrations.upgrade(engine())
            from portal.status import services as status

            webshop = status.create_component("Webshop")
            seed_subscribers(app, args.emails, args.webhooks, hook_url)

            # 1. the operator's post, on a started server (``portal serve``
            # warms the notice templates in each process, see broadcasts.warm_up_in)
            from portal.status import broadcasts

            broadcasts.warm_up_in(app)
            started = time.perf_counter()
            incident = status.create_incident("Checkout errors", components={webshop: "major_outage"},
                                              body="Payments fail at checkout. We are investigating.")
            post_ms = (time.perf_counter() - started) * 1000
            incident_id = incident.id
            session.close()

        # 2. the worker: expansion + delivery
        from portal.outbox import worker

        started = time.perf_counter()
        if args.processes:
            run_worker_processes(args, url, tmp, smtp_port)
        else:
            worker.run_concurrently(app, threading.Event(), concurrency=args.concurrency, once=True,
                                    batch_size=args.batch)
        total_s = time.perf_counter() - started
        email_s = (smtp_handler.last_at - started) if args.emails else 0.0
        # webhooks come after the e-mails (subscriber order): time their own phase
        hook_s = (hook_state["last_at"] - hook_state["first_at"]) if args.webhooks else 0.0
        expansion_s = (smtp_handler.first_at or hook_state["first_at"]) - started
        received, hooks = smtp_handler.ids, hook_state["keys"]
        exactly_once = (len(received) == args.emails and max(received.values(), default=1) == 1
                        and len(hooks) == args.webhooks and max(hooks.values(), default=1) == 1)

        if not exactly_once:
            with app.app_context():
                from sqlalchemy import func, select

                from portal.outbox.models import Message

                for state, error, count in session.execute(
                        select(Message.state, Message.last_error, func.count())
                        .group_by(Message.state, Message.last_error)):
                    print(f"  left in the outbox: {count} {state} {error or ''}")
                session.close()
            print(f"  e-mails received {sum(received.values())} ({len(received)} distinct), "
                  f"webhooks {sum(hooks.values())} ({len(hooks)} distinct)")

        # the next posts (not delivered): what an operator sees during an incident
        later_ms = []
        with app.app_context():
            from portal.status.models import Incident

            incident = session.get(Incident, incident_id)
            for n in range(5):
                started = time.perf_counter()
                status.post_update(incident, "identified", f"Update {n}: the cause is known.")
                later_ms.append((time.perf_counter() - started) * 1000)
            session.close()
        later_ms.sort()

        # 3. the limit
        smtp_handler.ids.clear()
        bare_s, bare_count = bare_smtplib(app, smtp_port) if args.emails else (0.0, 0)
        assert bare_count == args.emails
        app.extensions["portal.engine"].dispose()
        if args.database_url:
            fresh_postgres(args.database_url, drop_only=True)
    controller.stop()
    hook_server.shutdown()

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"broadcast fan-out on {db}: {args.emails} e-mail + {args.webhooks} webhook subscribers, "
          + (f"{args.processes} worker process(es)" if args.processes else f"{args.concurrency} worker thread(s)")
          + f", batch {args.batch}")
    print(f"  operator's post (incident + broadcast row, committed): {post_ms:8.1f} ms "
          f"({'OK' if post_ms < 200 else 'OVER'} the 200 ms budget)")
    print(f"  the next 5 updates: median {later_ms[2]:.1f} ms, max {later_ms[-1]:.1f} ms "
          f"(whatever the number of subscribers)")
    print(f"  worker, everything delivered:      {total_s:8.2f} s  "
          f"{(args.emails + args.webhooks) / total_s:8.0f} msg/s (first delivery after {expansion_s:.2f} s)")
    if args.emails:
        print(f"  e-mails via the portal worker:     {email_s:8.2f} s  {args.emails / email_s:8.0f} msg/s"
              "  (incl. expansion)")
        print(f"  e-mails, bare smtplib loop (limit):{bare_s:8.2f} s  {args.emails / bare_s:8.0f} msg/s")
        print(f"  ratio portal / limit:              {email_s / bare_s:8.2f}x")
    if args.webhooks:
        print(f"  webhooks via the portal worker:    {hook_s:8.2f} s  {args.webhooks / max(hook_s, 1e-6):8.0f} req/s"
              "  (their own phase)")
    print(f"  every recipient exactly once:      {'yes' if exactly_once else 'NO'}")
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())

"""Several servers: one `portal serve` against two on this machine, and index lag.

Phases (all against 127.0.0.1 only):

1. **one server**: ``portal serve --workers 2 --threads 4`` (the README's
   default), closed-loop ``GET /api/v1/suggest`` from ``--clients`` keep-alive
   clients for ``--duration`` s;
2. **two servers**: two ``portal serve --workers 1 --threads 4``, each with its
   own data folder and index, on the same database; the clients alternate
   between them (what a proxy does). Same total server processes on the same
   cores, so this shows the *overhead* of running two servers (a follower per
   server, a second set of connections), not a gain: on one machine there is
   none to have;
3. **index lag**: while both servers run, a writer saves ``--save-rate``
   articles/s through the write path (``kb.services.save_article``) on the
   shared database, each with a unique word, and a checker asks server B's
   suggest API for that word until it answers: the time from the save's
   commit to being searchable on the *other* server.

Then a written estimate of what N machines would serve, with its
assumptions. The database is PostgreSQL when ``TEST_DATABASE_URL`` (or
``--database``) reaches one (a database ``portal_scaleout_bench_<random>`` is
made and dropped), else one SQLite file both servers share (said so).

    python bench/scale.py                 # 20 s per phase
    python bench/scale.py --smoke         # seconds per phase (CI)
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/ holds a script named http.py: keep the folder off the front of
# sys.path so that `import http.client` finds the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote  # noqa: E402

ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))

from measure import describe_machine, percentiles, table  # noqa: E402

HOST = "127.0.0.1"
PORTAL = [sys.executable, "-c", "import sys; from portal.cli import main; sys.exit(main())"]
QUERIES = ("ship", "label", "carr", "return", "pass", "invoi", "track", "order", "acco", "payme")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> int:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:
        process = subprocess.Popen([*PORTAL, "serve", "--port", str(port), "--workers", str(workers),
                                    "--threads", "4"], env=env, cwd=ROOT, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited; log tail:\n{log.read_text(errors='replace')[-2000:]}")
        if get(port, "/readyz", timeout=2) == 200:
            return process
        time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"server on {port} not ready; log tail:\n{log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)


def closed_loop(ports: list[int], clients: int, duration: float) -> dict:
    """``clients`` keep-alive threads, client n on ``ports[n % len(ports)]``."""
    samples: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_at = time.perf_counter() + 0.05
    deadline = start_at + duration

    def client(number: int) -> None:
        port = ports[number % len(ports)]
        conn = http.client.HTTPConnection(HOST, port, timeout=15)
        position = number * 3
        while True:
            now = time.perf_counter()
            if now < start_at:
                time.sleep(start_at - now)
            if time.perf_counter() >= deadline:
                break
            query = QUERIES[position % len(QUERIES)]
            position += 1
            began = time.perf_counter()
            try:
                conn.request("GET", f"/api/v1/suggest?q={quote(query)}&locale=en")
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=15)
            samples[number].append((time.perf_counter() - began) * 1000)
            if not ok:
                errors[number] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = max(time.perf_counter() - start_at, 1e-9)
    flat = [ms for per in samples for ms in per]
    return {"requests": len(flat), "rps": len(flat) / elapsed, "errors": sum(errors), **percentiles(flat)}


def harness_app(data: Path, database_url: str):
    from portal import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(data), "SQLALCHEMY_DATABASE_URI": database_url,
                       "SEARCH_INDEX_DIR": str(data / "index"), "UPLOAD_DIR": str(data / "uploads"),
                       "MAIL_DIR": str(data / "mail"), "SECRET_KEY": "bench", "WORKER_IN_PROCESS": False,
                       "SITE_URL": "http://portal.test"})


def index_lag(app, port_b: int, rate: float, duration: float) -> dict:
    """Save ``rate`` articles/s for ``duration`` s; time until B's suggest finds each."""
    from portal.kb import services as kb

    pending: dict[str, float] = {}
    found: list[float] = []
    lock = threading.Lock()
    stop_event = threading.Event()

    def checker() -> None:
        conn = http.client.HTTPConnection(HOST, port_b, timeout=10)
        while not (stop_event.is_set() and not pending):
            with lock:
                words = list(pending.items())
            for word, saved_at in words:
                try:
                    conn.request("GET", f"/api/v1/suggest?q={word}&locale=en")
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port_b, timeout=10)
                    continue
                if word in body.decode("utf-8", "replace"):
                    with lock:
                        pending.pop(word, None)
                    found.append((time.perf_counter() - saved_at) * 1000)
            if stop_event.is_set() and time.perf_counter() > give_up[0]:
                break
            time.sleep(0.02)

    give_up = [float("inf")]
    thread = threading.Thread(target=checker, daemon=True)
    thread.start()
    saves = 0
    started = time.perf_counter()
    with app.app_context():
        while time.perf_counter() - started < duration:
            word = f"zq{uuid.uuid4().hex[:10]}"
            kb.save_article(slug=f"lag-{word}", locale="en", title=f"Lag probe {word}",
                            body_md=f"The word {word} is unique.", category="bench")
            with lock:
                pending[word] = time.perf_counter()
            saves += 1
            next_at = started + saves / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
    give_up[0] = time.perf_counter() + 15
    stop_event.set()
    thread.join(timeout=30)
    return {"saves": saves, "found": len(found), "missed": saves - len(found), **percentiles(found)}


def make_database(url: str | None) -> tuple[str, str, object]:
    """A fresh database: (url, kind, cleanup)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from portal import migrations
    from portal.config import normalize_database_url

    if url:
        try:
            admin_url = make_url(normalize_database_url(url))
            name = f"portal_scaleout_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            database_url = admin_url.set(database=name).render_as_string(hide_password=False)

            def cleanup() -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            engine = create_engine(database_url)
            migrations.upgrade(engine)
            engine.dispose()
            return database_url, "PostgreSQL", cleanup
        except Exception as exc:  # fall back to SQLite, and say so
            print(f"  PostgreSQL not usable ({exc.__class__.__name__}); using one shared SQLite file")
    folder = Path(tempfile.mkdtemp(prefix="portal-scale-db-"))
    database_url = f"sqlite:///{folder / 'portal.db'}"
    engine = create_engine(database_url)
    migrations.upgrade(engine)
    engine.dispose()
    return database_url, "SQLite (one file shared by both servers: one machine only)", \
        lambda: shutil.rmtree(folder, ignore_errors=True)


def estimate(one: dict, two: dict, lag: dict, save_rate: float) -> list[str]:
    efficiency = two["rps"] / one["rps"] if one["rps"] else float("nan")
    lines = [
        "Estimate for N machines (each like this one, serving only, clients elsewhere):",
        f"  one server here: {one['rps']:.0f} suggest req/s (clients on the same cores: a floor).",
        f"  two servers on the same cores: {two['rps']:.0f} req/s = {efficiency:.2f}x one server. Below 1 it is",
        "  the cost of a second set of processes and a follower each (the cores are the same); above 1",
        "  it is noise (other work on a shared machine), and the estimate uses at most 1.",
        f"  N machines ~ N x {one['rps']:.0f} x {min(1.0, efficiency):.2f} req/s, e.g. "
        + ", ".join(f"{n}: ~{n * one['rps'] * min(1.0, efficiency):.0f}" for n in (2, 4, 8)) + " req/s.",
        "  Assumptions: the proxy spreads clients evenly; suggest reads only the local index and a",
        "  cheap query or two (incident matching), so one PostgreSQL serves many machines before it",
        f"  limits; every save is indexed on every machine (here {save_rate:g} saves/s were followed",
        f"  with lag p95 {lag['p95']:.0f} ms): writes do not scale out, they are copied N times, which",
        "  is fine for help-center edit rates (saves per minute, not per second).",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="seconds per phase (CI)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--save-rate", type=float, default=5.0, help="saves per second in the lag phase")
    parser.add_argument("--articles", type=int, default=300, help="articles to serve")
    parser.add_argument("--database", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.clients, args.save_rate, args.articles = 2.0, 4, 2.0, 30
    print(describe_machine())
    work = Path(tempfile.mkdtemp(prefix="portal-scale-"))
    database_url, kind, cleanup = make_database(args.database)
    print(f"database: {kind}; {args.clients} clients, {args.duration:g} s per phase")
    processes: list[subprocess.Popen] = []
    try:
        app = harness_app(work / "harness", database_url)
        from portal.kb import services as kb

        with app.app_context():  # the corpus: varied titles so every query finds something
            for n in range(args.articles):
                query = QUERIES[n % len(QUERIES)]
                kb.save_article(slug=f"bench-{n}", locale="en", title=f"{query.title()}ing guide {n}",
                                body_md=f"How {query}ing works, part {n}.", category="bench", commit=False)
            from portal.db import session

            session.commit()
        base_env = {**{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
                    "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "SECRET_KEY": "bench",
                    "PORTAL_SITE_URL": "http://portal.test", "PORTAL_MAIL_BACKEND": "file",
                    "PORTAL_SEARCH_FOLLOW_POLL_SECONDS": "0.2"}

        def env_for(name: str) -> dict:
            return {**base_env, "PORTAL_DATA_DIR": str(work / name), "PORTAL_SEARCH_SERVER_ID": name}

        rows = []
        port = free_port()
        one_server = start_server(env_for("one"), port, 2, work / "one.log")
        processes.append(one_server)
        closed_loop([port], args.clients, min(2.0, args.duration))  # warm up
        one = closed_loop([port], args.clients, args.duration)
        stop(one_server)
        rows.append(["one server, 2 processes", one["requests"], f"{one['rps']:.0f}", f"{one['p50']:.1f}",
                     f"{one['p95']:.1f}", f"{one['p99']:.1f}", one["errors"]])

        ports = [free_port(), free_port()]
        for name, server_port in zip(("a", "b"), ports):
            processes.append(start_server(env_for(name), server_port, 1, work / f"{name}.log"))
        closed_loop(ports, args.clients, min(2.0, args.duration))
        two = closed_loop(ports, args.clients, args.duration)
        rows.append(["two servers, 1 process each", two["requests"], f"{two['rps']:.0f}", f"{two['p50']:.1f}",
                     f"{two['p95']:.1f}", f"{two['p99']:.1f}", two["errors"]])
        print(table(["setup (same cores)", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows,
                    title="suggest, closed loop"))
        print(f"two servers / one server: {two['rps'] / max(one['rps'], 1e-9):.2f}x "
              "(overhead, not gain: the same cores serve both)")

        lag = index_lag(app, ports[1], args.save_rate, args.duration)
        print(table(["saves", "found on B", "missed", "p50 ms", "p95 ms", "max ms"],
                    [[lag["saves"], lag["found"], lag["missed"], f"{lag['p50']:.0f}", f"{lag['p95']:.0f}",
                      f"{lag['max']:.0f}"]],
                    title=f"index lag: save (through the write path) to searchable on the other server, "
                          f"{args.save_rate:g} saves/s, follower polling every 0.2 s"))
        print("\n".join(estimate(one, two, lag, args.save_rate)))
        failed = one["errors"] or two["errors"] or lag["missed"]
        return 1 if failed else 0
    finally:
        for process in processes:
            stop(process)
        cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

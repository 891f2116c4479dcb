"""No request fails under load: 50 clients for 60 s over every public page kind.

Makes a temporary data folder with the shipped content (``portal init`` and
``portal import``: the articles and incidents in this repository), starts
``portal serve`` (gunicorn, 2 processes x 4 threads, the production setup) on
127.0.0.1 and a free port, and runs ``--clients`` keep-alive clients (threads)
for ``--duration`` seconds in a closed loop over: home, category, article,
search, suggest, the status page, ``/api/v2/summary.json`` and the contact
forms. Only 127.0.0.1 is contacted.

Prints requests, req/s, p50/p95/p99 per page kind and overall, the answers by
status code and the server's logged errors; exits 1 on any 5xx or connection
error (a 4xx is reported, not fatal: it means a wrong path in this script).
Clients and server share the machine's cores, so the throughput is a floor.

    python bench/load.py                       # 50 clients, 60 s
    python bench/load.py --smoke               # 50 clients, 20 s (CI)
    python bench/load.py --clients 20 --duration 10
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py shadows the standard library's http package: keep this folder
# off the front of sys.path so that `import http.client` finds the real one.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import quote  # noqa: E402

from measure import describe_machine, percentiles, table  # noqa: E402

HOST = "127.0.0.1"
ROOT = BENCH.parent
PORTAL = str(Path(sys.executable).with_name("portal"))
CLIENT_TIMEOUT = 30  # seconds; a slower answer counts as a connection error
QUERIES = ("password", "reset password", "label", "invoice", "shipping", "wachtwoord", "order import", "api key")
HALF_TYPED = ("pass", "lab", "ship", "inv", "wacht", "ord", "ap")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def portal_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "REDIS_URL"}
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_SITE_URL="http://127.0.0.1")
    return env


def prepare(data_dir: Path) -> None:
    env = portal_env(data_dir)
    for command in (["init"], ["import"]):
        result = subprocess.run([PORTAL, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SystemExit(f"portal {' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def page_paths(data_dir: Path) -> dict[str, list[str]]:
    """Paths per page kind, read from the data the server will serve."""
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    from sqlalchemy import select

    from portal import create_app, db
    from portal.kb.models import Article
    from portal.tickets.config import get_config

    app = create_app({"WORKER_IN_PROCESS": False})
    with app.app_context():
        articles = db.session.execute(select(Article.locale, Article.slug, Article.category_slug).where(
            Article.status == "published")).all()
        forms = list(get_config().forms)
    if not articles:
        raise SystemExit("no published article was imported")
    categories = sorted({(locale, category) for locale, _slug, category in articles if category})
    locales = sorted({locale for locale, _slug, _category in articles})
    return {
        "home": ["/", *(f"/{lang}/" for lang in locales)],
        "category": [f"/{lang}/categories/{quote(slug)}" for lang, slug in categories],
        "article": [f"/{lang}/articles/{quote(slug)}" for lang, slug, _category in articles[:200]],
        "search": [f"/{lang}/search?q={quote(q)}" for lang in locales for q in QUERIES],
        "suggest": [f"/api/v1/suggest?q={quote(q)}&locale={lang}" for lang in locales for q in HALF_TYPED],
        "status": ["/status"],
        "summary.json": ["/api/v2/summary.json"],
        "contact": [f"/{lang}/contact/" for lang in locales] + [f"/{lang}/contact/{form}" for lang in locales
                                                                for form in forms],
    }


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"portal serve exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.3)
    raise SystemExit(f"portal serve not answering on port {port} after {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop the server we started (gunicorn's master ends its workers on SIGTERM)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def run_load(port: int, paths: dict[str, list[str]], clients: int, duration: float) -> dict:
    """Closed loop: each client sends its next request when it has the answer."""
    mixed = [(kind, path) for kind, kind_paths in paths.items() for path in kind_paths]
    # Every kind equally often, whatever the number of paths of each.
    schedule = [(kind, kind_paths[i % len(kind_paths)]) for i in range(64) for kind, kind_paths in paths.items()]
    samples: list[list[tuple[str, float, int]]] = [[] for _ in range(clients)]
    start_at = time.perf_counter() + 0.1
    deadline = start_at + duration

    def client(number: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT)
        mine = samples[number]
        position = number * 13
        while True:
            now = time.perf_counter()
            if now < start_at:
                time.sleep(start_at - now)
            if time.perf_counter() >= deadline:
                break
            kind, path = schedule[position % len(schedule)]
            position += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Language": "en"})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 0  # a connection error or timeout
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT)
            mine.append((kind, (time.perf_counter() - began) * 1000, status))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + CLIENT_TIMEOUT + 30)
    elapsed = max(time.perf_counter() - start_at, 1e-9)
    flat = [sample for per in samples for sample in per]
    return {"elapsed": elapsed, "samples": flat, "paths": len(mixed)}


def report(result: dict, clients: int) -> tuple[int, int, dict]:
    flat, elapsed = result["samples"], result["elapsed"]
    kinds = sorted({kind for kind, _ms, _status in flat})
    rows, figures = [], {}
    for kind in [*kinds, "all"]:
        mine = [(ms, status) for k, ms, status in flat if kind in ("all", k)]
        stats = percentiles([ms for ms, _status in mine])
        failed = sum(1 for _ms, status in mine if status == 0 or status >= 500)
        figures[kind] = {"requests": len(mine), "rps": len(mine) / elapsed, "errors": failed, **stats}
        rows.append([kind, len(mine), f"{len(mine) / elapsed:.1f}", f"{stats['p50']:.0f}", f"{stats['p95']:.0f}",
                     f"{stats['p99']:.0f}", failed])
    print(table(["page kind", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows,
                title=f"{clients} clients for {elapsed:.0f} s on {result['paths']} paths"))
    statuses: dict[int, int] = {}
    for _kind, _ms, status in flat:
        statuses[status] = statuses.get(status, 0) + 1
    print("answers: " + ", ".join(f"{'connection error' if s == 0 else s}: {n}" for s, n in sorted(statuses.items())))
    errors = sum(n for s, n in statuses.items() if s == 0 or s >= 500)
    client_errors = sum(n for s, n in statuses.items() if 400 <= s < 500)
    return errors, client_errors, figures


def server_errors(log_path: Path) -> dict[str, list[str]]:
    """Distinct errors the server logged: {last line: the traceback's last lines}."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    found: dict[str, list[str]] = {}
    number = 0
    while number < len(lines):
        line = lines[number]
        if line.startswith("Traceback") or "[CRITICAL]" in line:
            block = [line]
            number += 1
            while number < len(lines) and (lines[number].startswith((" ", "\t")) or not block[-1].strip()):
                block.append(lines[number])
                number += 1
            if number < len(lines):
                block.append(lines[number])  # the exception line
            found.setdefault(block[-1], block[-12:])
        number += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--smoke", action="store_true", help="a 20 s run (CI)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    duration = min(args.duration, 20.0) if args.smoke else args.duration
    print(describe_machine())
    data_dir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    log_path = data_dir / "server.log"
    process = None
    try:
        began = time.monotonic()
        prepare(data_dir)
        paths = page_paths(data_dir)
        print(f"data: {sum(len(p) for p in paths.values())} paths over {len(paths)} page kinds, "
              f"prepared in {time.monotonic() - began:.1f} s")
        port = free_port()
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [PORTAL, "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers),
                 "--threads", str(args.threads)], env=portal_env(data_dir), cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_up(port, process)
        print(f"portal serve: {args.workers} processes x {args.threads} threads on {HOST}:{port}")
        result = run_load(port, paths, args.clients, duration)
    finally:
        if process is not None:
            stop(process)
    errors, client_errors, figures = report(result, args.clients)
    logged = server_errors(log_path)
    for last, block in logged.items():
        print(f"server logged: {last}\n  " + "\n  ".join(block))
    shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"clients": args.clients, "duration": duration, "kinds": figures,
                                         "errors": errors, "logged": list(logged)}, indent=2))
    verdict = "ok" if errors == 0 and not logged else "FAILED"
    print(f"load: {verdict}: {errors} server/connection errors, {client_errors} client errors (4xx), "
          f"{len(logged)} distinct errors logged")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())

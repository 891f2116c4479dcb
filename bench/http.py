"""HTTP under load: ``/api/v1/suggest`` and article pages on a real server.

Imports the corpus into a temporary data folder, starts ``portal serve``
(its defaults, the README's setup; ``--workers``/``--threads`` to try others) on 127.0.0.1 and a free port, and runs concurrent
clients: threads, each with its own keep-alive ``http.client`` connection,
for ``--duration`` seconds per phase (bounded in time and request count):

1. ``GET /api/v1/suggest?q=<half-typed>&locale=xx`` over the half-typed query
   sets (every language), first closed-loop (each client sends again as soon
   as it has its answer: the saturation throughput, and latency at
   saturation), then paced at ``--rate`` requests/s (default: half the
   closed-loop throughput; latency from the scheduled send time);
2. the cached pages: ``GET /<lang>/articles/<slug>`` over a fixed set of
   articles, their category pages, each language's home and status page, and
   the Statuspage ``/api/v2/summary.json``;
3. the baseline: the same article HTML served by a bare WSGI app
   (``static_app.py``) on gunicorn 2 workers x 4 threads, the limit for a page;
   every page figure is printed as a share of it ("of static").

Reported per phase: requests, throughput, p50/p95/p99 latency and errors
(anything but a 200, or a failed connection). The clients run on the same 2
cores as the server, so throughput is a floor, not a ceiling. Only 127.0.0.1
is ever contacted.

    python bench/http.py                        # full corpus, 30 s per phase
    python bench/http.py --per-locale 500       # smaller corpus, faster import
    python bench/http.py --smoke                # tiny corpus, 3 s per phase (CI)
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# This file is named http.py: keep its folder off the front of sys.path so that
# `import http.client` finds the standard library, not this script.
# The project root goes first: this checkout's portal, not whatever the venv's editable install names.
sys.path[:] = [str(BENCH.parent)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import quote, urlencode  # noqa: E402

import corpus as corpus_module  # noqa: E402
from measure import describe_machine, machine, percentiles, table  # noqa: E402

HOST = "127.0.0.1"
MAX_REQUESTS_PER_CLIENT = 200_000  # a bound besides the duration
PAGE_SET = 50  # articles fetched in the page phases


STATIC = "article page (static file: the limit)"
#: Page kinds that should reach PAGE_GOAL x the static limit's throughput (issue 14).
PAGE_GOALS = ("article page", "category page", "status page")
PAGE_GOAL = 0.3


def category_paths(port: int, article_paths: list[str]) -> list[str]:
    """The category pages the sampled articles link to (from their breadcrumbs)."""
    found: list[str] = []
    conn = http.client.HTTPConnection(HOST, port, timeout=15)
    for path in article_paths[:20]:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        marker = body.find('/categories/')
        if response.status == 200 and marker > 0:
            start = body.rfind('"', 0, marker) + 1
            link = body[start:body.find('"', marker)]
            if link.startswith("/") and link not in found:
                found.append(link)
    conn.close()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not answering after {timeout:.0f} s")


def start_gunicorn(command: list[str], env: dict, log_path: Path, port: int, probe: str) -> subprocess.Popen:
    log = open(log_path, "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(port, probe, process)
    except Exception:
        stop(process)
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(command[:3])} did not start; log tail:\n{tail}")
    return process


def server_errors(log_path: Path, limit: int = 60) -> list[str]:
    """The ERROR lines and tracebacks a server logged (the first ``limit`` lines)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found: list[str] = []
    for number, line in enumerate(lines):
        if " ERROR " in line or line.startswith("Traceback") or "[ERROR]" in line:
            found.extend(lines[number:number + 25])
            if len(found) >= limit:
                break
    return found[:limit]


def stop(process: subprocess.Popen) -> None:
    """Stop the server we started (gunicorn's master ends its workers on SIGTERM)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def load(port: int, paths: list[str], clients: int, duration: float, rate: float | None = None) -> dict:
    """``clients`` keep-alive threads cycling through ``paths`` for ``duration`` s.

    Without ``rate`` each client sends its next request as soon as the last
    one is answered (closed loop: the server's saturation throughput). With
    ``rate`` (requests/s over all clients) each client keeps a fixed schedule
    and latency counts from the *scheduled* send time, so a server that falls
    behind is charged for the queue it builds (no coordinated omission).
    """
    results: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_at = time.perf_counter() + 0.05
    deadline = start_at + duration
    interval = clients / rate if rate else 0.0

    def client(number: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=15)
        mine = results[number]
        position = number * 7919  # spread clients over the paths
        scheduled = start_at + (interval * number / clients)
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            now = time.perf_counter()
            if rate:
                if scheduled >= deadline:
                    break
                if scheduled > now:
                    time.sleep(scheduled - now)
                began = scheduled
                scheduled += interval
            else:
                if now < start_at:
                    time.sleep(start_at - now)
                if time.perf_counter() >= deadline:
                    break
                began = time.perf_counter()
            path = paths[position % len(paths)]
            position += 1
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=15)
            mine.append(((time.perf_counter() - began) * 1000, status))
            if status != 200:
                errors[number] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = max(time.perf_counter() - start_at, 1e-9)
    samples = [ms for per in results for ms, _status in per]
    statuses: dict[int, int] = {}
    for per in results:
        for _ms, status in per:
            statuses[status] = statuses.get(status, 0) + 1
    return {"requests": len(samples), "rps": len(samples) / elapsed, "errors": sum(errors),
            "statuses": statuses, "rate": rate, **percentiles(samples)}


def prepare_data(data_dir: Path, docs, description: str, log) -> dict:
    """Import the corpus into ``data_dir`` through ``import_paths``, unless
    it already holds it (``search.py --keep-data``)."""
    from portal_engine import PortalEngine

    engine = PortalEngine(data_dir=data_dir)
    try:
        if engine.has_corpus(description):
            log(f"  reusing the portal data in {data_dir}")
            return {"reused": str(data_dir)}
        report = engine.import_docs(docs)
        engine.mark_corpus(description)
    finally:
        engine.close()
    log(f"  imported {len(docs)} articles in {report['seconds']:.1f} s "
        f"({report['created']} created, {report['failed']} failed)")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpus, 3 s per phase (CI)")
    parser.add_argument("--duration", type=float, help="seconds per phase (default 30; smoke 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--rate", type=float,
                        help="req/s of the paced suggest phase (default: half the closed-loop throughput)")
    parser.add_argument("--per-locale", type=int, help="alchemy articles per language (default: all)")
    parser.add_argument("--workers", type=int, help="portal serve --workers (default: portal serve's)")
    parser.add_argument("--threads", type=int, help="portal serve --threads (default: portal serve's)")
    parser.add_argument("--pages-only", action="store_true", help="skip the suggest phases")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--portal-data", type=Path, metavar="DIR",
                        help="use (or make) the portal data folder DIR, e.g. the one search.py --keep-data left")
    args = parser.parse_args(argv)
    duration = args.duration or (3.0 if args.smoke else 30.0)
    warmup = 0.5 if args.smoke else 2.0  # seconds of uncounted requests before each phase

    try:
        corpus = corpus_module.load(smoke=args.smoke)
    except corpus_module.DataMissing as exc:
        print(f"SKIP: {exc}")
        return 0
    from portal_engine import portal_ready

    reason = portal_ready()
    if reason:
        print(f"SKIP: portal not ready - {reason}")
        return 0
    docs = corpus.docs
    if args.per_locale:
        kept: dict[str, int] = {}
        docs = []
        for doc in corpus.docs:
            if doc.locale == "en" or kept.get(doc.locale, 0) < args.per_locale:
                kept[doc.locale] = kept.get(doc.locale, 0) + 1
                docs.append(doc)
    print(f"Corpus: {len(docs)} articles; {duration:.0f} s per phase, {args.clients} clients")
    print(f"Machine: {describe_machine()}")

    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    phases: dict[str, dict] = {}
    portal_errors: list[str] = []
    servers: list[subprocess.Popen] = []
    try:
        data_dir = args.portal_data.resolve() if args.portal_data else workdir / "data"
        description = corpus.describe() + (f"; {args.per_locale} per language" if args.per_locale else "")
        import_report = prepare_data(data_dir, docs, description, print)

        env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "SECRET_KEY": "bench-http",
               # this checkout's code, whatever the venv's editable install points at
               "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH.parent), os.environ.get("PYTHONPATH")]))}
        env.pop("DATABASE_URL", None)
        portal_port = free_port()
        portal_bin = Path(sys.executable).with_name("portal")
        command = [str(portal_bin), "serve", "--host", HOST, "--port", str(portal_port)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        servers.append(start_gunicorn(command, env, workdir / "portal.log", portal_port, "/api/v1/suggest?q=a"))
        print(f"  {' '.join(command[1:])}")

        half = [q for q in corpus.queries if q.kind == "half" and q.text.strip()]
        suggest_paths = [f"/api/v1/suggest?{urlencode({'q': q.text, 'locale': q.locale})}" for q in half]
        picked = sorted(docs, key=lambda d: corpus_module.stable_int("page", d.key))[:PAGE_SET]
        page_paths = [f"/{d.locale}/articles/{quote(d.slug)}" for d in picked]
        locales = sorted({d.locale for d in picked})
        page_kinds = {
            "article page": page_paths,
            "category page": category_paths(portal_port, page_paths),
            "home page": [f"/{code}/" for code in locales],
            "status page": [f"/{code}/status" for code in locales],
            "Statuspage JSON (summary.json)": ["/api/v2/summary.json"],
        }

        if not args.pages_only:
            load(portal_port, suggest_paths[:200], args.clients, warmup)  # warm-up, not counted
            saturated = phases["suggest (half-typed), closed loop"] = load(
                portal_port, suggest_paths, args.clients, duration)
            print(f"  suggest, closed loop: {saturated['rps']:.0f} req/s, p95 {saturated['p95']:.0f} ms")
            rate = args.rate or max(1.0, round(saturated["rps"] / 2))
            paced = phases[f"suggest (half-typed), {rate:g} req/s"] = load(
                portal_port, suggest_paths, args.clients, duration, rate=rate)
            print(f"  suggest at {rate:g} req/s: p95 {paced['p95']:.0f} ms")
        for kind, paths in page_kinds.items():
            if not paths:
                continue
            load(portal_port, paths, args.clients, warmup)
            result = phases[f"{kind} (portal)"] = load(portal_port, paths, args.clients, duration)
            print(f"  {kind}: {result['rps']:.0f} req/s")

        static_dir = workdir / "static"
        saved = 0
        conn = http.client.HTTPConnection(HOST, portal_port, timeout=15)
        for path in page_paths:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status == 200:
                target = static_dir / path.lstrip("/") / "index.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
                saved += 1
        conn.close()
        stop(servers.pop())
        portal_errors = server_errors(workdir / "portal.log")
        if saved:
            static_port = free_port()
            static_paths = [p for p in page_paths if (static_dir / p.lstrip("/") / "index.html").is_file()]
            command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
                       "--worker-class", "gthread", "--bind", f"{HOST}:{static_port}", "--chdir", str(BENCH),
                       "static_app:app"]
            servers.append(start_gunicorn(command, {**os.environ, "BENCH_STATIC_DIR": str(static_dir)},
                                          workdir / "static.log", static_port, static_paths[0]))
            load(static_port, static_paths, args.clients, warmup)
            phases[STATIC] = load(static_port, static_paths, args.clients, duration)
            stop(servers.pop())
        else:
            print("  article pages: none answered 200 (is the kb article view there yet?) - no static phase")
    finally:
        for process in servers:
            stop(process)
        if not portal_errors:
            portal_errors = server_errors(workdir / "portal.log")
        shutil.rmtree(workdir, ignore_errors=True)

    limit = phases.get(STATIC, {}).get("rps")
    rows = [[name, r["requests"], r["rps"], r["p50"], r["p95"], r["p99"], r["errors"],
             f"{r['rps'] / limit:.2f}x" if limit and not name.startswith("suggest") else "-"]
            for name, r in phases.items()]
    print()
    print(table(["phase", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "of static"], rows,
                f"HTTP, {args.clients} keep-alive clients, {duration:.0f} s per phase, portal serve "
                f"(workers {args.workers or 'default'}, threads {args.threads or 'default'}); baseline: "
                f"the article HTML as a static file, gunicorn 2 workers x 4 threads"))
    for name, r in phases.items():
        if r["errors"]:
            print(f"  {name}: statuses {r['statuses']}")
    if any(r["errors"] for r in phases.values()) and portal_errors:
        print("Portal server log, errors:")
        print("\n".join(f"  | {line}" for line in portal_errors))
    if limit and not args.smoke:
        for name, r in phases.items():
            if name != STATIC and name.split(" (")[0] in PAGE_GOALS:
                share = r["rps"] / limit
                print(f"Goal - {name.split(' (')[0]} at >= {PAGE_GOAL:.1f}x the static limit: "
                      f"{'MET' if share >= PAGE_GOAL else 'NOT MET'} ({share:.2f}x, {r['rps']:.0f} of {limit:.0f} req/s)")
    for name, s in phases.items():
        if name.startswith("suggest") and not args.smoke:  # smoke figures mean nothing
            goal = 50 if name.endswith("closed loop") else 20
            met = s["p95"] < goal and s["errors"] == 0
            print(f"Goal - /api/v1/suggest p95 under {goal} ms with no errors, {name.split(', ')[1]}: "
                  f"{'MET' if met else 'NOT MET'} (p95 {s['p95']:.1f} ms, {s['errors']} errors)")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "articles": len(docs), "duration_s": duration,
                                         "clients": args.clients, "import": import_report, "phases": phases},
                                        indent=2, default=str))
    failed = any(r["requests"] == 0 for r in phases.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

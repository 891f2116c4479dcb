"""CPU time of one ``create_app`` (what every test pays) and of its first page, next to the old path.

The test suite builds an app per test. This prints, in the same run and
alternating so a busy machine hurts both alike, the process CPU seconds of
``create_app`` plus a home page and a ticket form with the URL builders shared
between apps (``portal/routing.py``) and with them compiled afresh per app, as
Werkzeug does by default. Needs no data folder.

    python bench/app_factory.py            # 30 apps per variant
    python bench/app_factory.py --smoke    # 3 apps per variant (CI)
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
# bench/http.py would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from sqlalchemy import create_engine  # noqa: E402

from portal import create_app, migrations, routing  # noqa: E402

PAGES = ("/en/", "/en/contact/technical")


def build(folder: Path, template: Path, n: int) -> tuple[float, float]:
    """CPU seconds of create_app and of rendering PAGES, for app number n."""
    work = folder / f"app{n}"
    (work / "data").mkdir(parents=True)
    shutil.copy(template, work / "portal.db")
    data = work / "data"
    config = {
        "TESTING": True, "DATA_DIR": str(data), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'portal.db'}",
        "SEARCH_INDEX_DIR": str(data / "index"), "UPLOAD_DIR": str(data / "uploads"), "MAIL_DIR": str(data / "mail"),
        "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "WORKER_IN_PROCESS": False,
        "PASSWORD_HASH_FAST": True, "SITE_URL": "http://portal.test",
    }
    start = time.process_time()
    app = create_app(config)
    built = time.process_time()
    client = app.test_client()
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    rendered = time.process_time()
    engine = app.extensions.get("portal.engine")
    if engine is not None:
        engine.dispose()
    return built - start, rendered - built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 apps per variant")
    parser.add_argument("--apps", type=int, default=30)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    apps = 3 if args.smoke else args.apps
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.db"
        engine = create_engine(f"sqlite:///{template}")
        migrations.upgrade(engine)
        engine.dispose()
        build(folder, template, 0)  # imports, template compiling, tickets.yaml: paid once per process
        figures: dict[str, list[tuple[float, float]]] = {"shared builders": [], "builders per app (old)": []}
        for n in range(1, apps + 1):
            figures["shared builders"].append(build(folder, template, 2 * n))
            routing._BUILDERS.clear()  # what every app paid before: compile all URL builders again
            figures["builders per app (old)"].append(build(folder, template, 2 * n + 1))
    print(f"CPU seconds per app, median of {apps} (create_app | first pages {', '.join(PAGES)})")
    result = {}
    for name, runs in figures.items():
        made, pages = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        result[name] = {"create_app": made, "pages": pages}
        print(f"  {name:24s} {made:7.4f} | {pages:7.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

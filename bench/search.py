"""Search speed: the portal's suggest path next to SQLite FTS5, lunr.py and tantivy.

One run, one corpus (``corpus.py``: alchemy nl/pl/sv/de + stackfaq, ~11,300
articles), the same queries for every engine: the 625 stackfaq questions and
250 title-derived queries per alchemy language, each whole and half-typed.

Measured in this process, for every engine:

* build: the full index build from the documents, timed (portal: the corpus
  files are first imported through ``portal.content.import_paths``, timed
  separately; then ``rebuild_index()`` is the build figure);
* suggest latency p50/p95/p99 (ms), whole and half-typed, plus p95 per query
  set (every language); limit 5, each engine's own locale filter. All engines
  stay built and each query runs on every engine in turn (rotating order), so
  other load on the machine hits every engine alike; 50 warm-up queries first;
* one-article update: change one article's title and time until a query for
  the new title finds it (portal: ``kb.services.save_article``, whose commit
  updates the index; FTS5: delete + insert; tantivy: delete + add + commit +
  reload; lunr: rebuild of that language's index, the only way);
* memory: RSS growth and peak during each build (see ``measure.py``), and the
  peak of the query phase for all engines together.

Then a side-by-side table with the portal's ratio to each peer (portal / peer:
above 1 the portal is slower). Usage::

    python bench/search.py                 # full corpus (several minutes)
    python bench/search.py --smoke         # tiny corpus, seconds (CI)
    python bench/search.py --json out.json --engines portal,fts5
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py would shadow the standard library's http package: keep this folder last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

import corpus as corpus_module  # noqa: E402
from measure import PeakMemory, describe_machine, machine, percentiles, ratio, table  # noqa: E402
from peers import peer_engines  # noqa: E402

WARMUP = 50
UPDATE_MARKER = "Zebrafinch Quokka"  # two words found in no article


def time_update(engine, doc) -> float | None:
    """ms from saving a changed article until a query for its new title finds it."""
    if not hasattr(engine, "update"):
        return None
    changed = dataclasses.replace(doc, title=f"{UPDATE_MARKER} {doc.title}")
    started = time.perf_counter()
    engine.update(changed)
    deadline = started + 30
    elapsed = float("nan")  # never became searchable within 30 s
    while time.perf_counter() < deadline:
        if doc.slug in engine.query(UPDATE_MARKER, doc.locale, 5):
            elapsed = (time.perf_counter() - started) * 1000
            break
        time.sleep(0.005)
    engine.update(doc)  # put the article back (a kept data folder is reused by other scripts)
    return elapsed


def import_portal(engine, corpus, log) -> dict:
    """Import the corpus files through ``portal.content.import_paths`` (what
    ``portal import DIR --locale xx`` runs), one call per language."""
    report = engine.import_docs(corpus.docs)
    log(f"  portal import_paths: {engine.import_seconds:.1f} s for {len(corpus.docs)} files ({report})")
    return {"import_s": engine.import_seconds, "import_report": report,
            "import_ms_per_file": engine.import_seconds * 1000 / max(1, len(corpus.docs))}


def build_engine(engine, corpus, log) -> dict:
    """Build (portal: import, then the timed full rebuild) and report time and memory."""
    result: dict = {"engine": engine.name}
    if engine.name == "portal" and getattr(engine, "reuse", False):
        log(f"  portal: reusing the import in {engine.data_dir} (no import figures)")
    elif engine.name == "portal":
        with PeakMemory() as mem:
            result.update(import_portal(engine, corpus, log))
        result["import_peak_mb"] = mem.peak_mb
    with PeakMemory() as mem:
        started = time.perf_counter()
        if engine.name == "portal":
            result["build_s"] = engine.rebuild()
            result["index_mb"] = engine.index_bytes() / 2**20
        else:
            engine.build(corpus.docs)
            result["build_s"] = time.perf_counter() - started
    result["build_peak_mb"] = mem.peak_mb
    result["build_grew_mb"] = mem.grew_mb
    log(f"  {engine.name}: build {result['build_s']:.2f} s, RSS grew {mem.grew_mb:.0f} MB")
    return result


def time_interleaved(engines: list, queries) -> dict[str, list[float]]:
    """Each query on every engine in turn (the order rotating), so that whatever
    else the machine is doing slows every engine alike."""
    samples: dict[str, list[float]] = {engine.name: [] for engine in engines}
    for number, q in enumerate(queries):
        for i in range(len(engines)):
            engine = engines[(number + i) % len(engines)]
            started = time.perf_counter()
            engine.query(q.text, q.locale, 5)
            elapsed = (time.perf_counter() - started) * 1000
            samples[engine.name].append(getattr(engine, "last_ms", None) or elapsed)
    return samples


LONG_TICKETS = 200
SMOKE_TICKETS = 5
LONG_TICKET_CHARS = 5_000
LONG_TICKET_GOAL_MS = 50.0


def time_long_tickets(engines: list, tickets) -> dict[str, list[float]]:
    """ms per ~5,000-character ticket: the portal's subject/description call,
    a peer's query on subject + description as one text; interleaved."""
    samples: dict[str, list[float]] = {engine.name: [] for engine in engines}
    for number, (subject, description, locale) in enumerate(tickets):
        for i in range(len(engines)):
            engine = engines[(number + i) % len(engines)]
            started = time.perf_counter()
            if hasattr(engine, "query_ticket"):
                engine.query_ticket(subject, description, locale, 5)
            else:
                engine.query(f"{subject}\n{description}", locale, 5)
            elapsed = (time.perf_counter() - started) * 1000
            samples[engine.name].append(getattr(engine, "last_ms", None) or elapsed)
    return samples


def latency_figures(samples: list[float], queries) -> dict:
    by_key: dict[tuple[str, str], list[float]] = {}
    for q, ms in zip(queries, samples):
        by_key.setdefault((q.kind, q.source), []).append(ms)
    figures = {"latency": {kind: percentiles([ms for (k, _s), got in by_key.items() if k == kind for ms in got])
                           for kind in ("whole", "half")},
               "by_source": {}}
    for (kind, source), got in sorted(by_key.items()):
        figures["by_source"].setdefault(source, {})[kind] = percentiles(got)
    return figures


def side_by_side(results: dict[str, dict]) -> str:
    names = list(results)
    peers = [n for n in names if n != "portal"]
    rows_spec = [("build (s)", lambda r: r.get("build_s"))]
    for kind, label in (("whole", "whole"), ("half", "half-typed")):
        for p in ("p50", "p95", "p99"):
            rows_spec.append((f"{label} {p} (ms)", lambda r, k=kind, p=p: r["latency"][k][p]))
    rows_spec += [(f"{LONG_TICKET_CHARS:,}-char ticket {p} (ms)", lambda r, p=p: r.get("ticket", {}).get(p))
                  for p in ("p50", "p95", "p99")]
    rows_spec += [("update (ms)", lambda r: r.get("update_ms")),
                  ("build: RSS growth (MB)", lambda r: r.get("build_grew_mb")),
                  ("build: peak RSS (MB)", lambda r: r.get("build_peak_mb"))]
    headers = ["metric", *names]
    if "portal" in results:
        headers += [f"portal/{p}" for p in peers]
    rows = []
    for label, get in rows_spec:
        values = {n: get(results[n]) for n in names}
        row = [label, *values.values()]
        if "portal" in results:
            row += [ratio(values["portal"], values[p]) for p in peers]
        rows.append(row)
    return table(headers, rows, "Side by side (ratio = portal / peer; above 1 = portal slower or bigger)")


def per_source(results: dict[str, dict]) -> str:
    names = list(results)
    sources = list(next(iter(results.values()))["by_source"])
    rows = []
    for source in sources:
        for kind in ("whole", "half"):
            row = [f"{source} {kind}", results[names[0]]["by_source"][source][kind]["n"]]
            row += [results[n]["by_source"][source][kind]["p95"] for n in names]
            rows.append(row)
    return table(["query set", "n", *[f"{n} p95" for n in names]], rows, "p95 latency (ms) per query set")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpus and query sets (CI)")
    parser.add_argument("--engines", default="portal,fts5,whoosh,lunr,tantivy",
                        help="comma-separated subset (default: all)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep-data", type=Path, metavar="DIR",
                        help="import the portal into DIR and keep it (relevance.py and http.py "
                             "can reuse it with --portal-data DIR)")
    parser.add_argument("--portal-data", type=Path, metavar="DIR",
                        help="reuse the portal import in DIR (left by --keep-data): no import "
                             "figures, the rebuild and everything else measured as usual")
    args = parser.parse_args(argv)

    try:
        corpus = corpus_module.load(smoke=args.smoke)
    except corpus_module.DataMissing as exc:
        print(f"SKIP: {exc}")
        return 0
    print(f"Corpus: {corpus.describe()}")
    print(f"Machine: {describe_machine()}")

    wanted = [name.strip() for name in args.engines.split(",") if name.strip()]
    factories = dict(peer_engines())
    results: dict[str, dict] = {}
    pending: dict[str, str] = {}
    engines = []
    load_before = os.getloadavg()
    try:
        for name in wanted:
            if name == "portal":
                from portal_engine import PortalEngine, PortalNotReady

                try:
                    engine = PortalEngine(data_dir=args.portal_data or args.keep_data)
                    engine.reuse = bool(args.portal_data) and engine.has_corpus(corpus.describe())
                    if args.portal_data and not engine.reuse:
                        print(f"  portal: {args.portal_data} does not hold this corpus; importing into it")
                except PortalNotReady as exc:
                    pending["portal"] = str(exc)
                    print(f"  portal: PENDING - {exc}")
                    continue
                try:
                    results[name] = build_engine(engine, corpus, print)
                except PortalNotReady as exc:
                    engine.close()
                    pending["portal"] = str(exc)
                    print(f"  portal: PENDING - {exc}")
                    continue
                if args.keep_data or args.portal_data:
                    engine.mark_corpus(corpus.describe())
            elif name in factories:
                engine = factories[name]()
                results[name] = build_engine(engine, corpus, print)
            else:
                parser.error(f"unknown engine {name!r}")
            engines.append(engine)
        time_interleaved(engines, corpus.queries[:WARMUP])
        print(f"  timing {len(corpus.queries)} queries on {len(engines)} engines, interleaved")
        with PeakMemory() as mem:
            samples = time_interleaved(engines, corpus.queries)
        for engine in engines:
            results[engine.name].update(latency_figures(samples[engine.name], corpus.queries))
            results[engine.name]["update_ms"] = time_update(engine, corpus.docs_from("stackfaq")[0])
        tickets = corpus_module.long_tickets(corpus, SMOKE_TICKETS if args.smoke else LONG_TICKETS,
                                             LONG_TICKET_CHARS)
        print(f"  timing {len(tickets)} tickets of {LONG_TICKET_CHARS:,} characters, interleaved")
        ticket_samples = time_long_tickets(engines, tickets)
        for engine in engines:
            results[engine.name]["ticket"] = percentiles(ticket_samples[engine.name])
    finally:
        for engine in engines:
            engine.close()
    load_after = os.getloadavg()

    print()
    print(side_by_side(results))
    print()
    print(per_source(results))
    print(f"\nMemory: {PeakMemory.method}; all engines together while querying: peak RSS {mem.peak_mb:.0f} MB.")
    print(f"Load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} cores.")
    portal = results.get("portal")
    if portal and "import_s" in portal:
        print(f"Portal import (import_paths): {portal['import_s']:.1f} s for {len(corpus.docs)} files, "
              f"{portal['import_ms_per_file']:.1f} ms/file; peak RSS {portal['import_peak_mb']:.0f} MB")
    if portal:
        print(f"Portal index: {portal['index_mb']:.0f} MB on disk")
        goal = ratio(portal["latency"]["half"]["p95"], results.get("fts5", {}).get("latency", {}).get("half", {}).get("p95"))
        fts5 = results.get("fts5", {}).get("latency", {})
        if goal is not None and not args.smoke:  # smoke figures mean nothing
            print(f"Goal - half-typed suggest p95 no slower than FTS5: {'MET' if goal <= 1 else 'NOT MET'} "
                  f"(portal/fts5 = {goal:.2f})")
            whole = ratio(portal["latency"]["whole"]["p95"], fts5.get("whole", {}).get("p95"))
            print(f"Goal - whole-question suggest p95 no slower than FTS5: {'MET' if whole <= 1 else 'NOT MET'} "
                  f"(portal/fts5 = {whole:.2f})")
        ticket = portal.get("ticket", {})
        if ticket and not args.smoke:
            print(f"Goal - a {LONG_TICKET_CHARS:,}-character ticket answers in under {LONG_TICKET_GOAL_MS:.0f} ms: "
                  f"{'MET' if ticket['max'] < LONG_TICKET_GOAL_MS else 'NOT MET'} "
                  f"(p95 {ticket['p95']:.1f} ms, max {ticket['max']:.1f} ms)")
    for name, reason in pending.items():
        print(f"{name}: pending ({reason})")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "corpus": corpus.describe(), "smoke": args.smoke,
                                         "load_before_after": [load_before[0], load_after[0]],
                                         "memory_method": PeakMemory.method, "results": results,
                                         "pending": pending}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

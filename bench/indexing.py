"""Index build speed: the portal's fast writer next to Whoosh's own, in one run.

On the corpus of ``corpus.py`` (~11,800 articles; ``--smoke``: a few dozen),
each document made by ``portal.search.documents.document_for`` from the
corpus text, measured in this process, baseline and now on the same data:

* **full build**: every document through Whoosh's ``SegmentWriter`` (default
  codec, ``limitmb=256``: what ``SearchIndex.rebuild`` used before) and through
  ``portal.search.fastindex.FastWriter`` (what it uses now); wall and CPU
  seconds, peak RSS, index size; then a check that both indexes hold the same
  postings for a sample of terms;
* **one save searchable**: on the built index, one article changed, written by
  one writer and committed, a new searcher opened, until a search for its new
  title finds it (ms, median of several saves), with either writer;
* **import** (``--import-files N``, default 0 = skipped): the first N corpus
  files through ``portal.content.import_paths`` into a fresh data folder (what
  ``portal import`` runs), ms per file and peak RSS.

Usage::

    python bench/indexing.py                   # full corpus
    python bench/indexing.py --smoke           # seconds (CI, bench/run_smoke.py)
    python bench/indexing.py --import-files 1000 --json out.json
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py would shadow the standard library's http package: keep this folder last;
# this checkout's portal first (not whichever one the venv was installed from).
sys.path[:] = [str(BENCH.parent)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import corpus as corpus_module  # noqa: E402
from measure import PeakMemory, describe_machine, table  # noqa: E402

GOAL_BUILD_S = 10.0
GOAL_SAVE_MS = 20.0
GOAL_IMPORT_S = 30.0
SAVES = 5


def documents(corpus) -> list[dict]:
    from portal.search.documents import document_for

    found = []
    for number, doc in enumerate(corpus.docs, 1):
        found.append(document_for(types.SimpleNamespace(
            id=number, slug=doc.slug, locale=doc.locale, title=doc.title, summary=None, category_slug="general",
            tags=[], questions=None, status="published", visibility="public", body_text=doc.text, headings=[],
            updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc))))
    return found


def writer_for(name: str, ix, **kwargs):
    from whoosh.writing import SegmentWriter

    from portal.search.fastindex import FastWriter

    if name == "whoosh":
        return SegmentWriter(ix, limitmb=256, compound=False, **kwargs)
    return FastWriter(ix, compound=False, **kwargs)


def build(name: str, docs: list[dict], path: Path) -> dict:
    from whoosh import index as whoosh_index

    from portal.search.schema import SCHEMA

    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), SCHEMA)
    with PeakMemory() as mem:
        started, cpu = time.perf_counter(), time.process_time()
        writer = writer_for(name, ix)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return {"build_s": seconds, "build_cpu_s": cpu_seconds, "build_peak_mb": mem.peak_mb,
            "index_mb": size / 2**20, "ix": ix}


def same_postings(a, b, sample: int = 2000) -> bool:
    """The same postings (docnum, weight) for every ``sample``-th term of ``a``, and the same term count."""
    with a.reader() as ra, b.reader() as rb:
        terms_a = list(ra.all_terms())
        if terms_a != list(rb.all_terms()):
            return False
        for fieldname, text in terms_a[::max(1, len(terms_a) // sample)]:
            pa, pb = ra.postings(fieldname, text), rb.postings(fieldname, text)
            if list(pa.items_as("weight")) != list(pb.items_as("weight")):
                return False
    return True


def time_saves(name: str, ix, docs: list[dict]) -> float:
    """Median ms from one changed document's writer to a searcher that finds it."""
    from whoosh.query import Term

    from portal.search.schema import ID_FIELD, WORDS_TEXT, lang_field

    samples = []
    for number in range(SAVES):
        doc = dict(docs[(number * 7919) % len(docs)])
        marker = f"zebrafinch{number}{name}"
        lang = doc["locale"]
        doc[lang_field(WORDS_TEXT, lang)] = f"{marker} {doc[lang_field(WORDS_TEXT, lang)]}"
        started = time.perf_counter()
        writer = writer_for(name, ix, timeout=10.0)
        writer.update_document(**doc)
        writer.commit()
        with ix.searcher() as searcher:
            found = searcher.search(Term(lang_field(WORDS_TEXT, lang), marker), limit=1)
            assert found and found[0][ID_FIELD] == doc[ID_FIELD], "the save is not searchable"
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def time_import(corpus, files: int) -> dict:
    from portal_engine import PortalEngine

    engine = PortalEngine()
    try:
        with PeakMemory() as mem:
            report = engine.import_docs(corpus.docs[:files])
        return {"import_files": files, "import_s": engine.import_seconds,
                "import_ms_per_file": engine.import_seconds * 1000 / max(1, files),
                "import_peak_mb": mem.peak_mb, "import_report": report}
    finally:
        engine.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpus (CI)")
    parser.add_argument("--import-files", type=int, default=None,
                        help="also import this many corpus files (default: 0, smoke: 10)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    try:
        corpus = corpus_module.load(smoke=args.smoke)
    except corpus_module.DataMissing as exc:
        print(f"SKIP: {exc}")
        return 0
    print(f"Corpus: {corpus.describe()}")
    print(f"Machine: {describe_machine()}; load average {os.getloadavg()[0]:.1f}")
    docs = documents(corpus)
    root = Path(tempfile.mkdtemp(prefix="bench-indexing-"))
    results: dict[str, dict] = {}
    try:
        for name in ("whoosh", "fast"):  # baseline first: the fast writer's memos start cold all the same
            results[name] = build(name, docs, root / name)
            print(f"  {name}: build {results[name]['build_s']:.1f} s (CPU {results[name]['build_cpu_s']:.1f} s)",
                  flush=True)
        same = same_postings(results["whoosh"]["ix"], results["fast"]["ix"])
        for name in ("whoosh", "fast"):
            results[name]["save_ms"] = time_saves(name, results[name]["ix"], docs)
        files = args.import_files if args.import_files is not None else (10 if args.smoke else 0)
        imported = time_import(corpus, files) if files else None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base, now = results["whoosh"], results["fast"]
    rows = [[label, base[key], now[key], base[key] / now[key] if now[key] else None]
            for label, key in (("full build, wall (s)", "build_s"), ("full build, CPU (s)", "build_cpu_s"),
                               ("build: peak RSS (MB)", "build_peak_mb"), ("index on disk (MB)", "index_mb"),
                               ("one save searchable (ms, median)", "save_ms"))]
    print()
    print(table(["metric", "baseline (Whoosh writer)", "now (FastWriter)", "baseline/now"], rows,
                f"Index build, {len(docs)} documents (memory: {PeakMemory.method})"))
    print(f"Same postings in both indexes (sampled terms): {'yes' if same else 'NO'}")
    if imported:
        print(f"Import (import_paths) of {files} files: {imported['import_s']:.1f} s, "
              f"{imported['import_ms_per_file']:.1f} ms/file (earlier figure: 74.7 ms/file), "
              f"peak RSS {imported['import_peak_mb']:.0f} MB; {imported['import_report']['created']} created, "
              f"{imported['import_report']['failed']} failed")
    if not args.smoke:
        print(f"Goal - full build under {GOAL_BUILD_S:.0f} s: {'MET' if now['build_s'] < GOAL_BUILD_S else 'NOT MET'} "
              f"({now['build_s']:.1f} s)")
        print(f"Goal - one save searchable under {GOAL_SAVE_MS:.0f} ms: "
              f"{'MET' if now['save_ms'] < GOAL_SAVE_MS else 'NOT MET'} ({now['save_ms']:.1f} ms)")
    if args.json:
        for result in results.values():
            result.pop("ix", None)
        args.json.write_text(json.dumps({"corpus": corpus.describe(), "smoke": args.smoke, "results": results,
                                         "same_postings": same, "import": imported}, indent=2, default=str))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

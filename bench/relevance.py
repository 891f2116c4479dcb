"""Search relevance: MRR@5 and Recall@5 of the portal's suggestions next to the peers.

Gold data: ``../shared/data/stackfaq/queries-dev.jsonl``, 625 real rephrasings
of 125 Stack Exchange questions, each with the slug of the article that
answers it. Every query is asked whole and half-typed (``corpus.half_typed``:
the first half of the words, the last one cut mid-word), in two corpora:

* ``stackfaq``: the 125 English articles only;
* ``+alchemy``: the same plus the ~11,200 alchemy articles (nl/pl/sv/de) as
  distractors, asked twice: ``en`` with the language filter the portal's own
  pages send (``locale=en``), and ``all`` with ``locale=None`` (every
  language, as ``/api/v1/suggest`` without ``locale``), where the distractors
  compete for the top 5. Without distractors the locale is ``None`` (all the
  articles are English anyway).

In the ``+alchemy`` build the title-derived alchemy queries (one word of an
article's title dropped, gold = that article, own language filter) give a
known-item figure per language as well.

MRR@5: the mean of 1/rank of the first gold slug in the top 5 (0 if absent).
Recall@5: the share of queries with a gold slug in the top 5.
Engines and query treatment: see ``peers/__init__.py`` and ``portal_engine.py``.

    python bench/relevance.py            # full (imports the corpus into the portal twice)
    python bench/relevance.py --smoke    # tiny (CI)
    python bench/relevance.py --no-distractors --json rel.json
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py would shadow the standard library's http package: keep this folder last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import corpus as corpus_module  # noqa: E402
from measure import describe_machine, machine, table  # noqa: E402
from peers import peer_engines  # noqa: E402

K = 5


def score(engine, queries, locale_override=..., k: int = K) -> dict:
    """MRR@k and Recall@k of ``engine`` on ``queries``."""
    reciprocal = 0.0
    found = 0
    for q in queries:
        locale = q.locale if locale_override is ... else locale_override
        slugs = engine.query(q.text, locale, k)[:k]
        for rank, slug in enumerate(slugs, 1):
            if slug in q.gold:
                reciprocal += 1.0 / rank
                found += 1
                break
    n = len(queries) or 1
    return {"n": len(queries), "mrr": reciprocal / n, "recall": found / n}


def make_engine(name: str, data_dir: Path | None = None):
    if name == "portal":
        from portal_engine import PortalEngine

        return PortalEngine(data_dir=data_dir)
    return peer_engines()[name]()


def evaluate(name: str, docs, conditions, log, reuse: tuple[Path, str] | None = None) -> dict:
    """Build ``name`` on ``docs`` and score every (label, queries, locale) condition.

    ``reuse`` = (data folder, corpus description): the portal's data folder left
    by ``search.py --keep-data``, used as it is when it holds this corpus."""
    engine = make_engine(name, reuse[0] if reuse and name == "portal" else None)
    try:
        started = time.perf_counter()
        if reuse and name == "portal" and engine.has_corpus(reuse[1]):
            log(f"  portal: reusing the import in {reuse[0]}")
        elif reuse and name == "portal":
            engine.build(docs)
            engine.mark_corpus(reuse[1])
        else:
            engine.build(docs)
        if name == "portal":
            if engine.import_seconds is not None:
                log(f"  portal: imported {len(docs)} articles in {engine.import_seconds:.1f} s "
                    f"({engine.import_report})")
        else:
            log(f"  {name}: built on {len(docs)} articles in {time.perf_counter() - started:.1f} s")
        return {label: score(engine, queries, locale) for label, queries, locale in conditions}
    finally:
        engine.close()
        del engine
        gc.collect()


def render(results: dict[str, dict], labels: list[str]) -> str:
    names = list(results)
    rows = []
    for label in labels:
        n = next(iter(results.values()))[label]["n"]
        rows.append([label, n, *[results[e][label]["mrr"] for e in names],
                     *[results[e][label]["recall"] for e in names]])
    headers = ["condition", "n", *[f"{e} MRR@5" for e in names], *[f"{e} R@5" for e in names]]
    return table(headers, rows, "Relevance (higher is better)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpus and query sets (CI)")
    parser.add_argument("--engines", default="portal,fts5,lunr,tantivy")
    parser.add_argument("--no-distractors", action="store_true", help="skip the +alchemy corpus")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--portal-data", type=Path, metavar="DIR",
                        help="for the +alchemy corpus, use (or make) the portal data folder DIR "
                             "(see search.py --keep-data) instead of importing again")
    args = parser.parse_args(argv)

    try:
        corpus = corpus_module.load(smoke=args.smoke)
    except corpus_module.DataMissing as exc:
        print(f"SKIP: {exc}")
        return 0
    print(f"Corpus: {corpus.describe()}")
    print(f"Machine: {describe_machine()}")

    stack_docs = corpus.docs_from("stackfaq")
    whole = corpus.select(kind="whole", source="stackfaq")
    half = corpus.select(kind="half", source="stackfaq")
    builds = [("stackfaq", stack_docs, [("stackfaq whole", whole, None), ("stackfaq half", half, None)], None)]
    if not args.no_distractors:
        conditions = [("+alchemy en whole", whole, "en"), ("+alchemy en half", half, "en"),
                      ("+alchemy all whole", whole, None), ("+alchemy all half", half, None)]
        for locale in corpus_module.ALCHEMY_LOCALES:
            for kind in ("whole", "half"):
                conditions.append((f"titles-{locale} {kind}", corpus.select(kind=kind, source=f"alchemy-{locale}"), ...))
        reuse = (args.portal_data.resolve(), corpus.describe()) if args.portal_data else None
        builds.append(("+alchemy", corpus.docs, conditions, reuse))

    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    pending: dict[str, str] = {}
    if "portal" in wanted:
        from portal_engine import portal_ready

        reason = portal_ready()
        if reason:
            pending["portal"] = reason
            wanted.remove("portal")
            print(f"  portal: PENDING - {reason}")
    results: dict[str, dict] = {name: {} for name in wanted}
    labels: list[str] = []
    for build_name, docs, conditions, reuse in builds:
        print(f"Corpus {build_name}: {len(docs)} articles")
        labels += [label for label, _q, _l in conditions]
        for name in list(wanted):
            try:
                results[name].update(evaluate(name, docs, conditions, print, reuse))
            except Exception as exc:
                from portal_engine import PortalNotReady

                if name != "portal" or not isinstance(exc, PortalNotReady):
                    raise
                pending["portal"] = str(exc)
                print(f"  portal: PENDING - {exc}")
                wanted.remove(name)
                del results[name]

    print()
    print(render(results, labels))
    if "portal" in results and not args.smoke:  # smoke figures mean nothing
        for kind in ("whole", "half"):
            for prefix in ("stackfaq", "+alchemy en", "+alchemy all"):
                label = f"{prefix} {kind}"
                if label not in labels:
                    continue
                best_peer = max((results[e][label]["mrr"], e) for e in results if e != "portal") if len(results) > 1 else None
                if best_peer:
                    mine = results["portal"][label]["mrr"]
                    verdict = "MET" if mine > best_peer[0] else "NOT MET"
                    print(f"Goal - MRR@5 ahead of every peer ({label}): {verdict} "
                          f"(portal {mine:.3f}, best peer {best_peer[1]} {best_peer[0]:.3f})")
    for name, reason in pending.items():
        print(f"{name}: pending ({reason})")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "corpus": corpus.describe(), "smoke": args.smoke,
                                         "results": results, "pending": pending}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Search relevance: MRR@5 and Recall@5 of the portal's suggestions next to the peers.

Dev sets (``corpus.DEV_SETS``), each built on its own articles and asked in
its own language, as the ticket form and the portal's pages ask:

* ``stackfaq`` (en): 625 real rephrasings of 125 Stack Exchange questions;
* ``swefaq`` (sv): 110 agency FAQ questions whose answers carry no question
  title (the content must match);
* ``covid-de`` (de): 118 casual paraphrases of 390 official FAQ entries.

Then ``+alchemy``: every article (the ~11,200 alchemy articles in nl/pl/sv/de
plus the dev sets) in one portal, with the title-derived known-item queries of
each alchemy language (one word of an article's title dropped, gold = that
article, own language filter) and StackFAQ again with ``locale=en`` among the
distractors; ``--all-languages`` adds StackFAQ with ``locale=None`` (every
language, as ``/api/v1/suggest?locale=all``).

Every query is asked whole and half-typed (``corpus.half_typed``: the first
half of the words, the last one cut mid-word). Every set is split by gold
article into a *tune* half and a *held-out* half (``corpus.split_of``): tune
only on the tune half; both are printed, and the goals are judged on each.

MRR@5: the mean of 1/rank of the first gold slug in the top 5 (0 if absent).
Recall@5: the share of queries with a gold slug in the top 5.
Engines and query treatment: see ``peers/__init__.py`` and ``portal_engine.py``.

    python bench/relevance.py                         # everything (imports ~11,800 articles)
    python bench/relevance.py --sets stackfaq,swefaq,covid-de   # the dev sets only (a minute)
    python bench/relevance.py --smoke                 # tiny (CI)
    python bench/relevance.py --portal-data /tmp/portal-bench --rebuild   # reuse an import, fresh index
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


def evaluate(name: str, docs, conditions, log, reuse: tuple[Path, str] | None = None,
             rebuild: bool = False) -> dict:
    """Build ``name`` on ``docs`` and score every (label, queries, locale) condition.

    ``reuse`` = (data folder, corpus description): the portal's data folder left
    by ``search.py --keep-data``, used as it is when it holds this corpus."""
    engine = make_engine(name, reuse[0] if reuse and name == "portal" else None)
    try:
        started = time.perf_counter()
        if reuse and name == "portal" and engine.has_corpus(reuse[1]):
            log(f"  portal: reusing the import in {reuse[0]}")
            if rebuild:
                log(f"  portal: index rebuilt in {engine.rebuild():.1f} s")
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


#: The issue's goals: MRR@5 of the portal at least this much above the best peer ...
LEAD_OVER_BEST_PEER = 0.05
#: ... and at least these absolute MRR@5 per (dev set, mode).
ABSOLUTE_GOALS = {("stackfaq", "whole"): 0.92, ("stackfaq", "half"): 0.65,
                  ("swefaq", "whole"): 0.70, ("swefaq", "half"): 0.45,
                  ("covid-de", "whole"): 0.45, ("covid-de", "half"): 0.20}


def goal_lines(results: dict[str, dict], conditions: list[tuple[str, str, str, str]]) -> list[str]:
    """One line per condition: portal vs best peer (+0.05) and the absolute goal, met or not."""
    if "portal" not in results or len(results) < 2:
        return []
    lines = []
    met = total = 0
    for label, set_name, kind, _split in conditions:
        mine = results["portal"][label]["mrr"]
        best, best_name = max((results[e][label]["mrr"], e) for e in results if e != "portal")
        checks = [("lead", mine >= best + LEAD_OVER_BEST_PEER,
                   f"portal {mine:.3f} vs best peer {best_name} {best:.3f} + {LEAD_OVER_BEST_PEER}")]
        goal = ABSOLUTE_GOALS.get((set_name, kind))
        if goal is not None:
            checks.append(("absolute", mine >= goal, f"{mine:.3f} vs >= {goal:.2f}"))
        for what, ok, detail in checks:
            total += 1
            met += ok
            lines.append(f"Goal {what:<8} {label:<30} {'met' if ok else 'NOT MET':<8} {detail}")
    lines.append(f"Goals met: {met} of {total}")
    return lines


def dev_set_builds(corpus, sets: set[str]) -> list:
    builds = []
    for name in corpus_module.DEV_SETS:
        if name not in sets or not corpus.docs_from(name):
            continue
        conditions = []
        for kind in ("whole", "half"):
            for split in corpus_module.SPLITS:
                queries = corpus.select(kind=kind, source=name, split=split)
                conditions.append((f"{name} {kind} {split}", queries, ..., (name, kind, split)))
        builds.append((name, corpus.docs_from(name), conditions, None))
    return builds


def alchemy_build(corpus, args) -> tuple:
    conditions = []
    for kind in ("whole", "half"):
        for split in corpus_module.SPLITS:
            queries = corpus.select(kind=kind, source="stackfaq", split=split)
            conditions.append((f"+alchemy en {kind} {split}", queries, "en", ("+alchemy en", kind, split)))
            if args.all_languages:
                conditions.append((f"+alchemy all {kind} {split}", queries, None, ("+alchemy all", kind, split)))
    for locale in corpus_module.ALCHEMY_LOCALES:
        for kind in ("whole", "half"):
            for split in corpus_module.SPLITS:
                queries = corpus.select(kind=kind, source=f"alchemy-{locale}", split=split)
                conditions.append((f"titles-{locale} {kind} {split}", queries, ..., (f"titles-{locale}", kind, split)))
    reuse = (args.portal_data.resolve(), corpus.describe()) if args.portal_data else None
    return ("+alchemy", corpus.docs, conditions, reuse)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny corpus and query sets (CI)")
    parser.add_argument("--engines", default="portal,fts5,whoosh,lunr,tantivy")
    parser.add_argument("--sets", default="stackfaq,swefaq,covid-de,alchemy",
                        help="which builds: any of stackfaq, swefaq, covid-de, alchemy")
    parser.add_argument("--all-languages", action="store_true",
                        help="also ask StackFAQ among the distractors with locale=None (slow for lunr)")
    parser.add_argument("--no-distractors", action="store_true", help="same as leaving alchemy out of --sets")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--portal-data", type=Path, metavar="DIR",
                        help="for the +alchemy corpus, use (or make) the portal data folder DIR "
                             "(see search.py --keep-data) instead of importing again")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --portal-data: rebuild the index of the reused import (after a schema change)")
    args = parser.parse_args(argv)
    sets = {s.strip() for s in args.sets.split(",") if s.strip()}
    if args.no_distractors:
        sets.discard("alchemy")

    try:
        corpus = corpus_module.load(smoke=args.smoke, alchemy="alchemy" in sets)
    except corpus_module.DataMissing as exc:
        print(f"SKIP: {exc}")
        return 0
    print(f"Corpus: {corpus.describe()}")
    print(f"Machine: {describe_machine()}")

    builds = dev_set_builds(corpus, sets)
    if "alchemy" in sets:
        builds.append(alchemy_build(corpus, args))

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
    goal_conditions: list[tuple[str, str, str, str]] = []
    for build_name, docs, conditions, reuse in builds:
        print(f"Corpus {build_name}: {len(docs)} articles")
        labels += [label for label, _q, _l, _key in conditions]
        goal_conditions += [(label, *key) for label, _q, _l, key in conditions]
        plain = [(label, queries, locale) for label, queries, locale, _key in conditions]
        for name in list(wanted):
            try:
                results[name].update(evaluate(name, docs, plain, print, reuse, rebuild=args.rebuild))
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
    if not args.smoke:  # smoke figures mean nothing
        print()
        for line in goal_lines(results, goal_conditions):
            print(line)
    for name, reason in pending.items():
        print(f"{name}: pending ({reason})")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "corpus": corpus.describe(), "smoke": args.smoke,
                                         "results": results, "pending": pending}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Learning from deflected tickets, measured: MRR@5 with and without it.

For each dev set (StackFAQ en, swefaq sv, covid-de de from ``../shared/data``)
the queries are split in two halves, per gold article (by a stable hash, so
every run splits the same way). The *replay* half is played as customers:
each query is asked through the portal's suggest path; when the gold article
is among the 5 shown, it is credited as "opened it and did not send the
ticket" (``learning.credit`` with the "solved" credit, exactly what the
events endpoint does). With ``--noise`` a share of replayed customers instead
opens the engine's wrong first suggestion and leaves (the "left" credit):
customers are not always right. Then the *other* half is evaluated, whole
and half-typed (``corpus.half_typed``), with learning switched off (the
baseline, the engine's ranking) and on, in the same run.

swefaq has one question per article: the evaluated half asks about other
articles than the replayed half, so learning can only fail to help or hurt
there; it shows that the boost stays out of the way.

    python bench/learning.py            # all three sets
    python bench/learning.py --smoke    # a few queries (CI)
    python bench/learning.py --noise 0.2 --json learning.json
"""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from corpus import DATA_DIR, half_typed, stable_int  # noqa: E402
from measure import describe_machine, table  # noqa: E402

K = 5
SETS = {"stackfaq": "en", "swefaq": "sv", "covid-de": "de"}


@dataclass(frozen=True)
class Asked:
    text: str
    gold: tuple[str, ...]


def load_set(name: str, smoke: bool) -> tuple[list[Path], list[Asked]]:
    root = DATA_DIR / name
    queries_file = root / "queries-dev.jsonl"
    if not queries_file.is_file():
        raise FileNotFoundError(f"{queries_file} not found (../shared/data): skipping")
    asked = [Asked(row["query"], tuple(row["gold"]))
             for row in map(json.loads, queries_file.read_text(encoding="utf-8").splitlines()) if row.get("query")]
    files = sorted((root / "articles").glob("*.md"))
    if smoke:
        golds = sorted({gold for a in asked for gold in a.gold})[:12]
        asked = [a for a in asked if a.gold[0] in golds]
        files = [f for f in files if f.stem in golds] + [f for f in files if f.stem not in golds][:20]
    return files, asked


def split(asked: list[Asked]) -> tuple[list[Asked], list[Asked]]:
    """Half of each gold article's queries to replay, the other half to evaluate
    (an article with one query goes to one side, by hash)."""
    by_gold: dict[str, list[Asked]] = {}
    for a in asked:
        by_gold.setdefault(a.gold[0], []).append(a)
    replay, evaluate = [], []
    for gold, group in sorted(by_gold.items()):
        group = sorted(group, key=lambda a: stable_int("learning-split", a.text))
        cut = len(group) // 2 if len(group) > 1 else stable_int("learning-side", gold) % 2
        replay.extend(group[:cut])
        evaluate.extend(group[cut:])
    return replay, evaluate


class Portal:
    """The portal on a temporary data folder, the corpus imported as ``portal import`` does."""

    def __init__(self, files: list[Path], locale: str) -> None:
        from portal_engine import make_app

        from portal.content import import_paths

        self.tmp = Path(tempfile.mkdtemp(prefix="bench-learning-"))
        self.app = make_app(self.tmp)
        self.locale = locale
        with self.app.app_context():
            import_paths(files, default_locale=locale)

    def suggest(self, text: str, *, learning: bool) -> list[str]:
        from portal.search import suggesting

        self.app.config["SEARCH_LEARNING_ENABLED"] = learning
        with self.app.test_request_context("/api/v1/suggest"):
            return [hit["slug"] for hit in suggesting.suggest_articles(text, locale=self.locale, limit=K)]

    def credit(self, text: str, slug: str, amount: float) -> None:
        from portal.db import session
        from portal.search import learning

        with self.app.test_request_context("/"):
            learning.credit(session, self.locale, slug, learning.terms(text, self.locale), amount)
            session.commit()

    def close(self) -> None:
        engine = self.app.extensions.get("portal.engine")
        if engine is not None:
            engine.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)


def mrr(portal: Portal, asked: list[Asked], *, learning: bool, half: bool) -> float:
    total = 0.0
    for a in asked:
        slugs = portal.suggest(half_typed(a.text) if half else a.text, learning=learning)
        total += next((1.0 / rank for rank, slug in enumerate(slugs, 1) if slug in a.gold), 0.0)
    return total / (len(asked) or 1)


def replay(portal: Portal, asked: list[Asked], noise: float) -> dict:
    from portal.search import learning

    credited = wrong = missed = 0
    for a in asked:
        shown = portal.suggest(a.text, learning=True)
        misled = noise and shown and shown[0] not in a.gold and stable_int("noise", a.text) % 1000 < noise * 1000
        if misled:
            portal.credit(a.text, shown[0], learning.LEFT_CREDIT)
            wrong += 1
        elif any(slug in a.gold for slug in shown):
            portal.credit(a.text, next(slug for slug in shown if slug in a.gold), learning.SOLVED_CREDIT)
            credited += 1
        else:
            missed += 1  # the answer was not shown: nobody could open it
    return {"credited": credited, "misled": wrong, "not_shown": missed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few queries per set")
    parser.add_argument("--noise", type=float, default=0.0,
                        help="share of replayed customers who open a wrong first suggestion and leave")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    print(describe_machine())
    rows, figures = [], {}
    for name, locale in SETS.items():
        try:
            files, asked = load_set(name, args.smoke)
        except FileNotFoundError as exc:
            print(exc)
            continue
        started = time.perf_counter()
        portal = Portal(files, locale)
        try:
            replayed, evaluated = split(asked)
            before = {half: mrr(portal, evaluated, learning=False, half=half) for half in (False, True)}
            counts = replay(portal, replayed, args.noise)
            after = {half: mrr(portal, evaluated, learning=True, half=half) for half in (False, True)}
            # the switch: off again gives the engine's ranking back
            off_again = mrr(portal, evaluated, learning=False, half=False)
        finally:
            portal.close()
        figures[name] = {"replayed": len(replayed), "evaluated": len(evaluated), **counts,
                         "whole": {"off": before[False], "on": after[False]},
                         "half": {"off": before[True], "on": after[True]},
                         "off_again_whole": off_again, "seconds": time.perf_counter() - started}
        for half in (False, True):
            rows.append([name, "half-typed" if half else "whole", len(replayed), len(evaluated),
                         f"{before[half]:.3f}", f"{after[half]:.3f}", f"{after[half] - before[half]:+.3f}"])
        assert abs(off_again - before[False]) < 1e-9, "switching learning off must give the engine's ranking back"
    print(table(["set", "mode", "replayed", "evaluated", "MRR@5 off (baseline)", "MRR@5 on", "change"], rows,
                title=f"Learning from deflection (noise {args.noise:.0%}; replayed half credited, other half evaluated)"))
    for name, data in figures.items():
        print(f"{name}: credited {data['credited']}, misled {data['misled']}, answer not shown {data['not_shown']}"
              f" ({data['seconds']:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

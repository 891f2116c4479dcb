"""Answers of ``GET /api/v1/suggest`` remembered per process, never stale.

In an outage many customers type the same few words ("login", "checkout
err"), and every keystroke asks again. An answer is kept under a key made of
the request (text, language, limit) and of everything it was computed from:
this thread's searcher (the index folder and its Whoosh generation: the
answer is exactly as fresh as a search would be on this server), and the
database versions of what customers taught it (``search:learning``), of the
staff's synonyms (``search:synonyms``, plus the synonym files' reload count)
and of the status (``status``: the ``incidents`` group), read through
:mod:`portal.cache.versions`. Any change makes new keys; old ones fall out of
the bounded LRU.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from portal.cache import versions

LEARNING_SCOPE = "search:learning"
SYNONYMS_SCOPE = "search:synonyms"
_SCOPES = ("status", LEARNING_SCOPE, SYNONYMS_SCOPE)
MAX_ANSWERS = 4096

_lock = threading.Lock()
_answers: "OrderedDict[tuple, bytes]" = OrderedDict()


def track_models() -> None:
    """Learned signals and synonym edits bump their scopes (in the writer's transaction)."""
    from portal.search.models import LearnedArticleSignal, SearchSettingVersion, SynonymGroup

    versions.track(LearnedArticleSignal, lambda _obj: (LEARNING_SCOPE,), lambda: (LEARNING_SCOPE,))
    for model in (SynonymGroup, SearchSettingVersion):
        versions.track(model, lambda _obj: (SYNONYMS_SCOPE,), lambda: (SYNONYMS_SCOPE,))


def key_for(app_serial: int, index, q: str, locale: str | None, limit: int) -> tuple | None:
    """The key of this request's answer now, or None when it cannot be kept."""
    if locale is None:
        return None
    snapshot = versions.snapshot()
    if snapshot is None:
        return None
    from portal.search import synonyms

    synonyms.synonyms_for(locale)  # rechecks the synonym files now and then (may bump version())
    searcher = index.searcher()
    generation = getattr(searcher.reader(), "generation", lambda: None)()
    if generation is None or generation < 0:
        return None
    return (app_serial, index.current_name(), generation, snapshot.token(_SCOPES), synonyms.version(),
            q, locale, limit)


def get(key: tuple) -> bytes | None:
    with _lock:
        found = _answers.get(key)
        if found is not None:
            _answers.move_to_end(key)
        return found


def put(key: tuple, body: bytes) -> None:
    with _lock:
        _answers[key] = body
        while len(_answers) > MAX_ANSWERS:
            _answers.popitem(last=False)

"""Per-language synonyms that writers maintain, applied when a query is built.

The interface the query builder relies on is one function::

    synonyms_for(locale) -> {word: [equivalent, ...]}

Keys are lower-cased words or short phrases; values are other ways to say
them ("mail" -> ["e-mail", "email"]). The query builder (``querying.py``)
matches keys against the customer's words by their stems, so "mappen" meets
a key "map", and adds the equivalents at a lower weight than the words the
customer typed.

Sources, merged in this order (later ones add to earlier ones):

1. the file ``<repository>/synonyms/<locale>.yaml`` (under git, reviewed like
   code): either a mapping ``word: [equivalents]`` (one-way: ``word`` also
   finds the equivalents) or a list of groups ``[[a, b, c], ...]`` (every word
   of a group finds the others). A missing file means no synonyms; a broken
   file is logged and ignored, so search keeps working;
2. whatever extra providers are registered with :func:`register_provider`
   (the staff page's database-backed entries).

The result is cached per locale; :func:`invalidate` drops the cache (call it
after a writer saves synonyms) and bumps :func:`version`, which the query
builder uses to drop what it derived from the old entries.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

import yaml

log = logging.getLogger(__name__)

#: ``<repository>/synonyms`` (``PORTAL_SYNONYMS_DIR`` points elsewhere, e.g. in tests).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "synonyms"
#: Longest file read; synonyms are a hand-kept list, not a data dump.
MAX_FILE_BYTES = 1_000_000
#: At most this many equivalents per word (a query stays a handful of terms).
MAX_EQUIVALENTS = 8

Provider = Callable[[str], dict[str, list[str]]]

_lock = threading.Lock()
_cache: dict[str, dict[str, list[str]]] = {}
_providers: list[Provider] = []
_version = 0


def synonyms_dir() -> Path:
    return Path(os.environ.get("PORTAL_SYNONYMS_DIR") or DEFAULT_DIR)


def _clean(word) -> str:
    return " ".join(str(word).lower().split()) if isinstance(word, (str, int, float)) else ""


def _add(mapping: dict[str, list[str]], word, equivalents) -> None:
    key = _clean(word)
    if not key:
        return
    found = mapping.setdefault(key, [])
    for other in equivalents:
        other = _clean(other)
        if other and other != key and other not in found and len(found) < MAX_EQUIVALENTS:
            found.append(other)


def parse_entries(data) -> dict[str, list[str]]:
    """``{word: [equivalents]}`` from a loaded YAML document (a mapping or a list of groups)."""
    mapping: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for word, equivalents in data.items():
            if isinstance(equivalents, (str, int, float)):
                equivalents = [equivalents]
            if isinstance(equivalents, list):
                _add(mapping, word, equivalents)
    elif isinstance(data, list):
        for group in data:
            if isinstance(group, str):
                group = [part for part in group.split(",")]
            if isinstance(group, list):
                for word in group:
                    _add(mapping, word, group)
    return {word: others for word, others in mapping.items() if others}


def load_file(locale: str) -> dict[str, list[str]]:
    """The entries of ``synonyms/<locale>.yaml``; ``{}`` when absent or unreadable."""
    path = synonyms_dir() / f"{locale}.yaml"
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        log.warning("synonyms file %s ignored: %s", path, exc)
        return {}
    return parse_entries(data)


def register_provider(provider: Provider) -> None:
    """Add a source of entries (``provider(locale) -> {word: [equivalents]}``)."""
    with _lock:
        if provider not in _providers:
            _providers.append(provider)
    invalidate()


def synonyms_for(locale: str) -> dict[str, list[str]]:
    """``{word: [equivalents]}`` for ``locale`` (cached; see :func:`invalidate`)."""
    cached = _cache.get(locale)
    if cached is not None:
        return cached
    merged = load_file(locale)
    for provider in list(_providers):
        for word, equivalents in (provider(locale) or {}).items():
            _add(merged, word, equivalents)
    with _lock:
        _cache[locale] = merged
    return merged


def invalidate() -> None:
    """Forget the cached entries (after a writer changed them)."""
    global _version
    with _lock:
        _cache.clear()
        _version += 1


def version() -> int:
    """Bumped by every :func:`invalidate`: lets callers drop what they derived."""
    return _version

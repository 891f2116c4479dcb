"""Synonyms writers teach search: per language, from files under git and the staff page.

Two sources, merged by :func:`synonyms_for`:

* files ``<SEARCH_SYNONYMS_DIR>/<locale>.yaml`` (``synonyms/`` in the repo),
  reviewed like any content; read-only on the staff page. The file is either
  a list of groups, each a list or a comma-separated line (every word of a
  group finds the others)::

      - [invoice, bill, receipt]
      - parcel, package

  or a mapping of one-way entries (``laptop`` also finds ``notebook``, not
  the other way round)::

      laptop: [notebook]
      two-factor authentication: [mfa]

* groups writers add on ``/staff/search/synonyms`` (:class:`SynonymGroup`),
  and entries of any provider registered with :func:`register_provider`.

``synonyms_for(locale)`` maps each word (or short phrase) to its equivalents;
the query builder (``querying.py``) matches keys against the customer's words
by their stems and adds the equivalents at a lower weight than what the
customer typed, keyed by :func:`version` so it drops what it derived from
older entries.
It is cached per process; the cache is checked against the files' mtimes and
one row of ``search_setting_versions`` (bumped on every staff edit), so an
edit in one server process is seen by the others within
:data:`RECHECK_SECONDS`. :func:`invalidate` forgets this process's cache.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.db import session, utcnow
from portal.search.analysis import all_languages
from portal.search.models import SearchSettingVersion, SynonymGroup

log = logging.getLogger(__name__)

VERSION_NAME = "synonyms"
#: How often a process compares its cache with the database and the files.
RECHECK_SECONDS = 1.0
MAX_WORDS_PER_GROUP = 20
MAX_WORD_CHARS = 64
MAX_FILE_BYTES = 1_000_000

#: ``provider(locale) -> {word: [equivalents]}``: another source of entries.
Provider = Callable[[str], dict[str, list[str]]]


class SynonymError(ValueError):
    """A group a writer typed that cannot be saved; the message says why."""


@dataclass
class FileSynonyms:
    """What one language's file holds, and what was wrong with it."""

    path: Path
    groups: list[list[str]] = field(default_factory=list)
    #: One-way entries of a mapping file: word -> its equivalents.
    one_way: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


_lock = threading.Lock()
#: (database, folder, locale) -> (checked_at, (db_version, file_mtime), mapping)
_cache: dict[tuple, tuple[float, tuple, dict[str, list[str]]]] = {}
_providers: list[Provider] = []
#: Bumped whenever this process's entries may have changed (see :func:`version`).
_version = 0


def invalidate() -> None:
    """Forget this process's synonyms (the others see the version change)."""
    global _version
    with _lock:
        _cache.clear()
        _version += 1


def version() -> int:
    """Changes whenever :func:`synonyms_for` may answer differently in this process."""
    return _version


def register_provider(provider: Provider) -> None:
    """Add a source of entries (``provider(locale) -> {word: [equivalents]}``)."""
    with _lock:
        if provider not in _providers:
            _providers.append(provider)
    invalidate()


# -- reading -----------------------------------------------------------------

def synonyms_dir() -> Path:
    return Path(current_app.config["SEARCH_SYNONYMS_DIR"])


def parse_words(text: str) -> list[str]:
    """``"Invoice, bill ,receipt"`` -> ``["invoice", "bill", "receipt"]`` (distinct, in order)."""
    found = []
    for raw in str(text).replace("\n", ",").split(","):
        word = " ".join(raw.lower().split())
        if word and word not in found:
            found.append(word)
    return found


def read_file(locale: str) -> FileSynonyms:
    """The groups of ``<locale>.yaml``; problems are reported, never raised."""
    path = synonyms_dir() / f"{locale}.yaml"
    result = FileSynonyms(path=path)
    if not path.is_file():
        return result
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            result.errors.append(f"{path.name}: larger than {MAX_FILE_BYTES} bytes; ignored")
            return result
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        result.errors.append(f"{path.name}: {error}")
        return result
    if data is None:
        return result
    if isinstance(data, dict):
        for word, equivalents in data.items():
            key = " ".join(str(word).lower().split()) if isinstance(word, (str, int, float)) else ""
            if isinstance(equivalents, (str, int, float)):
                equivalents = [equivalents]
            if not key or not isinstance(equivalents, list) \
                    or not all(isinstance(other, (str, int, float)) for other in equivalents):
                result.errors.append(f"{path.name}, {word!r}: expected a list of words")
                continue
            try:
                words = check_words(parse_words(",".join([key, *map(str, equivalents)])))
            except SynonymError as error:
                result.errors.append(f"{path.name}, {word!r}: {error}")
                continue
            result.one_way[key] = words[1:]
        return result
    if not isinstance(data, list):
        result.errors.append(f"{path.name}: expected a list of groups or a mapping of words to lists")
        return result
    for number, entry in enumerate(data, start=1):
        if isinstance(entry, list) and all(isinstance(word, (str, int, float)) for word in entry):
            words = parse_words(",".join(str(word) for word in entry))
        elif isinstance(entry, str):
            words = parse_words(entry)
        else:
            result.errors.append(f"{path.name}, group {number}: expected a list of words or \"a, b, c\"")
            continue
        try:
            result.groups.append(check_words(words))
        except SynonymError as error:
            result.errors.append(f"{path.name}, group {number}: {error}")
    return result


def _db_version() -> int:
    return session.scalar(select(SearchSettingVersion.version).where(SearchSettingVersion.name == VERSION_NAME)) or 0


def _file_stamp(locale: str) -> float | None:
    try:
        return (synonyms_dir() / f"{locale}.yaml").stat().st_mtime
    except OSError:
        return None


def _mapping(groups, one_way: dict[str, list[str]]) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}

    def add(word: str, equivalents) -> None:
        others = mapping.setdefault(word, [])
        others.extend(other for other in equivalents if other != word and other not in others)

    for group in groups:
        for word in group:
            add(word, group)
    for word, equivalents in one_way.items():
        add(word, equivalents)
    return {word: others for word, others in mapping.items() if others}


def synonyms_for(locale: str) -> dict[str, list[str]]:
    """Each word of ``locale``'s groups -> the other words of its groups."""
    now = time.monotonic()
    key = (current_app.config.get("SQLALCHEMY_DATABASE_URI"), str(synonyms_dir()), locale)
    with _lock:
        cached = _cache.get(key)
    if cached and now - cached[0] < RECHECK_SECONDS:
        return cached[2]
    stamp = (_db_version(), _file_stamp(locale))
    if cached and cached[1] == stamp:
        with _lock:
            _cache[key] = (now, stamp, cached[2])
        return cached[2]
    global _version
    from_file = read_file(locale)
    one_way = dict(from_file.one_way)
    for provider in list(_providers):
        for word, equivalents in (provider(locale) or {}).items():
            one_way[word] = [*one_way.get(word, []), *equivalents]
    mapping = _mapping(from_file.groups + [group.words for group in database_groups(locale)], one_way)
    with _lock:
        _cache[key] = (now, stamp, mapping)
        if cached is None or cached[2] != mapping:
            _version += 1
    return mapping


# -- the staff page's write path ------------------------------------------------

def database_groups(locale: str | None = None) -> list[SynonymGroup]:
    stmt = select(SynonymGroup).order_by(SynonymGroup.locale, SynonymGroup.terms)
    if locale:
        stmt = stmt.where(SynonymGroup.locale == locale)
    return list(session.scalars(stmt))


def check_words(words: list[str]) -> list[str]:
    if len(words) < 2:
        raise SynonymError(_("A group needs at least two different words or phrases, separated by commas."))
    if len(words) > MAX_WORDS_PER_GROUP:
        raise SynonymError(_("A group may hold at most %(max)d words.", max=MAX_WORDS_PER_GROUP))
    too_long = [word for word in words if len(word) > MAX_WORD_CHARS]
    if too_long:
        raise SynonymError(_("“%(word)s” is longer than %(max)d characters.", word=too_long[0][:20] + "…",
                             max=MAX_WORD_CHARS))
    return words


def _bump_version() -> None:
    def bump() -> int:
        return session.execute(update(SearchSettingVersion).where(SearchSettingVersion.name == VERSION_NAME)
                               .values(version=SearchSettingVersion.version + 1)).rowcount

    if not bump():
        try:
            with session.begin_nested():
                session.add(SearchSettingVersion(name=VERSION_NAME, version=1))
        except IntegrityError:  # another process made the row first
            bump()


def _validated(locale: str, text: str, *, except_id: int | None = None) -> list[str]:
    if locale not in all_languages():
        raise SynonymError(_("Choose one of the languages."))
    words = check_words(parse_words(text))
    for group in database_groups(locale):
        if group.id != except_id and set(group.words) == set(words):
            raise SynonymError(_("This group already exists."))
    return words


def add_group(locale: str, text: str) -> SynonymGroup:
    """Save a new group (``text``: words separated by commas); commits."""
    words = _validated(locale, text)
    group = SynonymGroup(locale=locale, terms=", ".join(words), created_at=utcnow(), updated_at=utcnow())
    session.add(group)
    _bump_version()
    session.commit()
    invalidate()
    return group


def edit_group(group_id: int, text: str) -> SynonymGroup | None:
    """Replace a group's words; None if it does not exist; commits."""
    group = session.get(SynonymGroup, group_id)
    if group is None:
        return None
    group.terms = ", ".join(_validated(group.locale, text, except_id=group.id))
    group.updated_at = utcnow()
    _bump_version()
    session.commit()
    invalidate()
    return group


def delete_group(group_id: int) -> bool:
    group = session.get(SynonymGroup, group_id)
    if group is None:
        return False
    session.delete(group)
    _bump_version()
    session.commit()
    invalidate()
    return True

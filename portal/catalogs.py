"""Compiled message catalogs (``.mo``) made from the ``.po`` files, never committed.

The ``.po`` files in ``portal/translations`` are the source. ``.mo`` files are
build output: their bytes depend on the Babel version that wrote them, so they
are not in git. They are made

* when a wheel is built (``setup.py``'s ``build_py`` step calls
  :func:`compile_all` on the build tree), so an installed package ships them;
* when the app starts (:func:`ensure_compiled`), for every catalog whose
  ``.mo`` is missing or older than its ``.po``: a fresh clone, an editable
  install, or a ``.po`` edited since. They are written beside the ``.po`` when
  that folder is writable, else into a folder in the data directory.

Writes are atomic (a temporary file renamed into place), so server processes
starting together never read a half-written catalog.

This module imports only Babel, so the build step can load it without Flask.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

CATALOG = Path("LC_MESSAGES") / "messages"


def catalog_sources(source_dir: Path) -> list[Path]:
    """The ``.po`` files under ``source_dir`` (``<locale>/LC_MESSAGES/messages.po``)."""
    return sorted(Path(source_dir).glob(f"*/{CATALOG}.po"))


def _compiled_path(po: Path, source_dir: Path, target_dir: Path) -> Path:
    return Path(target_dir) / po.relative_to(source_dir).with_suffix(".mo")


def stale_catalogs(source_dir: Path, target_dir: Path) -> list[Path]:
    """The ``.po`` files whose ``.mo`` in ``target_dir`` is missing or older."""
    stale = []
    for po in catalog_sources(source_dir):
        mo = _compiled_path(po, source_dir, target_dir)
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def compile_catalog(po: Path, mo: Path) -> None:
    """Compile one ``.po`` into ``mo`` (fuzzy entries left out, as ``pybabel compile``)."""
    locale = po.parent.parent.name
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a catalog is not a secret
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_all(source_dir: Path, target_dir: Path | None = None, *, only_stale: bool = True) -> list[Path]:
    """Compile the catalogs of ``source_dir`` into ``target_dir`` (default: beside them)."""
    source_dir = Path(source_dir)
    target_dir = Path(target_dir or source_dir)
    todo = stale_catalogs(source_dir, target_dir) if only_stale else catalog_sources(source_dir)
    for po in todo:
        compile_catalog(po, _compiled_path(po, source_dir, target_dir))
    return todo


def ensure_compiled(source_dir: Path, fallback_dir: Path) -> Path:
    """The folder to load translations from, with every ``.mo`` up to date.

    ``source_dir`` itself when its catalogs are current or can be compiled in
    place; otherwise ``fallback_dir`` (writable, e.g. in the data directory).
    """
    source_dir = Path(source_dir)
    if not stale_catalogs(source_dir, source_dir):
        return source_dir
    if os.access(source_dir, os.W_OK):
        try:
            compile_all(source_dir)
        except PermissionError as exc:  # e.g. files owned by another user
            logger.info("cannot compile catalogs in %s (%s); using %s", source_dir, exc, fallback_dir)
        else:
            return source_dir
    compile_all(source_dir, fallback_dir)
    return Path(fallback_dir)

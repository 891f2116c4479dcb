"""``portal import``: markdown files with YAML front matter into the database.

One command reads articles and status content alike. Each file's front matter
says what it is through ``kind`` (default ``article``); the domain that owns a
kind registers an importer with :func:`register_importer` in its ``init_app``.
An importer returns ``"created"``, ``"updated"`` or ``"unchanged"`` and raises
:class:`ImportProblem` (or any ``ValueError``) for a bad file; one bad file
never stops the others.
"""
from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click
import frontmatter
import yaml
from flask import current_app
from flask.cli import with_appcontext
from frontmatter.default_handlers import YAMLHandler

from portal import safe_yaml

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = {".md", ".markdown"}
#: Files in content folders that document the folder rather than being content.
IGNORED_NAMES = {"readme.md", "readme.markdown", "license.md", "contributing.md"}


#: Longest front matter read (characters); real ones are well under 2 KB.
MAX_FRONT_MATTER_CHARS = 64 * 1024


class ImportProblem(ValueError):
    """A file that cannot be imported, with a reason a writer understands."""


class _UntrustedYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler with :mod:`portal.safe_yaml` loading."""

    def load(self, fm: str, **kwargs):
        return safe_yaml.load(fm, max_chars=MAX_FRONT_MATTER_CHARS, what="front matter")


class ImportConflict(ImportProblem):
    """The file changed, and so did its content in the browser since the last
    import: not overwritten (``--force`` replaces it). The text says which revision."""


@dataclass
class SourceFile:
    """One parsed file handed to an importer."""

    path: Path
    meta: dict
    body: str
    raw: str  # the whole file text, for change detection (hash)
    default_locale: str | None = None
    force: bool = False  # replace content edited in the browser since the last import


Importer = Callable[[SourceFile], str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        text = (f"{self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.failed)} failed")
        return text + (f", {len(self.conflicts)} conflict(s) not overwritten" if self.conflicts else "")


def register_importer(app, kind: str, importer: Importer) -> None:
    app.extensions.setdefault("portal.importers", {})[kind] = importer


def register_import_finisher(app, finish: Callable[[], None]) -> None:
    """``finish()`` runs once after every import run (e.g. to commit a last batch)."""
    finishers = app.extensions.setdefault("portal.import_finishers", [])
    if finish not in finishers:
        finishers.append(finish)


def register_import_context(app, factory: Callable[[], "contextlib.AbstractContextManager"]) -> None:
    """``factory()`` is entered around every import run (e.g. search defers
    indexing to one pass at the end instead of one per batch)."""
    contexts = app.extensions.setdefault("portal.import_contexts", [])
    if factory not in contexts:
        contexts.append(factory)


def collect_files(paths) -> tuple[list[Path], list[tuple[str, str]]]:
    """The content files under ``paths`` and the ones skipped, with why.

    In a folder, symbolic links are followed only while they stay inside it:
    a link to ``/etc/passwd`` or to a folder elsewhere is skipped and
    reported, never read. A file named on the command line is read as named.
    """
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            found.append(path)
            continue
        root = path.resolve()
        for folder, dirnames, filenames in os.walk(path, followlinks=False):
            here = Path(folder)
            for name in sorted(dirnames):
                if (here / name).is_symlink():
                    if not _inside(here / name, root):
                        skipped.append((str(here / name), f"skipped: a symbolic link that points outside {path}"))
                    # links to folders are never walked: inside ones are walked where they really are
            dirnames.sort()
            for name in sorted(filenames):
                candidate = here / name
                if candidate.suffix.lower() not in MARKDOWN_SUFFIXES or name.lower() in IGNORED_NAMES:
                    continue
                if candidate.is_symlink() and not _inside(candidate, root):
                    skipped.append((str(candidate), f"skipped: a symbolic link that points outside {path}"))
                elif candidate.is_file():
                    found.append(candidate)
    return found, skipped


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links or an unreadable target
        return False


def iter_files(paths) -> list[Path]:
    return collect_files(paths)[0]


def parse_file(path: Path, default_locale: str | None = None) -> SourceFile:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ImportProblem(f"cannot read file: {exc.strerror}") from exc
    try:
        post = frontmatter.loads(raw, handler=_UntrustedYAMLHandler())
    except safe_yaml.UnsafeYAML as exc:
        where = f" (line {exc.line} of the front matter)" if exc.line else ""
        raise ImportProblem(f"{exc.problem}{where}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ImportProblem(f"front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(post.metadata, dict):
        raise ImportProblem("front matter must be a mapping of keys to values")
    return SourceFile(path=path, meta=dict(post.metadata), body=post.content, raw=raw,
                      default_locale=default_locale)


def import_paths(paths, default_locale: str | None = None, progress: Callable[[int], None] | None = None,
                 force: bool = False) -> ImportReport:
    """Import files and folders; the one entry point for CLI, tests and sync."""
    with contextlib.ExitStack() as stack:
        for factory in current_app.extensions.get("portal.import_contexts", ()):
            stack.enter_context(factory())
        files, skipped = collect_files(paths)
        return _import_files(files, default_locale, progress, skipped, force)


def _import_files(files: list[Path], default_locale: str | None, progress,
                  skipped: list[tuple[str, str]] = (), force: bool = False) -> ImportReport:
    importers: dict[str, Importer] = current_app.extensions.get("portal.importers", {})
    report = ImportReport(failed=list(skipped))
    for number, path in enumerate(files, 1):
        try:
            source = parse_file(path, default_locale)
            source.force = force
            kind = str(source.meta.get("kind") or "article").lower()
            importer = importers.get(kind)
            if importer is None:
                raise ImportProblem(f"unknown kind {kind!r} (known: {', '.join(sorted(importers)) or 'none'})")
            report.count(importer(source))
        except ImportConflict as exc:
            report.conflicts.append((str(path), str(exc)))
        except ValueError as exc:  # ImportProblem and validation errors
            report.failed.append((str(path), str(exc)))
        except Exception as exc:  # one broken file must not stop an import of thousands
            log.exception("importing %s failed", path)
            report.failed.append((str(path), f"unexpected error: {exc.__class__.__name__}: {exc}"))
        if progress:
            progress(number)
    # Importers that commit in batches (kb) commit their last batch here.
    for finish in current_app.extensions.get("portal.import_finishers", ()):
        finish()
    return report


@click.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--locale", "locale", default=None,
              help="Language of files whose front matter names none (e.g. nl).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file failed or conflicted.")
@click.option("--force", is_flag=True,
              help="Replace articles edited in the browser since their last import (they stay in the history).")
@with_appcontext
def import_command(paths: tuple[Path, ...], locale: str | None, strict: bool, force: bool) -> None:
    """Import markdown articles and status files (folders are read recursively).

    Without PATHS, imports the configured articles/ and incidents/ folders.
    """
    from portal.config import SUPPORTED_LOCALES

    if locale and locale not in SUPPORTED_LOCALES:
        raise click.BadParameter(f"must be one of {', '.join(SUPPORTED_LOCALES)}", param_hint="--locale")
    if not paths:
        cfg = current_app.config
        paths = tuple(Path(p) for p in (cfg["ARTICLES_DIR"], cfg["INCIDENTS_DIR"]) if Path(p).exists())
    report = import_paths(paths, default_locale=locale, force=force)
    for path, reason in report.failed:
        click.echo(f"FAILED {path}: {reason}", err=True)
    for path, reason in report.conflicts:
        click.echo(f"CONFLICT {path}: {reason}", err=True)
    click.echo(report.summary())
    if (report.failed or report.conflicts) and strict:
        raise SystemExit(1)

"""The user interface is complete in every supported language.

Extracts the UI strings from the source the way ``make translations`` does and
checks each catalog translates all of them and keeps their placeholders; the
``.mo`` files are build output (portal/catalogs.py), so their test compares
what they translate to, never their bytes.
"""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal import catalogs
from portal.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
METHOD_MAP = [("portal/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != "en"]


def _source_messages() -> set[str]:
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            message = message[0]
        if message:
            found.add(message)
    return found


@pytest.fixture(scope="module")
def source_messages():
    messages = _source_messages()
    assert len(messages) > 20
    return messages


def _catalog(locale: str):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"missing catalog {path}; run `make translations`"
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_translates_every_ui_string(locale, source_messages):
    catalog = _catalog(locale)
    missing = []
    for msgid in sorted(source_messages):
        message = catalog.get(msgid)
        text = message.string if message is not None else None
        if isinstance(text, (tuple, list)):
            text = text[0] if all(text) else ""
        if not text or (message is not None and message.fuzzy):
            missing.append(msgid)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:10]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_placeholders(locale):
    wrong = []
    for message in _catalog(locale):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((ids[0], text))
    assert not wrong, f"{locale}: placeholders differ in {wrong[:5]}"


def _copy_sources(target: Path) -> Path:
    for po in catalogs.catalog_sources(TRANSLATIONS):
        copy = target / po.relative_to(TRANSLATIONS)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(po, copy)
    return target


@pytest.fixture(scope="module")
def compiled_dir(tmp_path_factory):
    """The catalogs compiled the way the app does it on start, from a copy of the sources."""
    source = _copy_sources(tmp_path_factory.mktemp("translations"))
    assert catalogs.ensure_compiled(source, source / "unused") == source
    return source


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalog_says_what_the_po_file_says(locale, compiled_dir):
    # Compares decoded messages, not bytes: any Babel version must pass.
    with (compiled_dir / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    checked = 0
    for message in _catalog(locale):
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, (tuple, list)):
            forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            assert compiled.ngettext(message.id[0], message.id[1], 1) == forms[0]
        else:
            assert compiled.gettext(message.id) == message.string, message.id
        checked += 1
    assert checked > 20


def test_missing_and_stale_catalogs_are_compiled_beside_the_sources(tmp_path):
    source = _copy_sources(tmp_path / "translations")
    assert len(catalogs.stale_catalogs(source, source)) == len(TRANSLATED)
    assert catalogs.ensure_compiled(source, tmp_path / "data") == source
    assert catalogs.stale_catalogs(source, source) == []
    dutch = source / "nl" / "LC_MESSAGES"
    edited = (dutch / "messages.po").stat().st_mtime
    os.utime(dutch / "messages.mo", (edited - 10, edited - 10))  # the .po edited after compiling
    assert catalogs.stale_catalogs(source, source) == [dutch / "messages.po"]
    catalogs.ensure_compiled(source, tmp_path / "data")
    assert catalogs.stale_catalogs(source, source) == []
    assert not (tmp_path / "data").exists()


def test_a_read_only_package_gets_its_catalogs_compiled_into_the_data_dir(tmp_path, monkeypatch):
    source = _copy_sources(tmp_path / "site-packages" / "translations")
    monkeypatch.setattr(catalogs.os, "access", lambda path, mode: False)
    used = catalogs.ensure_compiled(source, tmp_path / "data" / "translations")
    assert used == tmp_path / "data" / "translations"
    assert sorted(p.parent.parent.name for p in used.glob("*/LC_MESSAGES/messages.mo")) == sorted(TRANSLATED)
    assert not list(source.glob("*/LC_MESSAGES/messages.mo"))


def test_compiled_catalogs_are_not_committed():
    assert "*.mo" in (ROOT / ".gitignore").read_text().splitlines()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert tracked.stdout.strip() == "", "compiled catalogs are build output: git rm --cached them"


@pytest.mark.parametrize("locale, expected", [("nl", "Naar de inhoud"), ("de", "Zum Inhalt"),
                                              ("sv", "innehåll"), ("pl", "treści")])
def test_pages_render_in_the_url_language(client, locale, expected):
    response = client.get(f"/{locale}/no-such-page")
    assert f'lang="{locale}"' in response.get_data(as_text=True)
    assert expected in response.get_data(as_text=True)

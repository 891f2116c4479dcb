"""The user interface is complete in every supported language.

Extracts the UI strings from the source the way ``make translations`` does and
checks each catalog translates all of them, keeps their placeholders, and that
the compiled ``.mo`` files are up to date with the ``.po`` files.
"""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

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


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalog_is_up_to_date(locale):
    catalog = _catalog(locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    mo = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo.exists(), "run `make translations`"
    # compare digests: a failing bytes comparison would print the whole catalog
    on_disk, expected = hashlib.sha256(mo.read_bytes()).hexdigest(), hashlib.sha256(compiled.getvalue()).hexdigest()
    assert on_disk == expected, "messages.mo is older than messages.po: run `make translations`"


@pytest.mark.parametrize("locale, expected", [("nl", "Naar de inhoud"), ("de", "Zum Inhalt"),
                                              ("sv", "innehåll"), ("pl", "treści")])
def test_pages_render_in_the_url_language(client, locale, expected):
    response = client.get(f"/{locale}/no-such-page")
    assert f'lang="{locale}"' in response.get_data(as_text=True)
    assert expected in response.get_data(as_text=True)

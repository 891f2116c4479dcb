"""The fast index writer (``fastindex.FastWriter``, ``codec.write_postings``) builds
the same index as Whoosh's own writer: the same bytes with the same codec, the
same postings, weights and lengths as the stock writer, the same search results."""
from __future__ import annotations

import os
import random
import re
import types
from datetime import datetime, timezone

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from portal.search.codec import PortalCodec
from portal.search.documents import document_for
from portal.search.fastindex import FastWriter
from portal.search.schema import SCHEMA
from tests.search_helpers import add_article, slugs

WORDS = {
    "en": "delete account password reset the how do I printer invoice outlook.com set_up don't "
          "synchronisation notifications verylongwordwithmorethansixteencharacters".split(),
    "nl": "verwijderen account wachtwoord het de een hoe kan ik factuur printer instellingen "
          "verzendlabel meldingen".split(),
    "de": "löschen Konto Passwort der die das wie kann ich Rechnung Drucker Einstellungen "
          "Benachrichtigungen Größe".split(),
    "pl": "usunąć konto hasło jak mogę faktura drukarka ustawienia powiadomienia zażółć".split(),
    "sv": "ta bort konto lösenord hur kan jag faktura skrivare inställningar aviseringar".split(),
}


def _articles(count: int, seed: int = 7):
    rnd = random.Random(seed)
    langs = sorted(WORDS)
    for number in range(1, count + 1):
        lang = langs[number % len(langs)]
        words = WORDS[lang]

        def text(n):
            return " ".join(rnd.choice(words).upper() if rnd.random() < 0.1 else rnd.choice(words)
                            for _ in range(n))

        yield types.SimpleNamespace(
            id=number, slug=f"a-{number}", locale=lang, title=text(5), summary=text(8) if number % 2 else None,
            category_slug="general", tags=[text(1), text(1)] if number % 3 else [],
            questions=[text(6), text(4)] if number % 4 == 0 else None, status="published",
            visibility="public", body_text="\n".join(text(rnd.randint(0, 60)) for _ in range(4)),
            headings=[{"text": text(3)}] if number % 2 == 0 else [],
            updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


def _build(path, documents, writer_class, **kwargs):
    os.makedirs(path, exist_ok=True)
    ix = whoosh_index.create_in(str(path), SCHEMA)
    writer = writer_class(ix, compound=False, **kwargs)
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return ix


def _segment_files(path) -> dict[str, bytes]:
    """File contents by name without the random segment id (the TOC differs by that id only)."""
    found = {}
    for name in os.listdir(path):
        if name.endswith(".toc") or "WRITELOCK" in name:
            continue
        found[re.sub(r"^MAIN_[a-z0-9]{16}", "", name)] = (path / name).read_bytes()
    return found


def _postings(ix) -> dict:
    """Every term's postings (docnum, weight) and every document's field lengths."""
    with ix.reader() as reader:
        terms = {}
        for fieldname, text in reader.all_terms():
            terms[(fieldname, text)] = (reader.doc_frequency(fieldname, text), reader.frequency(fieldname, text),
                                        _items(reader, fieldname, text))
        lengths = {(docnum, name): reader.doc_field_length(docnum, name)
                   for docnum in reader.all_doc_ids() for name in reader.indexed_field_names()}
        totals = {name: reader.field_length(name) for name in reader.indexed_field_names()}
        return {"terms": terms, "lengths": lengths, "totals": totals, "stored": list(reader.iter_docs())}


def _items(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_fast_writer_writes_the_same_bytes_as_whoosh_with_the_same_codec(tmp_path):
    documents = [document_for(article) for article in _articles(120)]
    _build(tmp_path / "whoosh", documents, SegmentWriter, codec=PortalCodec())
    _build(tmp_path / "fast", documents, FastWriter)
    expected, got = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "fast")
    assert set(got) == set(expected)
    assert {name for name in got if got[name] != expected[name]} == set()


def test_fast_writer_indexes_what_the_stock_writer_indexes(tmp_path):
    """Against Whoosh's default writer and codec (every block compressed):
    the same terms, postings, weights, field lengths and stored fields."""
    documents = [document_for(article) for article in _articles(80, seed=3)]
    stock = _build(tmp_path / "stock", documents, SegmentWriter)
    fast = _build(tmp_path / "fast", documents, FastWriter)
    assert _postings(fast) == _postings(stock)


def test_fast_writer_on_real_articles(tmp_path, shared_data):
    """The alchemy articles (diacritics, long words, markdown leftovers) index
    to the same bytes (skipped without ../shared/data)."""
    import frontmatter

    files = sorted((shared_data / "alchemy").glob("*/**/*.md"))
    rnd = random.Random(5)
    documents = []
    for number, path in enumerate(rnd.sample(files, min(60, len(files))), 1):
        post = frontmatter.load(path)
        lang = str(post.get("ms.contentlocale") or post.get("locale") or path.parts[-2])[:2].lower()
        if lang not in WORDS:
            continue
        documents.append(document_for(types.SimpleNamespace(
            id=number, slug=f"r-{number}", locale=lang, title=str(post.get("title") or path.stem),
            summary=None, category_slug="general", tags=[], questions=None, status="published",
            visibility="public", body_text=post.content, headings=[],
            updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc))))
    _build(tmp_path / "whoosh", documents, SegmentWriter, codec=PortalCodec())
    _build(tmp_path / "fast", documents, FastWriter)
    expected, got = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "fast")
    assert {name for name in got if got.get(name) != expected.get(name)} == set()


def test_a_document_that_fails_leaves_nothing_behind(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = FastWriter(ix, compound=False)
    good = [document_for(article) for article in _articles(3)]
    writer.add_document(**good[0])
    with pytest.raises(Exception):
        writer.add_document(**{**good[1], "text_de": 12345})  # not text: the field refuses it
    writer.add_document(**good[2])
    writer.commit()
    reference = _build(tmp_path / "ref", [good[0], good[2]], SegmentWriter)
    assert _postings(ix) == _postings(reference)


QUERIES = [("delete account", "en"), ("passw", "en"), ("wachtwoord verw", "nl"), ("Konto lösch", "de"),
           ("loschen konto", "de"), ("usunac haslo", "pl"), ("lösenord", "sv"), ("printer invoice", None),
           ("verylongwordwithmore", "en"), ("fak", None)]


def test_search_results_are_the_same_as_with_the_stock_writer(app, monkeypatch):
    """suggest() and the search page answer the same on a rebuild by the fast
    writer and on one by Whoosh's own writer and codec."""
    from portal.search import index as index_module
    from portal.search import services

    for article in _articles(60, seed=11):
        add_article(app, title=article.title, body=article.body_text, locale=article.locale,
                    summary=article.summary, tags=article.tags, questions=article.questions or (),
                    headings=[h["text"] for h in article.headings])

    def answers():
        with app.test_request_context("/"):
            return [(slugs(services.suggest(q, locale=lang, limit=10)),
                     [hit["slug"] for hit in services.search(q, locale=lang or "en").hits])
                    for q, lang in QUERIES]

    with app.app_context():
        services.rebuild_index()
    fast = answers()
    monkeypatch.setattr(index_module, "FastWriter", lambda ix, **kw: SegmentWriter(ix, **kw))
    with app.app_context():
        services.rebuild_index()
    assert answers() == fast
    assert any(found for found, _page in fast)

"""The search index: kept in step with commits, rebuilt aside, checked, locked."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, update
from whoosh.query import Every, Term

from portal.db import session, utcnow
from portal.kb.models import Article
from portal.search import services
from portal.search.index import IndexBusy, SearchIndex
from portal.search.schema import ID_FIELD, lang_field, ARTICLE_TEXT
from tests.search_helpers import add_article, slugs


def indexed_ids(app) -> set[int]:
    with app.app_context():
        return set(services.get_index().indexed_versions())


def test_drafts_are_never_indexed_and_publishing_indexes(app):
    article_id = add_article(app, title="Secret roadmap", status="draft")
    assert indexed_ids(app) == set()
    with app.app_context():
        assert services.suggest("roadmap", "en") == []
        article = session.get(Article, article_id)
        article.status = "published"
        session.commit()
        assert slugs(services.suggest("roadmap", "en")) == [article.slug]
        article.status = "draft"
        session.commit()
        assert services.suggest("roadmap", "en") == []


def test_an_edit_is_searchable_after_commit(app):
    article_id = add_article(app, title="Old title")
    with app.app_context():
        article = session.get(Article, article_id)
        article.title = "Carrier contracts"
        article.updated_at = utcnow()
        session.commit()
        assert slugs(services.search("carrier", "en")) == [article.slug]
        assert services.search("old", "en").total == 0


def test_delete_removes_from_the_index(app):
    article_id = add_article(app, title="Gift cards")
    with app.app_context():
        session.delete(session.get(Article, article_id))
        session.commit()
        assert services.search("gift cards", "en").total == 0
    assert indexed_ids(app) == set()


def test_a_rolled_back_transaction_never_reaches_the_index(app):
    with app.app_context():
        session.add(Article(slug="ghost", locale="en", title="Ghost article", body_text="boo"))
        session.flush()  # flushed (and collected) but then rolled back
        session.rollback()
        existing = session.get(Article, add_article(app, title="Real article"))
        existing.title = "Renamed then rolled back"
        session.flush()
        session.rollback()
        assert services.suggest("ghost", "en") == []
        assert services.suggest("renamed", "en") == []
        assert slugs(services.suggest("real", "en")) == [existing.slug]


def test_savepoints_wait_for_the_outer_commit(app):
    with app.app_context():
        with session.begin_nested():
            session.add(Article(slug="kept", locale="en", title="Savepoint kept", body_text=""))
        # Released savepoint: not committed yet, so not searchable yet either.
        assert services.suggest("savepoint", "en") == []
        try:
            with session.begin_nested():
                session.add(Article(slug="undone", locale="en", title="Savepoint undone", body_text=""))
                raise RuntimeError("roll this savepoint back")
        except RuntimeError:
            pass
        session.commit()
        assert slugs(services.suggest("savepoint", "en")) == ["kept"]


def test_deferred_indexing_indexes_all_commits_once_at_the_end(app, monkeypatch):
    with app.app_context():
        index = services.get_index()
        calls = []
        real_sync = index.sync_ids
        monkeypatch.setattr(index, "sync_ids", lambda ids, **kw: (calls.append(sorted(ids)), real_sync(ids, **kw)))
        with services.deferred_indexing():
            first = add_article(app, title="Bulk one")
            second = add_article(app, title="Bulk two")
            assert services.search("bulk", "en").total == 0  # not yet
        assert calls == [[first, second]]
        assert services.search("bulk", "en").total == 2


def test_bulk_indexing_leaves_one_segment(app, monkeypatch):
    """Queries pay per segment: after bulk work the index is merged into one."""
    from portal.search import sync

    monkeypatch.setattr(sync, "DEFERRED_BATCH", 2)
    with app.app_context():
        with services.deferred_indexing():
            for number in range(7):
                add_article(app, title=f"Bulk {number}")
        with services.get_index().open().reader() as reader:
            assert reader.doc_count() == 7
            assert reader.is_atomic()  # a single segment, not a MultiReader


def test_changes_flushed_before_commit_are_indexed(app):
    """kb's save_article flushes (for the revision) before it commits."""
    with app.app_context():
        article = Article(slug="flushed", locale="en", title="Flushed early", body_text="")
        session.add(article)
        session.flush()
        session.commit()
        assert slugs(services.suggest("flushed", "en")) == ["flushed"]


def _index_snapshot(app) -> tuple[dict, dict]:
    """Stored fields per id, and for every term of every field the ids that match it."""
    with app.app_context():
        index = services.get_index()
        with index.open().searcher() as searcher:
            stored = {fields[ID_FIELD]: fields for fields in searcher.all_stored_fields()}
            postings = {}
            for field, term in searcher.reader().all_terms():
                if field == ID_FIELD:
                    continue
                text = searcher.schema[field].from_bytes(term)
                ids = {searcher.stored_fields(d)[ID_FIELD] for d in searcher.docs_for_query(Term(field, text))}
                if ids:
                    postings[(field, text)] = ids
    return stored, postings


def test_incrementally_updated_index_equals_a_rebuilt_one(app):
    first = add_article(app, title="Connect your webshop", body="API key", tags=["setup"])
    second = add_article(app, title="Verzendlabels printen", locale="nl", headings=["Printer kiezen"])
    add_article(app, title="Draft", status="draft")
    third = add_article(app, title="Doomed", body="to be deleted")
    with app.app_context():
        session.get(Article, first).body_text = "Enter the API key and the shop URL."
        session.get(Article, second).status = "draft"
        session.delete(session.get(Article, third))
        session.commit()
    incremental = _index_snapshot(app)
    with app.app_context():
        report = services.rebuild_index()
    assert report.indexed == 1 and not report.failed
    assert _index_snapshot(app) == incremental
    assert set(incremental[0]) == {str(first)}


def test_rebuild_swaps_while_searching_and_keeps_old_searchers_working(app):
    for number in range(5):
        add_article(app, title=f"Printer guide {number}")
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_continuously():
        with app.app_context():
            try:
                while not stop.is_set():
                    assert services.search("printer", "en").total == 5
            except BaseException as exc:  # reported to the test below
                errors.append(exc)

    with app.app_context():
        index = services.get_index()
        old_searcher = index.searcher()
        old_name = index.current_name()
        worker = threading.Thread(target=search_continuously)
        worker.start()
        try:
            index.rebuild()
            index.rebuild()
        finally:
            stop.set()
            worker.join()
        assert not errors, errors
        assert index.current_name() != old_name
        # A searcher opened before the swap still answers...
        assert len(old_searcher.search(Every(), limit=None)) == 5
        # ...and a fresh one is opened on the new index.
        assert index.searcher() is not old_searcher
        assert services.search("printer", "en").total == 5


def test_rebuild_catches_up_with_saves_made_meanwhile(app, monkeypatch):
    add_article(app, title="Before the rebuild")
    with app.app_context():
        index = services.get_index()
        original = index.move_index

        def save_during_rebuild(name):
            add_article(app, title="Saved meanwhile")  # goes to the old index
            original(name)

        monkeypatch.setattr(index, "move_index", save_during_rebuild)
        report = index.rebuild()
        assert len(report.caught_up.missing) == 1
        assert services.search("meanwhile", "en").total == 1
        assert index.check().ok


def test_one_bad_document_never_aborts_a_rebuild(app, monkeypatch):
    good = add_article(app, title="Good article")
    bad = add_article(app, title="Bad article")
    from portal.search import index as index_module

    real = index_module.document_for

    def fragile(article):
        if article.id == bad:
            raise ValueError("broken headings")
        return real(article)

    monkeypatch.setattr(index_module, "document_for", fragile)
    with app.app_context():
        report = services.rebuild_index()
    assert report.indexed == 1
    assert report.failed == [(bad, "ValueError: broken headings")]
    assert good in indexed_ids(app)


def _bypass_orm(app, statement):
    """Change rows without the ORM session events (as a bulk SQL change would)."""
    with app.app_context():
        with session.bind.begin() as connection:
            connection.execute(statement)


def test_check_reports_missing_stale_and_orphaned_and_update_fixes_them(app):
    kept = add_article(app, title="Kept")
    stale = add_article(app, title="Stale")
    orphan = add_article(app, title="Orphan")
    now = utcnow()
    _bypass_orm(app, insert(Article).values(
        slug="missing", locale="en", title="Missing article", body_text="", body_md="", body_html="",
        category_slug="general", tags=[], headings=[], extra={}, status="published", created_at=now, updated_at=now))
    _bypass_orm(app, update(Article).where(Article.id == stale).values(
        title="Stale but renamed", updated_at=now + timedelta(seconds=5)))
    _bypass_orm(app, delete(Article).where(Article.id == orphan))
    with app.app_context():
        missing = session.query(Article.id).filter_by(slug="missing").scalar()
        report = services.check_index()
        assert (report.missing, report.stale, report.orphaned) == ([missing], [stale], [orphan])
        assert services.update_index().total == 3
        assert services.check_index().ok
        assert slugs(services.search("renamed", "en")) and services.search("orphan", "en").total == 0
    assert indexed_ids(app) == {kept, stale, missing}


def test_a_writer_waits_for_a_concurrent_writer(app):
    add_article(app, title="First")
    with app.app_context():
        index = services.get_index()
        ix = index.open()
        holder = ix.writer()  # another process holding the lock
        releaser = threading.Timer(0.2, holder.cancel)
        releaser.start()
        add_article(app, title="Second waits")  # must wait, not fail
        releaser.join()
        assert services.search("second", "en").total == 1


def test_a_busy_index_never_fails_the_save_and_update_repairs_it(make_app, caplog):
    app = make_app(SEARCH_WRITER_TIMEOUT=0.05)
    with app.app_context():
        holder = services.get_index().open().writer()
    try:
        with caplog.at_level(logging.ERROR, logger="portal.search.sync"):
            article_id = add_article(app, title="Saved while busy")
        assert "search index busy" in caplog.text
    finally:
        holder.cancel()
    with app.app_context():
        assert session.get(Article, article_id) is not None  # the save stands
        assert services.check_index().missing == [article_id]
        services.update_index()
        assert services.search("busy", "en").total == 1


def test_a_second_process_sees_changes_and_rebuilds(make_app, tmp_path):
    """Two apps on the same data folder, as `portal serve` runs two processes."""
    one = make_app(SEARCH_INDEX_DIR=str(tmp_path / "shared-index"), SEARCH_REFRESH_INTERVAL=0)
    two = make_app(SEARCH_INDEX_DIR=str(tmp_path / "shared-index"), SEARCH_REFRESH_INTERVAL=0)
    add_article(one, title="Warehouse locations")
    with two.app_context():
        assert services.search("warehouse", "en").total == 1
    with one.app_context():
        services.rebuild_index()
    add_article(one, title="Warehouse scanners")
    with two.app_context():
        assert services.search("warehouse", "en").total == 2


def test_index_is_busy_while_another_rebuild_runs(app):
    with app.app_context():
        index: SearchIndex = services.get_index()
        index.root.mkdir(parents=True, exist_ok=True)
        from whoosh.filedb.filestore import FileStorage

        lock = FileStorage(str(index.root)).lock("REBUILD")
        assert lock.acquire()
        try:
            with pytest.raises(IndexBusy):
                index.rebuild()
        finally:
            lock.release()


def test_body_fields_hold_rendered_text_only(app):
    article_id = add_article(app, title="Markdown", body="Plain words only")
    with app.app_context():
        session.get(Article, article_id).body_md = "# Heading\n**secretmarkdownword**"
        session.commit()
        field = lang_field(ARTICLE_TEXT, "en")
        assert services.get_index().searcher().doc_frequency(field, "secretmarkdownword") == 0

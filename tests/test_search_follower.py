"""Several servers on one database, each with its own index, kept in step by the change log."""
from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from portal.db import session
from portal.kb import services as kb
from portal.search import changes, services
from portal.search.follower import IndexFollower, read_position
from portal.search.models import SearchChange, SearchIndexPosition
from tests.search_helpers import add_article, slugs


def _suggest(app, text):
    with app.app_context():
        return slugs(services.suggest(text, "en"))


def _follower(app) -> IndexFollower:
    return app.extensions["portal.search.follower"]


def test_a_save_is_logged_in_its_transaction_and_a_rollback_is_not(app):
    add_article(app, title="Printer labels")
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(SearchChange)) == 1
        kb.save_article(slug="rolled", locale="en", title="Rolled back", body_md="x", commit=False)
        session.rollback()
        assert [c.key for c in session.scalars(select(SearchChange))] != [] and \
            session.scalar(select(func.count()).select_from(SearchChange)) == 1


def test_a_save_on_one_server_reaches_the_other_servers_index(make_app):
    server_a, server_b = make_app(SEARCH_SERVER_ID="a"), make_app(SEARCH_SERVER_ID="b")
    with server_b.app_context():
        assert _follower(server_b).prepare() == "rebuilt"  # empty index: built from the database
    add_article(server_a, title="Carrier contracts", body="connect your DHL contract")
    assert _suggest(server_a, "carrier") and not _suggest(server_b, "carrier")
    report = _follower(server_b).step()
    assert report.applied == 1 and report.lag == 0
    assert _suggest(server_b, "carrier") == _suggest(server_a, "carrier")
    assert read_position(server_b.config["SEARCH_INDEX_DIR"]) == report.position

    with server_a.app_context():  # unpublishing and deleting travel the same way
        from portal.kb.models import Article

        session.delete(session.scalars(select(Article)).one())
        session.commit()
    _follower(server_b).step()
    assert not _suggest(server_b, "carrier")


def test_the_saving_process_skips_what_it_indexed_itself(make_app):
    server = make_app(SEARCH_SERVER_ID="solo")
    with server.app_context():
        _follower(server).prepare()
    add_article(server, title="Returns policy")
    assert _suggest(server, "returns")  # searchable at once, as with one server
    report = _follower(server).step()
    assert report.changes == 1 and report.applied == 0 and report.lag == 0


def test_a_server_behind_the_logs_retention_rebuilds(make_app):
    server_a, server_b = make_app(SEARCH_SERVER_ID="a"), make_app(SEARCH_SERVER_ID="b")
    with server_b.app_context():
        _follower(server_b).prepare()
    add_article(server_a, title="First article")
    add_article(server_a, title="Second article")
    with server_a.app_context():  # everything pruned while B was away
        from datetime import timedelta

        changes.prune(session, timedelta(seconds=-1))
        add_article(server_a, title="Third article")
    server_b2 = make_app(SEARCH_SERVER_ID="b", SEARCH_INDEX_DIR=server_b.config["SEARCH_INDEX_DIR"])
    with server_b2.app_context():
        assert _follower(server_b2).prepare() == "rebuilt"
    assert sorted(_suggest(server_b2, "article")) == sorted(_suggest(server_a, "article"))


def test_a_gap_holds_the_watermark_but_not_newer_changes(make_app):
    """Log ids are handed out at insert, not commit: id n+1 may show up after n+2."""
    server_a, server_b = make_app(SEARCH_SERVER_ID="a"), make_app(SEARCH_SERVER_ID="b")
    follower = _follower(server_b)
    with server_b.app_context():
        follower.prepare()
    first = add_article(server_a, title="Before the gap")
    late = add_article(server_a, title="Committed late gap")
    with server_a.app_context():  # move the second change up one id: the first one's successor is missing
        row = session.scalars(select(SearchChange).where(SearchChange.key == str(late))).one()
        gap, row.id = row.id, row.id + 1
        session.commit()
    follower.gap_seconds = 60
    report = follower.step()
    assert report.position == gap - 1 and _suggest(server_b, "gap")  # the newer change is applied anyway
    with server_a.app_context():  # the late transaction commits
        session.add(SearchChange(id=gap, kind="article", key=str(first), op="save"))
        session.commit()
    assert follower.step().position == gap + 1
    with server_a.app_context():  # a gap that never fills (a rolled-back transaction) expires
        session.add(SearchChange(id=gap + 3, kind="article", key=str(first), op="save"))
        session.commit()
    assert follower.step().position == gap + 1
    follower.gap_seconds = 0
    time.sleep(0.01)
    assert follower.step().lag == 0


def test_check_reports_every_servers_lag(make_app):
    server_a, server_b = make_app(SEARCH_SERVER_ID="a"), make_app(SEARCH_SERVER_ID="b")
    for server in (server_a, server_b):
        with server.app_context():
            _follower(server).prepare()
    add_article(server_a, title="Lagging")
    _follower(server_a).report_seconds = 0
    _follower(server_a).step()
    result = server_a.test_cli_runner().invoke(args=["index", "check"])
    assert re.search(r"server a \(this server\): position \d+, lag 0 ", result.output), result.output
    assert re.search(r"server b: position \d+, lag 1 ", result.output), result.output
    with server_a.app_context():
        assert session.scalar(select(func.count()).select_from(SearchIndexPosition)) == 2
    result = server_b.test_cli_runner().invoke(args=["index", "follow", "--once"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Index at change (\d+) of \1; 1 article\(s\) applied.", result.output), result.output


def test_processes_on_one_index_folder_do_not_index_each_others_saves_twice(make_app):
    """A sibling gunicorn process, or `portal import` beside the server, indexed its saves itself."""
    server = make_app()
    beside = make_app(SEARCH_INDEX_DIR=server.config["SEARCH_INDEX_DIR"])
    assert _follower(beside).server_id == _follower(server).server_id
    with server.app_context():
        _follower(server).prepare()
    add_article(beside, title="Imported beside the server")
    report = _follower(server).step()
    assert report.changes == 1 and report.applied == 0 and report.lag == 0
    assert _suggest(server, "imported")

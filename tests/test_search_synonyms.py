"""Synonyms writers manage: files under git (read-only) and groups on the staff page."""
from __future__ import annotations

import re

import pytest

from portal.db import session


@pytest.fixture
def synonym_app(make_app, tmp_path):
    folder = tmp_path / "synonyms"
    folder.mkdir()
    (folder / "en.yaml").write_text("- [invoice, bill, receipt]\n- parcel, package\n- [lonely]\n", encoding="utf-8")
    (folder / "de.yaml").write_text("- [Rechnung, Quittung\n", encoding="utf-8")  # broken YAML
    return make_app(SEARCH_SYNONYMS_DIR=str(folder))


def test_file_and_database_groups_are_merged(synonym_app):
    from portal.search import synonyms

    with synonym_app.app_context():
        assert synonyms.synonyms_for("en")["bill"] == ["invoice", "receipt"]
        assert synonyms.synonyms_for("en")["package"] == ["parcel"]
        assert "lonely" not in synonyms.synonyms_for("en")  # a group of one is reported, not used
        assert synonyms.synonyms_for("de") == {}  # a broken file never breaks search
        assert synonyms.read_file("de").errors
        synonyms.add_group("en", "Bill, invoice, statement")
        assert synonyms.synonyms_for("en")["bill"] == ["invoice", "receipt", "statement"]
        assert synonyms.synonyms_for("nl") == {}


def test_an_edit_in_another_process_is_seen_through_the_version_row(synonym_app):
    from portal.search import synonyms
    from portal.search.models import SynonymGroup

    with synonym_app.app_context():
        assert "cart" not in synonyms.synonyms_for("en")
        # another process: writes the row and bumps the version, this process's cache is untouched
        session.add(SynonymGroup(locale="en", terms="cart, basket"))
        synonyms._bump_version()
        session.commit()
        synonyms._cache.update({key: (0.0, stamp, mapping) for key, (_t, stamp, mapping) in synonyms._cache.items()})
        assert synonyms.synonyms_for("en")["cart"] == ["basket"]


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_writers_manage_groups_on_the_staff_page(make_app, tmp_path, staff, login):
    folder = tmp_path / "synonyms"
    folder.mkdir()
    (folder / "en.yaml").write_text("- [invoice, bill]\n", encoding="utf-8")
    app = make_app(SEARCH_SYNONYMS_DIR=str(folder), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.get("/staff/search/synonyms").status_code in (302, 401)
    login(client, staff("writer"))
    page = client.get("/staff/search/synonyms?locale=en").get_data(as_text=True)
    assert "invoice, bill" in page and "Read-only" in page

    # CSRF: a post without the token is refused
    assert client.post("/staff/search/synonyms", data={"group_locale": "en", "terms": "a, b"}).status_code == 400
    token = _token(page)
    bad = client.post("/staff/search/synonyms", data={"csrf_token": token, "group_locale": "en", "terms": "parcel"})
    assert bad.status_code == 400
    assert "at least two different words" in bad.get_data(as_text=True)
    assert 'value="parcel"' in bad.get_data(as_text=True)  # what was typed is kept
    added = client.post("/staff/search/synonyms", data={"csrf_token": token, "group_locale": "en", "locale": "en",
                                                        "terms": "Parcel, package ,  shipment"})
    assert added.status_code == 302
    page = client.get("/staff/search/synonyms?locale=en").get_data(as_text=True)
    assert "parcel, package, shipment" in page
    duplicate = client.post("/staff/search/synonyms", data={"csrf_token": token, "group_locale": "en",
                                                            "terms": "shipment, parcel, package"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.get_data(as_text=True)

    from portal.search import synonyms
    from portal.search.models import SynonymGroup

    with app.app_context():
        group_id = session.query(SynonymGroup.id).scalar()
    edited = client.post(f"/staff/search/synonyms/{group_id}", data={"csrf_token": token, "terms": "parcel, box"})
    assert edited.status_code == 302
    with app.app_context():
        assert synonyms.synonyms_for("en")["parcel"] == ["box"]
    assert client.post(f"/staff/search/synonyms/{group_id}", data={"csrf_token": token, "terms": "x"}).status_code == 400
    assert client.post(f"/staff/search/synonyms/{group_id}/delete", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/staff/search/synonyms/{group_id}/delete", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert "parcel" not in synonyms.synonyms_for("en")
        assert synonyms.synonyms_for("en")["bill"] == ["invoice"]


def test_the_repository_ships_valid_synonym_files(app):
    from portal.search import synonyms
    from portal.search.analysis import all_languages

    with app.app_context():
        for locale in all_languages():
            assert synonyms.read_file(locale).errors == []

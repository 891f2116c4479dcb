"""Incidents and components in several languages (issue 16, item 5): pages,
feeds, the Statuspage API, e-mail to subscribers, the staff form and ops API."""
from __future__ import annotations

import feedparser
import pytest

from portal.status import queries, services


@pytest.fixture
def multilingual(app):
    with app.app_context():
        component = services.create_component("Label printing", "labels", description="Printing labels")
        services.update_component(component, name_translations={"nl": "Labels printen"},
                                  description_translations={"de": "Etiketten drucken"})
        incident = services.create_incident(
            "Labels fail", components={"labels": "major_outage"}, body="We are *looking*", language="en",
            names={"nl": "Labels mislukken", "de": "Etiketten schlagen fehl"},
            bodies={"nl": "We *zoeken* het uit"})
        services.post_update(incident, "identified", "Found it", bodies={"de": "Gefunden"})
        return incident.public_id


def test_pages_speak_the_readers_language_and_fall_back_to_the_first(client, multilingual):
    dutch = client.get(f"/nl/status/incidents/{multilingual}").get_data(as_text=True)
    assert "Labels mislukken" in dutch and "<em>zoeken</em>" in dutch
    assert "Found it" in dutch  # the second update has no Dutch: the first language
    german = client.get(f"/de/status/incidents/{multilingual}").get_data(as_text=True)
    assert "Etiketten schlagen fehl" in german and "Gefunden" in german and "<em>looking</em>" in german
    swedish = client.get(f"/sv/status/incidents/{multilingual}").get_data(as_text=True)
    assert "Labels fail" in swedish
    index = client.get("/nl/status").get_data(as_text=True)
    assert "Labels printen" in index and "Printing labels" in index  # description: no Dutch
    assert "Labels mislukken" in index  # banner and day panel
    assert "Etiketten drucken" in client.get("/de/status").get_data(as_text=True)


def test_api_and_feeds_get_the_language(client, multilingual):
    data = client.get("/api/v2/incidents.json?lang=nl").get_json()
    assert data["incidents"][0]["name"] == "Labels mislukken"
    assert client.get("/api/v2/incidents.json", headers={"Accept-Language": "de"}
                      ).get_json()["incidents"][0]["name"] == "Etiketten schlagen fehl"
    assert client.get("/api/v2/incidents.json?lang=sv").get_json()["incidents"][0]["name"] == "Labels fail"
    feed = feedparser.parse(client.get("/status/feed.atom", headers={"Accept-Language": "nl"}).data)
    assert feed.entries[0].title.startswith("Labels mislukken")


def test_subscribers_get_their_language(app, multilingual):
    from portal.status.subscription_models import Broadcast
    from portal import db
    from sqlalchemy import select

    with app.app_context():
        broadcast = db.session.scalars(select(Broadcast).where(Broadcast.kind == "incident").order_by(Broadcast.id)).first()
        assert "Labels mislukken" in broadcast.content["nl"]["subject"]
        assert "zoeken" in broadcast.content["nl"]["text"]
        assert "Labels fail" in broadcast.content["sv"]["subject"]


def test_unknown_language_and_overlong_text_are_refused(app):
    with app.app_context():
        with pytest.raises(services.StatusError):
            services.create_incident("X", names={"xx": "?"})
        with pytest.raises(services.StatusError):
            services.create_incident("X", names={"nl": "y" * 301})


@pytest.fixture
def operator_token(app, staff):
    user = staff("operator")
    with app.app_context():
        from portal import db
        from portal.auth import services as auth_services
        from portal.auth.models import User

        return auth_services.create_api_token(db.session.get(User, user.id), "ci")


def test_ops_api_takes_languages(client, app, operator_token):
    headers = {"Authorization": f"Bearer {operator_token}"}
    response = client.post("/api/v1/status/incidents", headers=headers,
                           json={"name": "Langsam", "language": "de", "names": {"nl": "Traag"},
                                 "bodies": {"nl": "Het is traag"}, "body": "Es ist langsam"})
    assert response.status_code == 201, response.get_data(as_text=True)
    public_id = response.get_json()["id"]
    with app.app_context():
        incident = queries.incident_by_public_id(public_id)
        assert incident.language == "de" and incident.name_translations == {"nl": "Traag"}
    assert client.post("/api/v1/status/incidents", headers=headers,
                       json={"name": "x", "names": {"xx": "y"}}).status_code in (400, 422)
    patched = client.patch(f"/api/v1/status/incidents/{public_id}", headers=headers,
                           json={"names": {"nl": "Heel traag"}, "body": "Nog steeds", "bodies": {"sv": "Fortfarande"}})
    assert patched.status_code == 200
    assert client.get(f"/nl/status/incidents/{public_id}").get_data(as_text=True).count("Heel traag") >= 1
    assert "Fortfarande" in client.get(f"/sv/status/incidents/{public_id}").get_data(as_text=True)


def test_staff_form_adds_languages(app, client, staff, login):
    login(client, staff("operator"))
    page = client.get("/staff/status/incidents/new").get_data(as_text=True)
    assert 'name="name-nl"' in page and 'name="message-sv"' in page
    created = client.post("/staff/status/incidents/new", data={
        "language": "nl", "name": "Storing", "impact": "minor", "status": "investigating",
        "message": "We kijken", "name-de": "Störung", "message-de": "Wir prüfen", "name-nl": "ignored",
        "notify": "y"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    public_id = created.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        incident = queries.incident_by_public_id(public_id)
        assert incident.language == "nl" and incident.name_translations == {"de": "Störung"}
    client.post(f"/staff/status/incidents/{public_id}/updates",
                data={"status": "identified", "message": "Gevonden", "message-de": "Gefunden"})
    assert "Gefunden" in client.get(f"/de/status/incidents/{public_id}").get_data(as_text=True)
    assert "Gevonden" in client.get(f"/en/status/incidents/{public_id}").get_data(as_text=True)
    bad = client.post("/staff/status/incidents/new", data={"language": "xx", "name": "X", "impact": "minor",
                                                          "status": "investigating"})
    assert bad.status_code == 400


def test_staff_add_a_component_in_several_languages(app, client, staff, login):
    login(client, staff("operator"))
    page = client.get("/staff/status/components").get_data(as_text=True)
    assert 'name="name-nl"' in page and 'name="message-de"' in page
    added = client.post("/staff/status/components", data={
        "component-name": "Checkout", "component-group": "", "component-position": "1",
        "component-showcase": "y", "name-nl": "Afrekenen", "message-nl": "Betalen in de winkel"})
    assert added.status_code == 302, added.get_data(as_text=True)[:300]
    dutch = client.get("/nl/status").get_data(as_text=True)
    assert "Afrekenen" in dutch and "Betalen in de winkel" in dutch
    assert "Checkout" in client.get("/pl/status").get_data(as_text=True)

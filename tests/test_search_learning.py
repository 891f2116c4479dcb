"""Learning from deflected tickets: the article a customer opened and did not send a ticket for rises."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.db import session, utcnow
from tests.search_helpers import add_article, slugs

QUERY = "my parcel never arrived"


@pytest.fixture
def parcel_articles(app):
    # "track-parcel" ranks first on words alone; "lost-parcel" is what helps customers
    add_article(app, slug="track-parcel", title="Track your parcel",
                body="Every parcel has a tracking link. The parcel arrived? Then confirm it.")
    add_article(app, slug="lost-parcel", title="Lost shipments",
                body="If your parcel has not arrived after ten days, we send a new one.")
    add_article(app, slug="returns", title="Returns", body="Send items back within 30 days.")


def _event(client, name, attempt, **extra):
    response = client.post("/en/contact/events", json={"event": name, "attempt_id": attempt, "form": "technical",
                                                         **extra})
    assert response.status_code == 202, response.get_data(as_text=True)


def _suggest(client, text=QUERY):
    return slugs(client.post("/api/v1/suggest", json={"description": text, "locale": "en"}).get_json()["articles"])


def _deflect(client, attempts=3, article="lost-parcel", query=QUERY):
    for number in range(attempts):
        attempt = f"attempt-{article}-{number:04d}"
        _event(client, "suggestion_opened", attempt, article=article, query=query)
        _event(client, "solved", attempt, article=article, query=query)


def test_an_article_that_solved_similar_text_rises(app, client, parcel_articles):
    assert _suggest(client)[0] == "track-parcel"
    _deflect(client)
    assert _suggest(client)[0] == "lost-parcel"
    # similar text, not the same: it shares the specific words
    assert _suggest(client, "parcel never arrived, what now?")[0] == "lost-parcel"


def test_leaving_after_opening_counts_sending_the_ticket_does_not(app, client, parcel_articles):
    from portal.search import learning
    from portal.search.models import LearnedArticleSignal, PendingDeflection

    for number in range(3):
        _event(client, "suggestion_opened", f"attempt-left-{number:04d}", article="lost-parcel", query=QUERY)
    _event(client, "suggestion_opened", "attempt-sent-0001", article="returns", query=QUERY)
    with app.app_context():
        from portal.tickets import analytics

        analytics.record(session, "attempt-sent-0001", analytics.SUBMITTED, form_slug="technical", locale="en")
        session.commit()
        assert session.scalar(select(LearnedArticleSignal.id).limit(1)) is None  # nothing until they left
    with time_machine.travel(utcnow() + learning.LEFT_AFTER + timedelta(minutes=1)):
        _event(client, "started", "attempt-later-0001")
        with app.app_context():
            assert not session.scalars(select(PendingDeflection)).all()
            learned = set(session.scalars(select(LearnedArticleSignal.article_slug)))
        assert learned == {"lost-parcel"}  # the sent ticket's article earned nothing
        assert _suggest(client)[0] == "lost-parcel"


def test_what_was_learned_decays(app, client, parcel_articles):
    from portal.search import learning

    _deflect(client, attempts=1)
    with app.app_context():
        now = utcnow()
        assert learning.decayed(1.0, now - timedelta(days=30), now) == pytest.approx(0.5)
    assert _suggest(client)[0] == "lost-parcel"
    with time_machine.travel(utcnow() + timedelta(days=400)):
        assert _suggest(client)[0] == "track-parcel"


def test_the_boost_is_capped_so_a_much_better_new_article_still_wins(app, client, parcel_articles):
    from portal.search import learning

    _deflect(client, attempts=200)
    with app.app_context():
        assert learning.boost(1e9) <= app.config["SEARCH_LEARNING_MAX_BOOST"] + 1e-9
    add_article(app, slug="parcel-never-arrived", title="My parcel never arrived",
                body="Parcel never arrived? Your parcel never arrived because ... we send a new parcel.")
    assert _suggest(client)[0] == "parcel-never-arrived"


def test_only_candidates_the_engine_found_are_boosted(app, client, parcel_articles):
    _deflect(client, article="returns")
    assert "returns" not in _suggest(client, "parcel arrived")


def test_learning_can_be_switched_off(app, client, parcel_articles):
    from portal.search.models import LearnedArticleSignal

    _deflect(client)
    assert _suggest(client)[0] == "lost-parcel"
    app.config["SEARCH_LEARNING_ENABLED"] = False
    assert _suggest(client)[0] == "track-parcel"  # the engine's ranking, untouched
    with app.app_context():
        learned = session.scalars(select(LearnedArticleSignal.weight)).all()
    _deflect(client, article="returns")  # and nothing new is learned
    with app.app_context():
        assert session.scalars(select(LearnedArticleSignal.weight)).all() == learned


def test_no_personal_data_is_stored(app, client, parcel_articles):
    from portal.search.models import LearnedArticleSignal, PendingDeflection

    typed = "Hi, I am Marijke Jansen (marijke@example.com, order 884213), my parcel never arrived"
    _event(client, "suggestion_opened", "attempt-pii-0001", article="lost-parcel", query=typed)
    with app.app_context():
        pending = " ".join(session.scalars(select(PendingDeflection.terms)))
    _event(client, "solved", "attempt-pii-0001", article="lost-parcel", query=typed)
    with app.app_context():
        stored = " ".join(session.scalars(select(LearnedArticleSignal.term)))
        assert not session.scalars(select(PendingDeflection)).all()
    for text in (pending, stored):
        assert "parcel" in text
        for personal in ("marijke", "jansen", "example", "884213"):
            assert personal not in text


def test_a_ticket_withdrawn_for_an_article_teaches_its_subject(app, client, parcel_articles):
    import re

    from tests.test_tickets import post, technical

    response = post(client, technical(subject="My parcel never arrived", attempt_id="attempt-withdraw-01"))
    token = re.search(r"/contact/sent/([^/?#]+)", response.headers["Location"]).group(1)
    assert client.post(f"/en/contact/sent/{token}/withdraw", data={"article": "lost-parcel"}).status_code == 303
    assert _suggest(client)[0] == "lost-parcel"

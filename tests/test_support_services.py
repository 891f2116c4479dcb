"""The support loop's rules one by one: business time, event order and
idempotency, rating rounds and links, the API's guards, staff pages, targets
configuration, and personal data (export, erase, retention)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from portal import db

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=AMS)


def make_ticket(client, slug="question", lang="en", email="jan@shop.example", **fields) -> str:
    data = {"name": "Jan", "email": email, "subject": "Label printer", "description": "It prints nothing."}
    data.update(fields)
    response = client.post(f"/{lang}/contact/{slug}", data=data)
    assert response.status_code == 303
    return re.search(r"T-\d{4}-\d{6}", client.get(response.headers["Location"]).get_data(as_text=True)).group(0)


def record(app, reference, kind, at=None, **kwargs):
    from portal.support import services

    with app.app_context():
        result = services.record_event(db.session, reference, kind, occurred_at=at, **kwargs)
        db.session.commit()
        return result.created, result.rating_requested, result.lifecycle.state, result.lifecycle.round


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def test_business_minutes_skip_nights_weekends_and_holidays(app):
    from portal.support.reports import business_minutes
    from portal.tickets.config import get_config

    with app.app_context():
        schedule = get_config().schedule
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=AMS)
    assert business_minutes(schedule, friday, datetime(2026, 11, 30, 9, 30, tzinfo=AMS)) == 60
    # Wednesday 23 Dec 16:00 -> Monday 28 Dec 10:00: the 24th is closed, the 25th and 26th are holidays
    assert business_minutes(schedule, datetime(2026, 12, 23, 16, 0, tzinfo=AMS),
                            datetime(2026, 12, 28, 10, 0, tzinfo=AMS)) == 120
    assert business_minutes(schedule, friday, friday - timedelta(hours=1)) == 0


def test_events_in_any_order_give_the_same_state_and_reopening_asks_again(app, client):
    from portal.outbox.models import Message

    with time_machine.travel(TUESDAY_10, tick=False):
        ref = make_ticket(client)
    solved_at, answered_at = TUESDAY_10 + timedelta(hours=3), TUESDAY_10 + timedelta(hours=1)
    assert record(app, ref, "solved", solved_at) == (True, True, "solved", 1)
    assert record(app, ref, "answered", answered_at, agent="Bo") == (True, False, "solved", 1)
    assert record(app, ref, "answered", answered_at, agent="Bo")[0] is False  # same kind and moment: same event
    from portal.support.models import Rating, TicketLifecycle

    with app.app_context():
        state = db.session.get(TicketLifecycle, ref)
        assert state.first_answered_at == answered_at.astimezone(timezone.utc) and state.first_agent == "Bo"
        assert db.session.scalars(select(Rating)).one().agent == "Bo"  # named by the later event
    assert record(app, ref, "reopened", TUESDAY_10 + timedelta(hours=4))[2:] == ("waiting", 2)
    assert record(app, ref, "answered", TUESDAY_10 + timedelta(hours=5), external_id="e-9")[1] is True
    assert count(app, Rating) == 2 and count(app, Message, purpose="rating") == 2


def test_a_withdrawn_ticket_is_not_rated(app, client):
    from portal.outbox.models import Message
    from portal.tickets import services as ticket_services
    from portal.tickets.models import Ticket

    ref = make_ticket(client)
    with app.app_context():
        ticket_services.withdraw_ticket(db.session.scalars(select(Ticket).where(Ticket.reference == ref)).one())
    assert record(app, ref, "answered")[1] is False
    assert count(app, Message, purpose="rating") == 0


def test_the_events_api_guards(make_app, staff):
    from portal.auth import services as auth_services
    from portal.auth.models import User

    app = make_app(SUPPORT_HELPDESK_TOKEN="s3cret-helpdesk")
    client = app.test_client()
    ref = make_ticket(client)
    url = f"/api/v1/tickets/{ref}/events"
    assert client.post(url, json={"type": "answered"}).status_code == 401
    assert client.post(url, json={"type": "answered"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    shared = {"Authorization": "Bearer s3cret-helpdesk"}
    assert client.post(url, json={"type": "maybe"}, headers=shared).status_code == 400
    future = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    assert client.post(url, json={"type": "answered", "occurred_at": future}, headers=shared).status_code == 400
    assert client.post("/api/v1/tickets/T-1999-000001/events", json={"type": "answered"},
                       headers=shared).status_code == 404
    created = client.post(url, json={"type": "answered", "occurred_at": "2026-12-01T12:00:00"}, headers=shared)
    assert created.status_code == 201 and created.json["first_answered_at"] == "2026-12-01T12:00:00+00:00"
    writer = staff("writer")
    with app.app_context():
        token = auth_services.create_api_token(db.session.get(User, writer.id), "w")
    assert client.post(url, json={"type": "solved"}, headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_a_rating_link_acts_on_its_own_ticket_only(app, client):
    from itsdangerous import URLSafeTimedSerializer

    from portal.support import ratings
    from portal.support.models import Rating

    first, second = make_ticket(client), make_ticket(client, email="eva@shop.example")
    record(app, first, "answered")
    record(app, second, "answered")
    with app.app_context():
        mine = db.session.scalars(select(Rating).where(Rating.reference == first)).one()
        good = ratings.make_token(mine)
        # correctly signed, but naming the other ticket with this link's key: refused
        other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="portal.support.rating").dumps(
            {"r": second, "k": mine.link_key})
    assert client.post(f"/en/rate/{other}", data={"score": "poor"}).status_code == 404
    assert client.post(f"/en/rate/{good}", data={"score": "nonsense"}).status_code == 422
    assert client.post(f"/en/rate/{good}", data={"score": "poor", "comment": "Too slow."}).status_code == 200
    with app.app_context():
        scores = dict(db.session.execute(select(Rating.reference, Rating.score)).all())
    assert scores == {first: "poor", second: None}


def test_staff_pages_mark_by_hand_and_show_the_figures(app, client, staff, login):
    from portal.support.models import Rating

    with time_machine.travel(TUESDAY_10, tick=False):
        answered = make_ticket(client)
        late = make_ticket(client, subject="Still waiting")
    with time_machine.travel(TUESDAY_10 + timedelta(days=1), tick=False):
        login(client, staff("operator"))
        mark = client.post(f"/staff/support/tickets/{answered}", data={
            "kind": "answered", "occurred_at": "2026-12-01T10:30", "agent": "Cas"})
        assert mark.status_code == 303
        page = client.get(f"/staff/support/tickets/{answered}").get_data(as_text=True)
        assert "after 0.5 business hours" in page and "Cas" in page
        targets = client.get("/staff/support/").get_data(as_text=True)
        waiting = targets[targets.index("waiting-title"):]
        assert f'data-waiting="{late}"' in waiting and "past target" in waiting
        assert f'data-waiting="{answered}"' not in waiting
        assert client.get("/staff/support/tickets?reference=t-2026-000001").status_code == 302
        assert client.post(f"/staff/support/tickets/{answered}", data={"kind": "bogus"}).status_code == 422
    with app.app_context():
        rating = db.session.scalars(select(Rating)).one()
        rating.score, rating.comment = "poor", "Nobody called back."
        db.session.commit()
    happiness = client.get("/staff/support/happiness").get_data(as_text=True)
    assert "Nobody called back." in happiness and 'data-happiness="Cas"' in happiness
    volume = client.get("/staff/support/volume?weeks=52&form=question").get_data(as_text=True)
    assert 'role="img"' in volume and "Tickets by weekday and hour" in volume
    assert client.get("/staff/support/volume?urgency=urgent&weeks=x").status_code == 200


def test_targets_and_teams_are_configurable(make_app):
    from portal.support import config

    app = make_app(SUPPORT_TARGETS={"average_hours": 4, "within_share": 2, "aim_hours": "x"},
                   SUPPORT_TEAMS={"Billing desk": ["billing"]})
    with app.app_context():
        from portal.tickets.config import get_config

        targets = config.targets()
        assert (targets.average_hours, targets.within_share, targets.aim_hours) == (4, 1.0, 1.0)
        assert config.team_of("billing", get_config()) == "Billing desk"
        assert config.team_of("question", get_config()) == "everyone"


def test_export_erase_and_retention_cover_ratings_and_ideas(app, client):
    from portal.support import privacy, ratings
    from portal.support.models import Idea, IdeaRequester, Rating, TicketEvent

    ref = make_ticket(client, slug="suggestion", email="Ida@Shop.example", subject="Dark mode",
                      description="Please add a dark mode.")
    record(app, ref, "answered")
    with app.app_context():
        rating = db.session.scalars(select(Rating)).one()
        ratings.record(db.session, rating, "great", "Thanks")
        token = ratings.make_token(rating)
        exported = privacy.export(db.session, "ida@shop.example")
    [ticket] = exported["tickets"]
    assert ticket["ratings"][0]["score"] == "great" and ticket["ideas"][0]["title"] == "Dark mode"
    assert ticket["events"][0]["kind"] == "answered"
    result = app.test_cli_runner().invoke(args=["support", "erase", "ida@shop.example", "--yes"])
    assert result.exit_code == 0 and ref in result.output
    assert count(app, Rating) == count(app, TicketEvent) == count(app, IdeaRequester) == 0
    assert count(app, Idea) == 1  # the idea itself holds no personal data
    assert client.get(f"/en/rate/{token}").status_code == 404  # the link died with the ticket
    old = make_ticket(client)
    with app.app_context():
        assert privacy.purge(db.session, 30, now=datetime.now(timezone.utc) + timedelta(days=31)) == 1
    assert privacy_export_is_empty(app, "jan@shop.example") and old


def privacy_export_is_empty(app, email) -> bool:
    from portal.support import privacy

    with app.app_context():
        return privacy.export(db.session, email)["tickets"] == []

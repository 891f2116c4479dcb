"""The support team's whole loop, end to end through HTTP and a real SMTP server:
a ticket is sent, the helpdesk API marks it answered two business hours later,
the customer's one-click rating records "great" once (a second click changes
it, a forged link is refused), the targets page shows the figures; an idea from
two customers is merged and shipped, and each requester gets one message."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal import db
from tests.notify_helpers import SMTPSink

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=AMS)
TUESDAY_12 = datetime(2026, 12, 1, 12, 0, tzinfo=AMS)
THURSDAY = datetime(2026, 12, 3, 11, 0, tzinfo=AMS)


@pytest.fixture
def sink():
    with SMTPSink() as handler:
        yield handler


@pytest.fixture
def smtp_app(make_app, sink):
    return make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)


@pytest.fixture
def operator_token(smtp_app, staff):
    from portal.auth import services as auth_services
    from portal.auth.models import User

    user = staff("operator")
    with smtp_app.app_context():
        return auth_services.create_api_token(db.session.get(User, user.id), "helpdesk")


def send_ticket(client, slug="technical", lang="en", **fields) -> str:
    data = {"name": "Jan Jansen", "email": "jan@shop.example", "subject": "Checkout shows an error",
            "product": "shop", "description": "After clicking pay the page says error 500.", "urgency": "none"}
    data.update(fields)
    response = client.post(f"/{lang}/contact/{slug}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"T-\d{4}-\d{6}", page).group(0)


def deliver(app):
    from portal.outbox.worker import drain

    drain(app)


def mails_about(sink, reference: str, word: str) -> list:
    return [m for m in sink.messages if reference in str(m["Subject"]) and word in str(m["Subject"])]


def rating_links(message) -> dict:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return {score: re.search(rf"http://portal\.test(/\w+/rate/\S+choice={score})", text).group(1)
            for score in ("great", "okay", "poor")}


def post_rating(client, link: str, score: str, comment: str = ""):
    return client.post(link.split("?")[0], data={"score": score, "comment": comment})


def test_the_whole_loop(smtp_app, sink, operator_token, staff, login):
    from portal.support.models import Rating

    app, client = smtp_app, smtp_app.test_client()
    auth = {"Authorization": f"Bearer {operator_token}"}
    with time_machine.travel(TUESDAY_10, tick=False):
        reference = send_ticket(client)
    with time_machine.travel(TUESDAY_12, tick=False):
        body = {"type": "answered", "occurred_at": TUESDAY_12.isoformat(), "agent": "Anna", "event_id": "hd-1"}
        first = client.post(f"/api/v1/tickets/{reference}/events", json=body, headers=auth)
        again = client.post(f"/api/v1/tickets/{reference}/events", json=body, headers=auth)
        deliver(app)
    assert first.status_code == 201 and first.json["rating_requested"] is True
    assert first.json["state"] == "answered"
    assert again.status_code == 200 and again.json["created"] is False and again.json["rating_requested"] is False
    [request_mail] = mails_about(sink, reference, "How was our answer")
    links = rating_links(request_mail)

    # a mail scanner's GET records nothing; the page submits the choice (one click)
    page = client.get(links["great"])
    assert page.status_code == 200 and b"data-auto-submit" in page.data
    with app.app_context():
        assert db.session.scalars(select(Rating)).one().score is None
    assert post_rating(client, links["great"], "great").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Rating)).one().score == "great"
    assert b"data-auto-submit" not in client.get(links["great"]).data  # already great: nothing to send
    post_rating(client, links["okay"], "okay", "Fast, but I had to ask twice.")
    with app.app_context():
        rating = db.session.scalars(select(Rating)).one()
        assert (rating.score, rating.comment) == ("okay", "Fast, but I had to ask twice.")
    post_rating(client, links["great"], "great")
    with app.app_context():
        rating = db.session.scalars(select(Rating)).one()
        assert rating.score == "great" and rating.agent == "Anna"
    token = links["great"].split("/rate/")[1].split("?")[0]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/en/rate/{forged}").status_code == 404
    assert post_rating(client, f"/en/rate/{forged}", "poor").status_code == 404

    # a solved event later in the same round asks nothing more
    with time_machine.travel(THURSDAY, tick=False):
        solved = client.post(f"/api/v1/tickets/{reference}/events", json={"type": "solved"}, headers=auth)
        deliver(app)
    assert solved.status_code == 201 and solved.json["rating_requested"] is False
    assert len(mails_about(sink, reference, "How was our answer")) == 1

    with time_machine.travel(THURSDAY, tick=False):
        login(client, staff("operator"))
        html = client.get("/staff/support/").get_data(as_text=True)
    this_week = html[html.index('data-period="this_week"'):html.index('data-period="last_week"')]
    assert '<span class="metric" data-metric="average">2.0 h</span>' in this_week
    assert '<span class="metric" data-metric="within">100 %</span>' in this_week
    assert "1 of 1 tickets answered" in this_week
    assert '<span class="metric" data-metric="happiness">100 %</span>' in html

    # ideas: two customers suggest the same thing; merged, shipped, each told once
    with time_machine.travel(THURSDAY, tick=False):
        first_idea = send_ticket(client, "suggestion", email="ann@shop.example", subject="Dark mode",
                                 description="Please add a dark mode.")
        second_idea = send_ticket(client, "suggestion", lang="nl", email="piet@shop.example",
                                  subject="Donkere modus", description="Graag een donkere modus.")
    from portal.support.models import Idea

    with app.app_context():
        kept, duplicate = db.session.scalars(select(Idea).order_by(Idea.id)).all()
        kept_id, duplicate_id = kept.id, duplicate.id
    assert client.post(f"/staff/support/ideas/{duplicate_id}/merge", data={"into": kept_id}).status_code == 303
    shipped = {"title": "Dark mode", "status": "shipped", "release_url": "https://example.com/releases/5.0"}
    assert client.post(f"/staff/support/ideas/{kept_id}", data=shipped).status_code == 303
    assert client.post(f"/staff/support/ideas/{kept_id}", data=shipped).status_code == 303  # saved again
    deliver(app)
    deliver(app)
    told_en = mails_about(sink, first_idea, "available")
    told_nl = [m for m in sink.messages if second_idea in str(m["Subject"]) and "beschikbaar" in str(m["Subject"])]
    assert len(told_en) == 1 and len(told_nl) == 1
    assert "https://example.com/releases/5.0" in told_nl[0].get_body(preferencelist=("plain",)).get_content()
    idea_page = client.get(f"/staff/support/ideas/{kept_id}").get_data(as_text=True)
    assert f'data-requester="{first_idea}"' in idea_page and f'data-requester="{second_idea}"' in idea_page

"""The answer mailbox: real RFC 5322 messages (encoded subjects, Re:/AW:/SV:
prefixes, In-Reply-To the portal's Message-ID, signed BCC addresses) mark
their ticket answered; the customer's own replies and strangers never do."""
from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from portal import db


@pytest.fixture
def mail_app(make_app):
    return make_app(SUPPORT_ANSWER_ADDRESS="answers@helpdesk.example")


@pytest.fixture
def reference(mail_app):
    client = mail_app.test_client()
    response = client.post("/de/contact/question", data={
        "name": "Jana Kundin", "email": "jana@kunde.example", "subject": "Kasse geht nicht",
        "description": "Die Kasse zeigt einen Fehler."})
    assert response.status_code == 303
    return re.search(r"T-\d{4}-\d{6}", client.get(response.headers["Location"]).get_data(as_text=True)).group(0)


def encoded(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def message(*, sender="Anna Agent <anna@example.com>", to="jana@kunde.example", subject="", extra="",
            message_id="<answer-1@example.com>", date="Tue, 01 Dec 2026 12:00:00 +0100") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: {message_id}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n{extra}\r\n"
            "Guten Tag, bitte starten Sie die Kasse neu.\r\n").encode()


def ingest(app, raw: bytes):
    from portal.support import mailin
    from portal.tickets.config import get_config

    with app.app_context():
        return mailin.ingest(db.session, raw, get_config())


def lifecycle(app, reference):
    from portal.support.models import TicketLifecycle

    with app.app_context():
        return db.session.get(TicketLifecycle, reference)


def test_an_encoded_subject_with_reply_prefixes_marks_the_ticket_answered_once(mail_app, reference):
    subject = encoded(f"AW: SV: Re: [{reference}] Kasse geht nicht – Lösung")
    raw = message(subject=subject)
    outcome = ingest(mail_app, raw)
    assert (outcome.status, outcome.reference) == ("recorded", reference)
    state = lifecycle(mail_app, reference)
    assert state.state == "answered" and state.first_agent == "Anna Agent"
    assert state.first_answered_at.isoformat() == "2026-12-01T11:00:00+00:00"  # the Date header
    assert ingest(mail_app, raw).status == "duplicate"  # the same mail piped twice


def test_in_reply_to_the_portals_message_id_is_enough(mail_app, reference):
    from portal.outbox.models import Message

    with mail_app.app_context():
        sent = db.session.scalars(select(Message).where(Message.key == f"ticket:{reference}:support")).one()
        portal_id = sent.payload["message_id"]
    raw = message(subject="Re: Ihre Anfrage", extra=f"In-Reply-To: {portal_id}\r\nReferences: <x@y> {portal_id}\r\n")
    assert ingest(mail_app, raw).status == "recorded"
    assert lifecycle(mail_app, reference).state == "answered"


def test_the_customers_own_reply_and_strangers_are_not_answers(mail_app, reference):
    customer = message(sender="Jana <Jana@Kunde.example>", to="support@example.com", subject=f"Re: [{reference}]")
    assert ingest(mail_app, customer).reason == "written by the customer"
    stranger = message(sender="someone@elsewhere.example", subject=f"Re: [{reference}] spam",
                       message_id="<s@elsewhere.example>")
    assert ingest(mail_app, stranger).reason == "not from support"
    assert ingest(mail_app, message(subject="Hello", message_id="<n@example.com>")).reason == "no ticket reference"
    assert lifecycle(mail_app, reference).state == "waiting"


def test_a_signed_bcc_address_names_the_ticket_and_cannot_be_forged(mail_app, reference):
    from portal.support import mailin

    with mail_app.app_context():
        address = mailin.answer_address_for(reference)
    assert address.startswith(f"answers+{reference}.") and address.endswith("@helpdesk.example")
    signature = address.split("@")[0].rsplit(".", 1)[1]
    forged = address.replace(signature, "0" * len(signature))
    outsider = "Agent <agent@freelancer.example>"
    bad = message(sender=outsider, to=f"jana@kunde.example, {forged}", subject="Antwort", message_id="<f@x>")
    assert ingest(mail_app, bad).status == "ignored"
    good = message(sender=outsider, to="jana@kunde.example", subject="Antwort", message_id="<g@x>",
                   extra=f"Delivered-To: {address}\r\nX-Portal-Event: solved\r\n")
    assert ingest(mail_app, good).status == "recorded"
    assert lifecycle(mail_app, reference).state == "solved"


def test_the_cli_reads_a_message_on_stdin(mail_app, reference):
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["support", "ingest-mail"], input=message(subject=f"RE: {reference}"))
    assert result.exit_code == 0 and result.output.startswith("recorded: answered")
    assert runner.invoke(args=["support", "ingest-mail"], input=b"not a mail at all").output.startswith("ignored")


def test_hostile_messages_are_ignored_never_crash(mail_app, reference):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    header_values = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=80)

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To",
                                               "References", "Delivered-To", "X-Portal-Event", "X-Portal-Ticket"]),
                              header_values), max_size=8))
    def run(headers):
        raw = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\nbody\r\n"
        assert ingest(mail_app, raw.encode("utf-8", "surrogateescape")).status in ("recorded", "duplicate", "ignored")

    run()
    run_bytes = message(subject=f"=?utf-8?q?=FF=FE?= [{reference}]", date="not a date", message_id="")
    assert ingest(mail_app, run_bytes).status in ("recorded", "ignored")

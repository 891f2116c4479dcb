"""The ticket form end to end: pages, validation, hostile posts, routing through the outbox."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from portal import db
from portal.outbox.models import STATE_PENDING, STATE_SENT, Message
from portal.outbox.worker import drain
from portal.tickets.models import Ticket, TicketAttachment, TicketField

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_NIGHT = datetime(2026, 11, 17, 21, 0, tzinfo=AMS)
TUESDAY_MORNING = datetime(2026, 11, 17, 10, 0, tzinfo=AMS)


def png(size=(24, 16)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    out.seek(0)
    return out


def technical(**overrides) -> dict:
    data = {
        "name": "Jan Jansen",
        "email": "jan@shop.example",
        "subject": "Checkout shows an error",
        "product": "shop",
        "version": "4.2.1",
        "site_url": "shop.example",
        "description": "After clicking pay the page says error 500.",
        "urgency": "none",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, slug="technical", lang="en", **kwargs):
    return client.post(f"/{lang}/contact/{slug}", data=data, content_type="multipart/form-data", **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def messages(app) -> dict[str, Message]:
    with app.app_context():
        return {m.key: m for m in db.session.scalars(select(Message))}


def test_chooser_lists_the_configured_forms_in_groups(client):
    page = client.get("/en/contact/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "For customers" in html and "For everyone" in html
    for slug in ("technical", "billing", "license", "suggestion", "question", "enquiry"):
        assert f'href="/en/contact/{slug}"' in html
    dutch = client.get("/nl/contact/").get_data(as_text=True)
    assert "Technisch probleem" in dutch and 'href="/nl/contact/technical"' in dutch


def test_form_page_has_fields_labels_and_the_guards(client):
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        html = client.get("/en/contact/technical").get_data(as_text=True)
    assert '<label for="field-subject">Subject' in html
    assert 'name="csrf_token"' in html and 'name="leave_blank"' in html  # CSRF and honeypot
    assert "data-pii-patterns=" in html and "data-suggest" in html
    assert 'aria-live="polite"' in html
    assert "some screenshot tools upload your images to the web" in html
    assert "What is blocked?" in html and "Payments are failing" in html
    assert "now we're closed, expect an answer tomorrow before 17:00" in html
    assert 'src="/static/js/tickets.js"' in html and "<script>" not in html
    assert client.get("/en/contact/no-such-form").status_code == 404


def test_urgent_callback_is_offered_during_business_hours_only(client):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        open_html = client.get("/en/contact/technical").get_data(as_text=True)
    assert "+31 20 123 4567" in open_html and 'name="callback_phone"' in open_html
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        closed_html = client.get("/en/contact/technical").get_data(as_text=True)
    assert 'name="callback_phone"' not in closed_html
    assert "expect an answer tomorrow before 11:00" in closed_html


def test_missing_fields_are_reported_per_field_and_input_is_kept(app, client):
    response = post(client, technical(email="not-an-address", subject="", product="nonsense", urgency=None,
                                      screenshot=(png(), "shot.png")))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'role="alert"' in html
    assert 'href="#field-subject"' in html and 'href="#field-email"' in html and 'href="#field-urgency"' in html
    assert "Please fill in “Subject”." in html
    assert "Please enter an e-mail address like name@example.com." in html
    assert "Please choose one of the listed answers for “Product”." in html
    assert re.search(r'id="field-email"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*field-email-error', html)
    assert 'value="not-an-address"' in html  # kept
    assert "After clicking pay the page says error 500." in html
    assert "the files you attached are kept" in html and "Attached:</strong> shot.png" in html
    assert count(app, Ticket) == 0
    token = re.search(r'name="kept_files" value="([^"]+)"', html).group(1)
    fixed = post(client, technical(kept_files=token))  # no file sent again
    assert fixed.status_code == 303
    with app.app_context():
        attachment = db.session.scalars(select(TicketAttachment)).one()
    assert attachment.original_name == "shot.png" and attachment.content_type == "image/png"
    assert not list(Path(app.config["UPLOAD_DIR"], "tickets", "_pending").iterdir())  # nothing left waiting


def test_a_ticket_is_stored_routed_and_confirmed(app, client):
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        response = post(client, technical(urgency="payments", screenshot=(png(), "checkout.png")))
        assert response.status_code == 303
        confirmation = client.get(response.headers["Location"])
    html = confirmation.get_data(as_text=True)
    match = re.search(r"T-2026-\d{6}", html)
    assert match and match.group() == "T-2026-000001"
    assert "tomorrow before 11:00" in html  # urgent: 2 business hours from Wednesday 09:00
    ref = match.group()
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.reference == ref and ticket.is_urgent and ticket.urgency == "payments"
        assert ticket.expected_by == datetime(2026, 11, 18, 11, 0, tzinfo=AMS)
        fields = {f.name: f.value for f in db.session.scalars(select(TicketField))}
        assert fields["site_url"] == "https://shop.example" and fields["product"] == "shop"
        attachment = db.session.scalars(select(TicketAttachment)).one()
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_path
        assert stored.is_file() and stored.parent.name == ref and "checkout" not in stored.name
        assert "static" not in stored.parts
    queued = messages(app)
    assert set(queued) == {f"ticket:{ref}:support", f"ticket:{ref}:confirmation"}
    support = queued[f"ticket:{ref}:support"]
    assert support.recipient == "support@example.com" and support.state == STATE_PENDING
    assert support.payload["reply_to"] == "jan@shop.example"
    assert "URGENT" in support.payload["subject"] and ref in support.payload["subject"]
    assert "Payments are failing" in support.payload["text"] and "tomorrow before 11:00" in support.payload["text"]
    assert support.payload["attachments"][0]["filename"] == "checkout.png"
    confirmation_mail = queued[f"ticket:{ref}:confirmation"]
    assert confirmation_mail.recipient == "jan@shop.example"
    assert ref in confirmation_mail.payload["subject"] and "tomorrow before 11:00" in confirmation_mail.payload["text"]

    assert drain(app) == 2
    mails = sorted(Path(app.config["MAIL_DIR"]).rglob("*.eml"))
    assert len(mails) == 2
    parsed = [message_from_bytes(p.read_bytes()) for p in mails]
    to_support = next(m for m in parsed if m["To"] == "support@example.com")
    assert to_support["Reply-To"] == "jan@shop.example"
    assert any(part.get_filename() == "checkout.png" for part in to_support.walk())


def test_references_count_up_per_year(app, client):
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=AMS), tick=False):
        post(client, technical())
        post(client, technical())
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=AMS), tick=False):
        post(client, technical())
    with app.app_context():
        refs = sorted(db.session.scalars(select(Ticket.reference)))
    assert refs == ["T-2026-000001", "T-2026-000002", "T-2027-000001"]


def test_confirmation_mail_is_in_the_customers_language(app, client):
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        response = post(client, technical(), lang="nl")
    assert response.status_code == 303 and "/nl/contact/sent/" in response.headers["Location"]
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.locale == "nl"
        mail = db.session.scalars(select(Message).where(Message.key.like("%:confirmation"))).one()
    assert "Technisch probleem" in mail.payload["text"]  # the form's Dutch title from tickets.yaml
    assert "T-2026-000001" in mail.payload["subject"]


def test_smtp_down_keeps_the_ticket_and_the_message(make_app, unused_port):
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=unused_port, MAIL_TIMEOUT=2)
    client = app.test_client()
    response = post(client, technical())
    assert response.status_code == 303
    assert drain(app) == 0
    queued = messages(app)
    support = next(m for k, m in queued.items() if k.endswith(":support"))
    assert support.state != STATE_SENT and support.attempts >= 1 and support.last_error
    assert count(app, Ticket) == 1
    # the server is back: the retry delivers it
    app.config["MAIL_BACKEND"] = "file"
    assert drain(app, now=datetime.now(AMS) + timedelta(hours=2)) == 2
    assert all(m.state == STATE_SENT for m in messages(app).values())


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_personal_data_needs_a_choice_and_mask_masks(app, client):
    text = "Please call 06-12345678 or mail piet@example.com, refund to NL91ABNA0417164300."
    first = post(client, technical(description=text))
    assert first.status_code == 200 and count(app, Ticket) == 0
    html = first.get_data(as_text=True)
    assert "Your message contains personal data" in html
    assert 'name="pii_action" value="mask"' in html and 'name="pii_action" value="send"' in html
    assert "piet@example.com" in html  # never silently dropped: the text is still there to edit
    masked = post(client, technical(description=text, pii_action="mask"))
    assert masked.status_code == 303
    with app.app_context():
        value = db.session.scalars(select(TicketField.value).where(TicketField.name == "description")).one()
        ticket = db.session.scalars(select(Ticket)).one()
    assert value == "Please call 06-******78 or mail p***@example.com, refund to NL** **** **** **** 00."
    assert ticket.pii_confirmed is False and ticket.email == "jan@shop.example"  # own address is fine


def test_personal_data_can_be_sent_anyway(app, client):
    response = post(client, technical(description="My IP is 203.0.113.9", pii_action="send"))
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        value = db.session.scalars(select(TicketField.value).where(TicketField.name == "description")).one()
    assert ticket.pii_confirmed and value == "My IP is 203.0.113.9"
    support = next(m for k, m in messages(app).items() if k.endswith(":support"))
    assert "chose to send personal data" in support.payload["text"]


def test_fake_png_is_a_field_error(app, client):
    response = post(client, technical(screenshot=(io.BytesIO(b"MZ\x90\x00 definitely an exe"), "cute-cat.png")))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“cute-cat.png”: Only PNG, JPEG and WebP images and PDF documents can be attached" in html
    assert count(app, Ticket) == 0


def test_oversized_upload(make_app, tmp_path):
    import yaml

    from portal.tickets.config import DEFAULT_PATH

    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["uploads"] = {"max_files": 1, "max_file_mb": 0.01}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    app = make_app(TICKETS_CONFIG=str(path), MAX_CONTENT_LENGTH=200_000)
    client = app.test_client()
    too_big_file = post(client, technical(screenshot=(io.BytesIO(b"%PDF-1.4\n" + b"x" * 20_000), "big.pdf")))
    assert too_big_file.status_code == 422 and "larger than 0.01 MB" in too_big_file.get_data(as_text=True)
    too_big_request = post(client, technical(screenshot=(io.BytesIO(b"%PDF-1.4\n" + b"x" * 300_000), "huge.pdf")))
    assert too_big_request.status_code == 413
    assert "too large" in too_big_request.get_data(as_text=True)
    assert count(app, Ticket) == 0


def test_honeypot_refuses_without_a_ticket(app, client):
    response = post(client, technical(leave_blank="http://spam.example"))
    assert response.status_code == 400 and "looks automated" in response.get_data(as_text=True)
    assert count(app, Ticket) == 0


def test_csrf_is_required(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = post(client, technical())
    assert response.status_code == 400 and "Please reload the page" in response.get_data(as_text=True)
    page = client.get("/en/contact/technical").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert post(client, technical(csrf_token=token)).status_code == 303
    assert count(app, Ticket) == 1


def test_rate_limit_per_ip(make_app):
    app = make_app(RATELIMIT_ENABLED=True, TICKETS_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert post(client, technical()).status_code == 303
    assert post(client, technical()).status_code == 303
    third = post(client, technical())
    assert third.status_code == 429 and "Too many requests" in third.get_data(as_text=True)
    assert client.get("/en/contact/technical").status_code == 200  # reading the form is never limited
    other_ip = post(client, technical(), environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert other_ip.status_code == 303
    assert count(app, Ticket) == 3


def test_urgent_callback_request_is_checked_and_stored(app, client):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        bad = post(client, technical(urgency="checkout", callback_requested="yes", callback_phone="call me",
                                     callback_language="fr"))
        assert bad.status_code == 422
        html = bad.get_data(as_text=True)
        assert "Please enter the phone number we should call" in html and "language we can call you in" in html
        good = post(client, technical(urgency="checkout", callback_requested="yes", callback_phone="+31 6 1234 5678",
                                      callback_language="nl"))
        assert good.status_code == 303
        confirmation = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "+31 20 123 4567" in confirmation  # urgent and open: the phone number
    assert "We will call you back at +31 6 1234 5678" in confirmation
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.callback_phone == "+31 6 1234 5678" and ticket.callback_language == "nl"
    support = next(m for k, m in messages(app).items() if k.endswith(":support"))
    assert "CALLBACK REQUESTED: +31 6 1234 5678" in support.payload["text"]


def test_not_urgent_answers_do_not_flag(app, client):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        response = post(client, technical(urgency="none", callback_requested="yes", callback_phone="+31 6 1"))
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.priority == "normal" and ticket.callback_phone is None


def test_other_forms_require_their_own_fields(app, client):
    response = post(client, {"email": "a@b.example", "subject": "Invoice", "description": "Wrong VAT"}, slug="billing")
    assert response.status_code == 422 and "Please fill in “Customer number”." in response.get_data(as_text=True)
    ok = post(client, {"email": "a@b.example", "subject": "Invoice", "description": "Wrong VAT",
                       "customer_number": "C-1234", "invoice_number": "2026-000123"}, slug="billing")
    assert ok.status_code == 303  # an invoice number is not mistaken for a phone number


def test_files_survive_the_personal_data_question(app, client):
    first = post(client, technical(description="mail me: piet@example.com", screenshot=(png(), "error.png")))
    html = first.get_data(as_text=True)
    assert "Your message contains personal data" in html and "The files you attached are kept." in html
    token = re.search(r'name="kept_files" value="([^"]+)"', html).group(1)
    assert post(client, technical(description="mail me: piet@example.com", pii_action="mask",
                                  kept_files=token)).status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert [a.original_name for a in ticket.attachments] == ["error.png"]


def test_forged_or_foreign_kept_tokens_are_ignored(app, client):
    for token in ("../../../etc", "0" * 32, "not-hex"):
        response = post(client, technical(kept_files=token))
        assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(TicketAttachment)).all() == []

"""The tickets domain's one write path: create and withdraw tickets.

:func:`create_ticket` does everything a ticket needs in ONE transaction: a
reference from the per-year sequence, the ticket with its answers and
attachment records, and the outgoing messages through the outbox (the
e-mail to support, the optional helpdesk webhook, the customer's
confirmation). If SMTP is down the messages wait in the outbox; if the
transaction fails, nothing was sent and the stored files are removed again.

The transaction waits at most ``TICKET_SUBMIT_LOCK_TIMEOUT`` seconds for a
lock (SQLite ``busy_timeout``, PostgreSQL ``lock_timeout`` and
``statement_timeout``); a database that is locked or down for longer raises
:class:`TicketStoreBusy` so the form can come back at once, filled in.
"""
from __future__ import annotations

import logging
import secrets
import sqlite3
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import db, signals
from portal.db import utcnow
from portal.i18n import default_locale
from portal.outbox.links import external_url, site_url
from portal.outbox.services import enqueue_email, enqueue_webhook
from portal.tickets import analytics, attachments, hours
from portal.tickets.config import get_config
from portal.tickets.forms import Submission
from portal.tickets.models import (
    PRIORITY_NORMAL, PRIORITY_URGENT, STATUS_OPEN, STATUS_WITHDRAWN,
    Ticket, TicketAttachment, TicketField, TicketSequence,
)
from portal.tickets.spec import TicketsConfig

log = logging.getLogger(__name__)

#: Answers that are columns of Ticket rather than TicketField rows.
TICKET_COLUMNS = ("email", "name", "subject")


class TicketStoreBusy(RuntimeError):
    """The database could not take the ticket in time; nothing was stored."""


def _limit_lock_wait(session: Session):
    """Bound this transaction's lock waits. Returns what :func:`_restore_lock_wait`
    needs on SQLite (where the setting belongs to the connection), else None."""
    seconds = float(current_app.config["TICKET_SUBMIT_LOCK_TIMEOUT"])
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
        return raw, previous
    if connection.dialect.name == "postgresql":
        # SET LOCAL ends with the transaction: the pooled connection is unchanged after
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = '{int(seconds * 2000)}ms'")
    return None


def _restore_lock_wait(saved) -> None:
    """Put SQLite's busy timeout back before the connection returns to the pool."""
    if saved is not None:
        raw, previous = saved
        raw.execute(f"PRAGMA busy_timeout={int(previous)}")


def next_reference(session: Session, year: int) -> str:
    """``T-<year>-<6 digits>`` from a per-year counter, safe under concurrency.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement: on
    PostgreSQL the row lock serialises concurrent tickets until commit, on
    SQLite the database write lock does; neither can hand out a number twice.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(TicketSequence).values(year=year, last_value=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last_value": TicketSequence.last_value + 1})
        .returning(TicketSequence.last_value)
    )
    number = session.execute(statement).scalar_one()
    return f"T-{year}-{number:06d}"


def expectation(config: TicketsConfig, urgent: bool, now: datetime, locale: str) -> dict:
    """What we promise: ``hours.describe_expectation`` for this ticket's target."""
    return hours.describe_expectation(config.schedule, config.target_for(urgent), now, locale)


def promise_for(ticket: Ticket, config: TicketsConfig, now: datetime) -> dict:
    """The ticket's stored deadline, described relative to ``now`` (for the confirmation page)."""
    target = config.target_for(ticket.is_urgent)
    when = None
    if ticket.expected_by:
        when = hours.relative_deadline(config.schedule, ticket.expected_by, now).describe(ticket.locale)
    return {"target": target.describe(), "open": hours.is_open(config.schedule, now), "deadline": ticket.expected_by,
            "when": when, "timezone": str(config.schedule.timezone.key)}


def support_locale() -> str:
    return default_locale()


def display_fields(ticket: Ticket, config: TicketsConfig, lang: str) -> list[tuple[str, str]]:
    """(label, value) of every answer, with select values shown as their labels."""
    form = config.form(ticket.form_slug)
    shown = []
    for answer in ticket.fields:
        spec = form.field(answer.name) if form else None
        label = spec.label.get(lang) if spec else answer.label
        value = spec.option_label(answer.value, lang) if spec and spec.type == "select" else answer.value
        shown.append((label, value))
    return shown


def ticket_document(ticket: Ticket, config: TicketsConfig) -> dict:
    """The ticket as JSON for the helpdesk webhook."""
    option = config.urgency_option(ticket.urgency)
    return {
        "reference": ticket.reference,
        "form": ticket.form_slug,
        "locale": ticket.locale,
        "status": ticket.status,
        "priority": ticket.priority,
        "urgency": ticket.urgency,
        "urgency_label": option.label.get(support_locale()) if option else None,
        "email": ticket.email,
        "name": ticket.name,
        "subject": ticket.subject,
        "fields": {f.name: f.value for f in ticket.fields},
        "callback": ({"phone": ticket.callback_phone, "language": ticket.callback_language}
                     if ticket.callback_phone else None),
        "personal_data_confirmed": ticket.pii_confirmed,
        "expected_answer_by": ticket.expected_by.isoformat() if ticket.expected_by else None,
        "created_at": ticket.created_at.isoformat(),
        "attachments": [{"filename": a.original_name, "content_type": a.content_type, "size": a.size}
                        for a in ticket.attachments],
    }


def _form_title(config: TicketsConfig, slug: str, lang: str) -> str:
    form = config.form(slug)
    return form.title.get(lang) if form else slug


def _enqueue_ticket_messages(session: Session, ticket: Ticket, config: TicketsConfig,
                             files: list, now: datetime) -> None:
    site = current_app.config["SITE_NAME"]
    ref = ticket.reference
    with force_locale(support_locale()):
        promise = expectation(config, ticket.is_urgent, now, support_locale())
        text = render_template("tickets/email/support.txt", ticket=ticket, promise=promise,
                               fields=display_fields(ticket, config, support_locale()),
                               urgency=config.urgency_option(ticket.urgency), site=site, lang=support_locale(),
                               form_title=_form_title(config, ticket.form_slug, support_locale()))
        subject = (_("[%(reference)s] URGENT: %(subject)s", reference=ref, subject=ticket.subject) if ticket.is_urgent
                   else f"[{ref}] {ticket.subject}")
        enqueue_email(
            session, to=config.support_email, subject=subject, text=text,
            reply_to=ticket.email,
            headers={"X-Portal-Ticket": ref, "X-Priority": "1" if ticket.is_urgent else "3"},
            attachments=[(f.original_name, f.content_type, f.data) for f in files],
            key=f"ticket:{ref}:support", purpose="ticket",
        )
    if config.webhook_url:
        enqueue_webhook(session, url=config.webhook_url, secret=config.webhook_secret,
                        payload={"event": "ticket.created", "ticket": ticket_document(ticket, config)},
                        key=f"ticket:{ref}:webhook", purpose="ticket")
    with force_locale(ticket.locale):
        promise = expectation(config, ticket.is_urgent, now, ticket.locale)
        text = render_template("tickets/email/confirmation.txt", ticket=ticket, promise=promise, site=site,
                               form_title=_form_title(config, ticket.form_slug, ticket.locale),
                               ticket_url=external_url("tickets.sent", lang=ticket.locale, token=ticket.public_token),
                               help_url=site_url(f"/{ticket.locale}/"),
                               phone=config.support_phone if ticket.is_urgent and promise["open"] else None)
        subject = _("We received your message (%(reference)s)", reference=ref)
    enqueue_email(session, to=ticket.email, subject=subject, text=text,
                  headers={"X-Portal-Ticket": ref, "Auto-Submitted": "auto-replied"},
                  key=f"ticket:{ref}:confirmation", purpose="confirmation")


def create_ticket(submission: Submission, *, now: datetime | None = None) -> Ticket:
    """Store a checked submission and queue its messages, all in one transaction."""
    if not submission.ok:
        raise ValueError("create_ticket needs a submission without errors")
    config = get_config()
    session = db.session
    now = now or utcnow()
    form = submission.form
    year = now.astimezone(config.schedule.timezone).year
    upload_dir = current_app.config["UPLOAD_DIR"]
    reference = None
    previous_wait = None
    try:
        previous_wait = _limit_lock_wait(session)
        reference = next_reference(session, year)
        target = config.target_for(submission.urgent)
        ticket = Ticket(
            reference=reference,
            public_token=secrets.token_urlsafe(24),
            form_slug=form.slug,
            locale=submission.lang,
            email=submission.email,
            name=submission.values.get("name") or None,
            subject=submission.subject,
            priority=PRIORITY_URGENT if submission.urgent else PRIORITY_NORMAL,
            urgency=submission.urgency,
            callback_phone=(submission.callback_phone or None) if submission.callback_requested else None,
            callback_language=(submission.callback_language or None) if submission.callback_requested else None,
            status=STATUS_OPEN,
            pii_confirmed=submission.pii_confirmed,
            attempt_id=submission.attempt_id,
            expected_by=hours.expected_answer(config.schedule, now, target),
            created_at=now,
        )
        position = 0
        with force_locale(support_locale()):
            for spec in form.fields:
                if spec.type == "file" or spec.name in TICKET_COLUMNS:
                    continue
                position += 1
                ticket.fields.append(TicketField(name=spec.name, label=spec.label.get(support_locale()),
                                                 value=submission.values.get(spec.name, ""), position=position))
        for checked in submission.files:
            stored = attachments.store(upload_dir, reference, checked)
            ticket.attachments.append(TicketAttachment(
                field_name=checked.field_name, original_name=checked.original_name, stored_path=stored,
                content_type=checked.content_type, size=checked.size, created_at=now))
        session.add(ticket)
        session.flush()
        _enqueue_ticket_messages(session, ticket, config, submission.files, now)
        signals.ticket_created.send(session=session, ticket=ticket)
        attempt = submission.attempt_id or secrets.token_hex(16)
        # the query is kept (scrubbed) only when no suggestion was opened: what the help center lacks
        query = None if submission.suggestion_opened else (submission.last_query or submission.subject)
        analytics.record(session, attempt, analytics.SUBMITTED, form_slug=form.slug, locale=submission.lang,
                         query=query)
        _restore_lock_wait(previous_wait)
        previous_wait = None
        session.commit()
    except BaseException as exc:
        _restore_after_failure(session, previous_wait)
        if reference:
            attachments.remove_folder(upload_dir, reference)
        if isinstance(exc, OperationalError):  # locked, timed out or unreachable
            log.warning("ticket not stored, the database is busy: %s", exc.orig)
            raise TicketStoreBusy(str(exc.orig)) from exc
        raise
    log.info("ticket %s created (%s, %s)", reference, form.slug, ticket.priority)
    return ticket


def _restore_after_failure(session: Session, previous_wait) -> None:
    try:
        _restore_lock_wait(previous_wait)
    except sqlite3.Error:
        # the connection is unusable: drop it rather than pool it with a short timeout
        session.invalidate()
        return
    session.rollback()


def ticket_by_token(token: str) -> Ticket | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalars(select(Ticket).where(Ticket.public_token == token)).first()


def withdraw_ticket(ticket: Ticket, *, article_slug: str | None = None, now: datetime | None = None) -> bool:
    """The customer's question was answered after all: tell support. False if already withdrawn."""
    if ticket.status == STATUS_WITHDRAWN:
        return False
    config = get_config()
    session = db.session
    now = now or utcnow()
    ticket.status = STATUS_WITHDRAWN
    ticket.withdrawn_at = now
    ref = ticket.reference
    with force_locale(support_locale()):
        text = render_template("tickets/email/withdrawn.txt", ticket=ticket, site=current_app.config["SITE_NAME"])
        subject = _("[%(reference)s] Withdrawn by the customer: %(subject)s", reference=ref, subject=ticket.subject)
    enqueue_email(session, to=config.support_email, subject=subject, text=text,
                  headers={"X-Portal-Ticket": ref}, key=f"ticket:{ref}:withdrawn", purpose="ticket")
    if config.webhook_url:
        enqueue_webhook(session, url=config.webhook_url, secret=config.webhook_secret,
                        payload={"event": "ticket.withdrawn", "ticket": ticket_document(ticket, config)},
                        key=f"ticket:{ref}:withdrawn-webhook", purpose="ticket")
    analytics.record(session, ticket.attempt_id or f"ticket-{ref}", analytics.WITHDRAWN,
                     form_slug=ticket.form_slug, locale=ticket.locale, article_slug=article_slug,
                     typed=ticket.subject)
    session.commit()
    return True


def recent_tickets(limit: int = 50) -> list[dict]:
    """The newest tickets with the delivery state of their e-mail to support."""
    from portal.outbox.models import Message

    tickets = db.session.scalars(select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)).all()
    keys = {f"ticket:{t.reference}:{kind}": t.reference for t in tickets for kind in ("support", "webhook")}
    states: dict[str, dict] = {}
    if keys:
        for message in db.session.scalars(select(Message).where(Message.key.in_(list(keys)))):
            kind = message.key.rsplit(":", 1)[1]
            states.setdefault(keys[message.key], {})[kind] = message
    return [{"ticket": t, "support": states.get(t.reference, {}).get("support"),
             "webhook": states.get(t.reference, {}).get("webhook")} for t in tickets]

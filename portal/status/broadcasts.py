"""Broadcasts: incident and maintenance notices, announcements, the delivery log.

The receivers of ``portal.signals.incident_event`` / ``maintenance_event`` run
inside the operator's transaction and write ONE ``Broadcast`` (rendered once
per language, plus the Statuspage-shaped webhook document); the worker
expands it (:mod:`portal.status.fanout`). Posting therefore costs the same
whether there are ten subscribers or a hundred thousand.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.db import utcnow
from portal.i18n import normalize_locale
from portal.outbox.models import STATE_DEAD, STATE_FAILED, STATE_PENDING, STATE_SENDING, STATE_SENT, Message
from portal.outbox.rendering import in_locale, render_mail
from portal.status.localized import component_name, incident_name, update_body
from portal.status.fanout import MANAGE_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, create_broadcast
from portal.status.subscription_models import Broadcast

log = logging.getLogger(__name__)

#: Events that reach subscribers (a postmortem only when the operator asks).
INCIDENT_EVENTS = ("created", "updated", "resolved", "postmortem")
#: ("reminder": N hours before the start, "rescheduled": new dates; portal.status.reminders / maintenance)
MAINTENANCE_EVENTS = ("scheduled", "started", "updated", "completed", "reminder", "rescheduled")


class BroadcastError(ValueError):
    """Input staff can correct (translated)."""


def _placeholders() -> dict:
    return {"manage_url": MANAGE_PLACEHOLDER, "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER}


def _incident_content(incident, update, event: str) -> dict:
    from portal.outbox.links import external_url
    from portal.status import display

    content = {}
    for locale in SUPPORTED_LOCALES:
        with in_locale(locale):
            incident_url = external_url("status.incident", lang=locale, public_id=incident.public_id)
            label = display.status_label(update.status if update is not None else incident.status)
            if event == "reminder":
                subject = _("[%(site)s] Reminder: maintenance “%(name)s” starts %(start)s",
                            site=current_app.config["SITE_NAME"], name=incident_name(incident, locale),
                            start=display.status_time(incident.scheduled_for))
            elif event == "rescheduled":
                subject = _("[%(site)s] Maintenance moved: %(name)s", site=current_app.config["SITE_NAME"],
                            name=incident_name(incident, locale))
            elif incident.is_maintenance:
                subject = _("[%(site)s] Maintenance %(status)s: %(name)s", site=current_app.config["SITE_NAME"],
                            status=label.lower(), name=incident_name(incident, locale))
            else:
                subject = _("[%(site)s] %(status)s: %(name)s", site=current_app.config["SITE_NAME"],
                            status=label, name=incident_name(incident, locale))
            body = render_mail(
                "status/email/incident", incident=incident, update=update, event=event, status_label=label,
                incident_url=incident_url, components=[component_name(c, locale) for c in incident.components],
                posted_at=display.status_time(update.display_at if update is not None else utcnow()),
                window=(display.status_time(incident.scheduled_for), display.status_time(incident.scheduled_until))
                if incident.is_maintenance and incident.scheduled_for else None,
                **_placeholders())
            content[locale] = {"subject": subject, **body, **_channel_content(incident, update, label, incident_url, locale)}
    with in_locale(SUPPORTED_LOCALES[0]):
        content["webhook"] = _statuspage_document(incident)
    return content


def _channel_content(incident, update, label: str, incident_url: str, locale: str) -> dict:
    """The Slack/Teams summary and the SMS text of a notice in ``locale`` (inside ``in_locale``)."""
    from portal.status import chat_formats

    site = current_app.config["SITE_NAME"]
    return {
        "chat": chat_formats.summary(
            title=incident_name(incident, locale), text=(update_body(update, locale) if update is not None else "") or "",
            status=label, components=[component_name(c, locale) for c in incident.components], url=incident_url,
            severity=chat_formats.severity_of(incident)),
        "sms": chat_formats.sms_text(site=site, status=label, name=incident_name(incident, locale),
                                     short_url=chat_formats.short_url(incident)),
    }


def _statuspage_document(incident) -> dict:
    """Statuspage's webhook shape: ``{"meta", "page", "incident"}``."""
    from portal.status import statuspage
    from portal.status.display import STATUSPAGE_DESCRIPTIONS

    indicator = "maintenance" if incident.is_maintenance else (
        "none" if incident.is_closed else incident.impact)
    return {
        "meta": {"generated_at": utcnow().isoformat()},
        "page": {
            "id": statuspage.page_id(),
            "status_indicator": indicator,
            "status_description": STATUSPAGE_DESCRIPTIONS.get(indicator, ""),
        },
        "incident": statuspage.incident(incident),
    }


def _on_status_event(kind: str, allowed: tuple[str, ...]):
    def receiver(sender, *, session, update=None, event=None, notify=True, **kwargs):
        incident = kwargs.get("incident") or kwargs.get("maintenance") or sender
        if not notify or event not in allowed:
            return
        if kind == "incident":
            from portal.status.maintenance import muted_by_maintenance

            if muted_by_maintenance(session, incident):
                log.info("incident %s: notifications muted by maintenance", incident.public_id)
                return
        content = _incident_content(incident, update, event)
        create_broadcast(session, kind=kind, event=event, incident_id=incident.id,
                         component_ids=[c.id for c in incident.components], content=content,
                         created_by=getattr(update, "created_by", None))
    return receiver


#: Kept at module level: blinker holds receivers weakly.
on_incident_event = _on_status_event("incident", INCIDENT_EVENTS)
on_maintenance_event = _on_status_event("maintenance", MAINTENANCE_EVENTS)


def on_component_status(sender, *, session, component, old_status, new_status, **kwargs):
    """Statuspage's ``component_update`` webhook: one broadcast, for webhooks only."""
    if not current_app.config["WEBHOOK_COMPONENT_UPDATES"]:
        return
    from portal.status import statuspage
    from portal.status.display import STATUSPAGE_DESCRIPTIONS
    from portal.status.models import new_public_id

    session.flush()  # a component added in this transaction needs its id
    from portal.status.maintenance import components_muted
    from portal.status.models import UNDER_MAINTENANCE

    if new_status != UNDER_MAINTENANCE and components_muted(session, [component.id]):
        # a muting maintenance covers it (its own start is still told)
        log.info("component %s: update muted by maintenance", component.public_id)
        return
    now = utcnow().isoformat()
    indicator = {"operational": "none", "degraded_performance": "minor", "partial_outage": "major",
                 "major_outage": "critical", "under_maintenance": "maintenance"}.get(new_status, "minor")
    with in_locale(SUPPORTED_LOCALES[0]):
        document = {
            "meta": {"generated_at": now},
            "page": {"id": statuspage.page_id(), "status_indicator": indicator,
                     "status_description": STATUSPAGE_DESCRIPTIONS.get(indicator, "")},
            # as Statuspage's documented payload (and Zulip's fixture of it)
            "component_update": {"created_at": now, "new_status": new_status, "old_status": old_status,
                                 "component_type": "Component", "id": new_public_id(),
                                 "component_id": component.public_id},
            "component": {**statuspage.component(component), "status": new_status},
        }
    create_broadcast(session, kind="component", event="component_update", component_ids=[component.id],
                     content={"webhook": document})


def connect_signals() -> None:
    from portal import signals

    signals.incident_event.connect(on_incident_event)
    signals.maintenance_event.connect(on_maintenance_event)
    signals.component_status_changed.connect(on_component_status)


def render_markdown(text: str) -> str:
    """Sanitized HTML of an announcement, rendered as incident updates are."""
    from portal.status.markup import render

    html, _plain = render(text or "")
    return html


def announce(session: Session, *, subject: str, body: str, component_id: int | None = None,
             locale: str | None = None, by: str | None = None) -> Broadcast:
    """Queue an announcement to every subscriber, or to one component's. Commits."""
    content, component_ids = announcement_content(session, subject=subject, body=body,
                                                  component_id=component_id, locale=locale)
    broadcast = create_broadcast(session, kind="announcement", event="announcement",
                                 component_ids=component_ids, content=content, created_by=by)
    session.commit()
    return broadcast


def recipient_counts(session: Session, component_id: int | None = None) -> dict[str, int]:
    """``{channel: confirmed subscribers}`` an announcement would reach (the preview's numbers)."""
    from sqlalchemy import exists, or_

    from portal.status.subscription_models import SUBSCRIBER_CONFIRMED, Subscriber, Subscription

    query = select(Subscriber.channel, func.count()).where(Subscriber.state == SUBSCRIBER_CONFIRMED)
    if component_id:
        query = query.where(or_(Subscriber.all_components.is_(True), exists().where(
            Subscription.subscriber_id == Subscriber.id, Subscription.component_id == int(component_id))))
    return dict(session.execute(query.group_by(Subscriber.channel)).all())


def send_test(session: Session, content: dict, locale: str, to: str) -> None:
    """The announcement's e-mail, once, to the operator who asked (not a subscriber). Commits."""
    from portal.outbox.services import enqueue_email

    mail = content[locale]
    text = (mail.get("text") or "").replace(MANAGE_PLACEHOLDER, "#").replace(UNSUBSCRIBE_PLACEHOLDER, "#")
    html = mail.get("html")
    if html:
        html = html.replace(MANAGE_PLACEHOLDER, "#").replace(UNSUBSCRIBE_PLACEHOLDER, "#")
    enqueue_email(session, to=to, subject="[TEST] " + mail["subject"], text=text, html=html,
                  key=f"broadcast-test:{utcnow().isoformat()}:{to}", purpose="broadcast_test")
    session.commit()


def announcement_content(session: Session, *, subject: str, body: str, component_id: int | None = None,
                         locale: str | None = None) -> tuple[dict, list[int]]:
    """What :func:`announce` would send (e-mail per language, webhook document),
    checked; nothing is stored, so the staff page previews exactly this."""
    subject = (subject or "").strip()
    body = (body or "").strip()
    if not subject or len(subject) > 200:
        raise BroadcastError(_("Write a subject of at most 200 characters."))
    if not body:
        raise BroadcastError(_("Write the message."))
    component_ids = []
    if component_id:
        from portal.status.models import Component

        if session.get(Component, int(component_id)) is None:
            raise BroadcastError(_("That component does not exist."))
        component_ids = [int(component_id)]
    locale = normalize_locale(locale)
    with in_locale(locale):
        rendered = render_mail("status/email/announcement", subject=subject, body_text=body,
                               body_html=render_markdown(body), **_placeholders())
        from portal.outbox.links import site_url
        from portal.status import chat_formats

        rendered["chat"] = chat_formats.summary(title=subject, text=body, status=_("Announcement"),
                                                components=[], url=site_url("/status"), severity="none")
    from portal.status import statuspage

    with in_locale(locale):
        page_id = statuspage.page_id()
    content = {
        locale: {"subject": subject, **rendered},
        "webhook": {
            "meta": {"generated_at": utcnow().isoformat()},
            "page": {"id": page_id},
            "announcement": {"subject": subject, "body": body, "created_at": utcnow().isoformat(),
                             "component_ids": component_ids},
        },
    }
    return content, component_ids


def delivery_counts(session: Session, broadcast_ids=None) -> dict[int, dict[str, int]]:
    """{broadcast id: {"sent", "pending", "failed", "dead"}}; pending includes sending."""
    query = select(Message.broadcast_id, Message.state, func.count()).where(Message.broadcast_id.is_not(None))
    if broadcast_ids is not None:
        query = query.where(Message.broadcast_id.in_(list(broadcast_ids)))
    counts: dict[int, dict[str, int]] = {}
    for broadcast_id, state, count in session.execute(query.group_by(Message.broadcast_id, Message.state)):
        entry = counts.setdefault(broadcast_id, {"sent": 0, "pending": 0, "failed": 0, "dead": 0})
        key = {STATE_SENT: "sent", STATE_PENDING: "pending", STATE_SENDING: "pending",
               STATE_FAILED: "failed", STATE_DEAD: "dead"}[state]
        entry[key] += count
    return counts


def delivery_errors(session: Session, broadcast_id: int, limit: int = 50) -> list[dict]:
    """The distinct errors of a broadcast's failed and dead messages, most frequent first."""
    rows = session.execute(
        select(Message.state, Message.last_error, func.count(), func.max(Message.next_attempt_at))
        .where(Message.broadcast_id == broadcast_id, Message.state.in_((STATE_FAILED, STATE_DEAD)))
        .group_by(Message.state, Message.last_error)
        .order_by(func.count().desc()).limit(limit)).all()
    return [{"state": state, "error": error or "", "count": count, "next_attempt_at": next_at}
            for state, error, count, next_at in rows]


def retry_now(session: Session, broadcast_id: int) -> int:
    """Send a broadcast's failed and given-up messages again, now. Commits."""
    from sqlalchemy import update

    result = session.execute(
        update(Message)
        .where(Message.broadcast_id == broadcast_id, Message.state.in_((STATE_FAILED, STATE_DEAD)))
        .values(state=STATE_PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None))
    session.commit()
    return result.rowcount


def recent_broadcasts(session: Session, limit: int = 50) -> list[Broadcast]:
    return list(session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))


def warm_up() -> None:
    """Render an incident notice once in every language (templates compiled,
    catalogs and locale data loaded, the markdown renderer imported), so the
    first real post after a server start is as fast as the next ones. Nothing
    is stored."""
    from portal.status.models import Incident, IncidentUpdate

    render_markdown("*warm-up*")
    now = utcnow()
    incident = Incident(name="warm-up", status="investigating", impact="minor", is_maintenance=False,
                        created_at=now, updated_at=now, started_at=now, public_id="warmup")
    IncidentUpdate(incident=incident, status="investigating", body="", body_html="", public_id="warmup",
                   created_at=now, updated_at=now, display_at=now, affected_components=[])
    _incident_content(incident, incident.updates[0], "created")


def warm_up_in(app) -> None:
    """The server-start hook: :func:`warm_up` in this process; never fails the start."""
    with app.app_context():
        try:
            warm_up()
        except Exception:  # an optimisation only: never keep the server from starting
            log.exception("warming up the notification templates failed")

"""Notices formatted per channel: Slack Block Kit, a Teams Adaptive Card, one SMS.

A broadcast stores, per language, a compact ``chat`` summary (title, text,
status label, components, link, severity) and the ``sms`` text, rendered when
the operator posts; the fan-out turns the summary into the Slack or Teams
document for each subscriber (:func:`slack_message`, :func:`teams_message`).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from portal.outbox import sms
from portal.outbox.links import site_url

#: Severity -> (Slack attachment colour, Adaptive Card text colour).
COLOURS = {
    "none": ("#2e7d32", "Good"),
    "minor": ("#f9a825", "Warning"),
    "major": ("#ef6c00", "Warning"),
    "critical": ("#c62828", "Attention"),
    "maintenance": ("#1565c0", "Accent"),
}
TEXT_LIMIT = 2900  # Slack section text: 3000 characters at most


def severity_of(incident) -> str:
    if incident.is_maintenance:
        return "maintenance"
    return "none" if incident.is_closed else (incident.impact or "minor")


def summary(*, title: str, text: str, status: str, components: list[str], url: str, severity: str) -> dict:
    """The per-language facts a chat message is made of (call inside ``in_locale``)."""
    return {"title": title[:150], "text": (text or "")[:TEXT_LIMIT], "status": status,
            "status_label": _("Status"), "components_label": _("Components"),
            "components": ", ".join(components), "link_label": _("View on the status page"),
            "url": url, "severity": severity if severity in COLOURS else "minor"}


def sms_text(*, site: str, status: str, name: str, short_url: str) -> str:
    """One SMS where possible: the name is shortened, the link never."""
    return sms.fit(f"{site}: {status}: {name}", f" {short_url}")


def short_url(incident) -> str:
    return site_url(f"/s/{incident.public_id}")


def _mrkdwn(text: str) -> str:
    # Slack's only required escapes
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(chat: dict) -> dict:
    """An incoming-webhook body: ``text`` (notifications, fallback), ``blocks``,
    and the status colour as an attachment's bar."""
    colour = COLOURS[chat["severity"]][0]
    fields = [{"type": "mrkdwn", "text": f"*{_mrkdwn(chat['status_label'])}*\n{_mrkdwn(chat['status'])}"}]
    if chat.get("components"):
        fields.append({"type": "mrkdwn",
                       "text": f"*{_mrkdwn(chat['components_label'])}*\n{_mrkdwn(chat['components'])}"})
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": chat["title"], "emoji": True}}]
    if chat.get("text"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(chat["text"])}})
    return {
        "text": f"{chat['title']} ({chat['status']}) {chat['url']}",
        "blocks": blocks,
        "attachments": [{"color": colour, "blocks": [
            {"type": "section", "fields": fields},
            {"type": "actions", "elements": [{"type": "button", "url": chat["url"],
                                              "text": {"type": "plain_text", "text": chat["link_label"]}}]},
        ]}],
    }


def teams_message(chat: dict) -> dict:
    """A Teams workflow ("When a Teams webhook request is received") body: a
    ``message`` with one Adaptive Card attachment."""
    colour = COLOURS[chat["severity"]][1]
    facts = [{"title": chat["status_label"], "value": chat["status"]}]
    if chat.get("components"):
        facts.append({"title": chat["components_label"], "value": chat["components"]})
    body = [{"type": "TextBlock", "text": chat["title"], "weight": "Bolder", "size": "Medium",
             "color": colour, "wrap": True}]
    if chat.get("text"):
        body.append({"type": "TextBlock", "text": chat["text"], "wrap": True})
    body.append({"type": "FactSet", "facts": facts})
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": chat["link_label"], "url": chat["url"]}],
            },
        }],
    }


def welcome(kind: str) -> dict:
    """The test message a new Slack or Teams subscriber receives (inside ``in_locale``)."""
    site = current_app.config["SITE_NAME"]
    chat = summary(title=_("%(site)s status updates", site=site),
                   text=_("This channel will receive %(site)s status updates from now on.", site=site),
                   status=_("Subscribed"), components=[], url=site_url("/status"), severity="none")
    return slack_message(chat) if kind == "slack" else teams_message(chat)

"""Signals between domains, so that one domain's service can trigger another's
work without importing it.

Receivers run synchronously, inside the sender's transaction, with the sender's
``session``: whatever they add (e.g. outbox messages) is committed or rolled back
together with the change that caused it (the transactional outbox).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by ``status.services`` when an incident is created, updated or resolved,
#: before the commit. kwargs: ``session``, ``incident``, ``update`` (the
#: IncidentUpdate just posted, or None), ``event`` ("created" | "updated" |
#: "resolved"), ``notify`` (bool: the operator's "notify subscribers" choice).
incident_event = _signals.signal("incident-event")

#: Sent by ``status.services`` for scheduled maintenance. kwargs: ``session``,
#: ``maintenance`` (an Incident with impact "maintenance"), ``update`` (or None),
#: ``event`` ("scheduled" | "started" | "completed"), ``notify`` (bool).
maintenance_event = _signals.signal("maintenance-event")

#: Sent by ``status.timeline.apply_status`` when a component's status changes,
#: before the commit. kwargs: ``session``, ``component``, ``old_status``,
#: ``new_status``.
component_status_changed = _signals.signal("component-status-changed")

#: Sent by ``kb.services`` after an article is saved, before commit. kwargs:
#: ``session``, ``article``. (Search indexes after commit through session
#: events instead; this is for other listeners.)
article_saved = _signals.signal("article-saved")

#: Sent by the search page after a search (first result page). kwargs:
#: ``query`` (as typed), ``locale``, ``total`` (results found). Receivers keep
#: their own short transaction (the search page writes nothing else).
search_performed = _signals.signal("search-performed")
#: Sent by ``tickets.analytics.record`` for every deflection event it stores,
#: before commit. kwargs: ``session``, ``attempt_id``, ``event``, ``locale``,
#: ``article_slug`` (or None), ``query`` (what the customer had typed, already
#: masked by the browser; receivers must not store it as text, or None).
deflection_event = _signals.signal("deflection-event")

#: Sent by ``tickets.services.create_ticket`` after the ticket is flushed and
#: its messages are queued, before commit. kwargs: ``session``, ``ticket``.
#: (The support loop starts the ticket's lifecycle and files suggestions as ideas.)
ticket_created = _signals.signal("ticket-created")

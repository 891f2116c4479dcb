"""The support team's loop: ticket lifecycle from the helpdesk, answer times
against targets, a rating after every answer, ideas tracked until shipped, and
when customers write.

``init_app`` connects the ticket-created signal (lifecycle, mail threads,
ideas), adds the staff links, and the template helper the support e-mail uses
for the ticket's signed answer address.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from portal import signals
    from portal.support import mailin, services

    signals.ticket_created.connect(services.on_ticket_created, weak=False)
    links = app.extensions.setdefault("portal.staff_links", [])
    roles = ("operator", "writer")
    links.append({"endpoint": "support_staff.targets", "label": _l("Answer times"), "roles": roles})
    links.append({"endpoint": "support_staff.happiness", "label": _l("Happiness"), "roles": roles})
    links.append({"endpoint": "support_staff.volume_page", "label": _l("When customers write"), "roles": roles})
    links.append({"endpoint": "support_staff.idea_list", "label": _l("Ideas"), "roles": roles})
    app.jinja_env.globals["support_answer_address"] = mailin.answer_address_for

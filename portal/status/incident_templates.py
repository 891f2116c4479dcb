"""Incident templates: the write path (staff CRUD) and "open from template".

A template stores what the new-incident form asks (title, impact, status,
component statuses by code, first update), in one or more languages; the
staff form is prefilled from it and the operator still reviews before opening.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.db import utcnow
from portal.status import localized
from portal.status.models import COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, IncidentTemplate
from portal.status.timeline import StatusError


def all_templates() -> list[IncidentTemplate]:
    return list(db.session.scalars(select(IncidentTemplate).order_by(IncidentTemplate.label)))


def save_template(template: IncidentTemplate | None, *, label: str, title: str, impact: str = "minor",
                  status: str = "investigating", components: dict | None = None, body: str = "",
                  language: str | None = None, names: dict | None = None,
                  bodies: dict | None = None) -> IncidentTemplate:
    """Create (``template`` None) or replace a template. Commits."""
    label, title = (label or "").strip(), (title or "").strip()
    if not label or len(label) > 200:
        raise StatusError(_("Give the template a name of at most 200 characters."))
    if not title or len(title) > 300:
        raise StatusError(_("An incident needs a name."))
    if impact not in IMPACTS or status not in INCIDENT_STATUSES[:3]:
        raise StatusError(_("Choose an impact and a status from the lists."))
    statuses = {str(code): value for code, value in (components or {}).items() if value in COMPONENT_STATUSES}
    language = localized.first_language(language)
    clash = db.session.scalar(select(IncidentTemplate).where(IncidentTemplate.label == label))
    if clash is not None and clash is not template:
        raise StatusError(_("A template named %(name)s exists already.", name=label))
    if template is None:
        template = IncidentTemplate(created_at=utcnow())
        db.session.add(template)
    template.label, template.title, template.impact, template.status = label, title, impact, status
    template.component_statuses, template.body, template.language = statuses, body or "", language
    template.name_translations = localized.clean_texts(names, language, 300)
    template.body_translations = localized.clean_texts(bodies, language, 20000)
    template.updated_at = utcnow()
    db.session.commit()
    return template


def delete_template(template: IncidentTemplate) -> None:
    db.session.delete(template)
    db.session.commit()


def form_values(template: IncidentTemplate) -> dict:
    """The new-incident form's fields as the template fills them."""
    values = {f"name-{lang}": text for lang, text in (template.name_translations or {}).items()}
    values.update({f"message-{lang}": text for lang, text in (template.body_translations or {}).items()})
    return values
